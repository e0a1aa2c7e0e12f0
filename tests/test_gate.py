"""The switch gate: passes a candidate that supports an app, fails one that does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import SuiteRun

RunCli = Callable[..., SuiteRun]


def _app(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return path


B64_AT_1792 = """
name: poster-studio
models:
  dall-e-3:
    sizes: [1792x1024]
    response_formats: [b64_json]
"""


def test_gate_passes_a_candidate_that_supports_the_app(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    run = run_cli(
        "gate",
        "--requires",
        str(_app(tmp_path, B64_AT_1792)),
        "--candidate",
        str(profile_runs["ezmodel"].report_dir / "results.json"),
        "--current",
        str(profile_runs["openai-dalle"].report_dir / "results.json"),
    )
    assert run.exit_code == 0, run.output
    assert "— PASS" in run.output


def test_gate_fails_a_candidate_that_lacks_the_size(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    # yescale's DALL·E 3 page documents 256x256, 512x512 and 1024x1024 only.
    run = run_cli(
        "gate",
        "--requires",
        str(_app(tmp_path, B64_AT_1792)),
        "--candidate",
        str(profile_runs["yescale"].report_dir / "results.json"),
        "--current",
        str(profile_runs["openai-dalle"].report_dir / "results.json"),
    )
    assert run.exit_code == 1
    assert "✗ dall-e-3: size 1792x1024 was never requested" in run.output
    assert "changes silently" in run.output


def test_gate_shows_what_changes_silently(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    app = _app(
        tmp_path,
        """
name: thumbnailer
cannot_live_with: []
models:
  imagen-3:
    current_model: dall-e-2
    sizes: [1024x1024]
""",
    )
    run = run_cli(
        "gate",
        "--requires",
        str(app),
        "--candidate",
        str(profile_runs["modelmax"].report_dir / "results.json"),
        "--current",
        str(profile_runs["openai-dalle"].report_dir / "results.json"),
    )
    assert run.exit_code == 0, run.output
    assert (
        "balance.insufficient[insufficient-balance] (should): passed → known, "
        "answered 429 → 402" in run.output
    )


def test_gate_fails_when_a_must_breaks(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    # modelmax's chat-style usage fails the openai SDK's strict types (must).
    app = _app(tmp_path, "name: strict-app\nmodels:\n  imagen-3:\n    sizes: [1024x1024]\n")
    run = run_cli(
        "gate",
        "--requires",
        str(app),
        "--candidate",
        str(profile_runs["modelmax"].report_dir / "results.json"),
    )
    assert run.exit_code == 1
    assert "sdk.parses" in run.output


def test_a_bad_app_file_is_one_line_and_exit_4(
    run_cli: RunCli, tmp_path: Path, profile_runs: dict[str, SuiteRun]
) -> None:
    app = _app(tmp_path, "name: x\nmodels:\n  dall-e-3:\n    sizez: [1024x1024]\n")
    run = run_cli(
        "gate",
        "--requires",
        str(app),
        "--candidate",
        str(profile_runs["openai-dalle"].report_dir / "results.json"),
    )
    assert run.exit_code == 4
    assert len(run.output.strip().splitlines()) == 1
    assert "sizez" in run.output
