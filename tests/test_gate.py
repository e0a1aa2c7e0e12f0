"""The switch gate: passes a candidate that supports an app, fails one that does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SuiteRun, suite_args

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


def test_gate_fails_when_a_named_client_breaks_whatever_its_severity(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    # modelmax's chat-style usage fails openai-python's strict types (a should check).
    app = "name: strict-app\nmodels:\n  imagen-3:\n    sizes: [1024x1024]\n"
    candidate = str(profile_runs["modelmax"].report_dir / "results.json")
    lenient = run_cli("gate", "--requires", str(_app(tmp_path, app)), "--candidate", candidate)
    assert lenient.exit_code == 0, lenient.output
    strict = _app(tmp_path, app + "clients: [openai-python-strict]\n")
    run = run_cli("gate", "--requires", str(strict), "--candidate", candidate)
    assert run.exit_code == 1
    assert "client.openai-python-strict.generates" in run.output
    assert "chat-style usage" in run.output


READS_B64 = """
name: thumbnailer
models:
  dall-e-2:
    sizes: [512x512]
    response_formats: [b64_json]
"""


@pytest.fixture(scope="module")
def text_plain_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run against a server that sends its JSON answers as text/plain."""
    report = tmp_path_factory.mktemp("text-plain")
    code = pytest.main(
        suite_args(
            report,
            "--profile",
            "openai-dalle",
            "--fault",
            "content-type-text",
            "--view",
            "drop-in",
            "--probes",
            "fixed",
        )
    )
    assert code == 1  # generation.content-type and client.openai-node.generates fail
    return report / "results.json"


def test_gate_fails_the_text_plain_candidate_for_an_openai_node_app(
    run_cli: RunCli, text_plain_results: Path, tmp_path: Path
) -> None:
    app = _app(tmp_path, READS_B64 + "clients: [openai-node]\n")
    run = run_cli("gate", "--requires", str(app), "--candidate", str(text_plain_results))
    assert run.exit_code == 1, run.output
    assert "✗ dall-e-2: size 512x512 fails: client.openai-node.generates[" in run.output
    assert ".data is undefined" in run.output


def test_gate_passes_the_text_plain_candidate_for_an_openai_python_app(
    run_cli: RunCli, text_plain_results: Path, tmp_path: Path
) -> None:
    app = _app(tmp_path, READS_B64 + "clients: [openai-python]\n")
    run = run_cli("gate", "--requires", str(app), "--candidate", str(text_plain_results))
    assert run.exit_code == 0, run.output
    assert "— PASS" in run.output
    assert "the app's clients cope (1):" in run.output
    assert "dall-e-2: generation.content-type (must) failed, but openai-python read" in run.output


def test_gate_without_named_clients_counts_every_client(
    run_cli: RunCli, text_plain_results: Path, tmp_path: Path
) -> None:
    run = run_cli(
        "gate", "--requires", str(_app(tmp_path, READS_B64)), "--candidate", str(text_plain_results)
    )
    assert run.exit_code == 1
    assert "fails: client.openai-node.generates[" in run.output


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
