"""The switch gate for a GPT app: every failure on the candidate's valid requests counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import suite_args

FAILING = ("client.openai-python-strict.generates", "gpt-image.echo")

CANDIDATE = ("--candidate", "cand.json")
STRICT_GPT_APP = """
name: sticker-maker
clients: [openai-python-strict]
cannot_live_with: [must, should]
models:
  gpt-image-2.5-sunburst: {}
"""


@pytest.fixture(scope="module")
def gpt_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A conformant GPT run (the reference server emulating the openai profile)."""
    report = tmp_path_factory.mktemp("gpt-run")
    code = pytest.main(suite_args(report, "--profile", "openai", "--probes", "fixed"))
    assert code == 0
    data: dict[str, Any] = json.loads((report / "results.json").read_text())
    return data


def _failing(data: dict[str, Any], model: str) -> dict[str, Any]:
    """The run as if the candidate failed FAILING on its valid requests for ``model``."""
    data = json.loads(json.dumps(data))
    for entry in data["checks"]:
        if (
            entry["check"] in FAILING
            and entry["model"] == model
            and entry["probe"]["kind"] == "valid"
        ):
            message = f"{entry['check']} broke on this answer"
            entry["outcome"] = "failed"
            entry["message"] = message
            for view in entry["views"].values():
                view.update(outcome="failed", message=message)
    return data


def _gate(tmp_path: Path, app: str, candidate: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.yaml").write_text(app)
    (tmp_path / "cand.json").write_text(json.dumps(candidate))
    return subprocess.run(
        [sys.executable, "-m", "conformance", "gate", "--requires", "app.yaml", *CANDIDATE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_gate_fails_a_gpt_app_whose_client_and_checks_break_on_valid_requests(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    run = _gate(tmp_path, STRICT_GPT_APP, _failing(gpt_results, "gpt-image-2.5-sunburst"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "— FAIL" in run.stdout
    assert (
        "✗ gpt-image-2.5-sunburst: client.openai-python-strict.generates (should) failed"
        in run.stdout
    )
    assert "✗ gpt-image-2.5-sunburst: gpt-image.echo (should) failed" in run.stdout


def test_gate_passes_the_gpt_app_on_a_conformant_candidate(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    run = _gate(tmp_path, STRICT_GPT_APP, gpt_results)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "— PASS" in run.stdout


def test_gate_counts_a_failure_away_from_the_values_the_app_lists(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    # The app names transparent png streams; the failures are on other requests too.
    app = STRICT_GPT_APP.replace(
        "gpt-image-2.5-sunburst: {}",
        "gpt-image-2.5-sunburst:\n    backgrounds: [transparent]\n    output_formats: [png]\n"
        "    stream: [true]",
    )
    run = _gate(tmp_path, app, _failing(gpt_results, "gpt-image-2.5-sunburst"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "gpt-image.echo (should) failed" in run.stdout


def test_gate_ignores_failures_of_models_the_app_does_not_use(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    run = _gate(tmp_path, STRICT_GPT_APP, _failing(gpt_results, "gpt-image-2"))
    assert run.returncode == 0, run.stdout + run.stderr


def test_gate_reads_a_gpt_parameter_the_candidate_never_generated(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    app = STRICT_GPT_APP.replace(
        "gpt-image-2.5-sunburst: {}", "gpt-image-2.5-sunburst:\n    output_compressions: [37]"
    )
    run = _gate(tmp_path, app, gpt_results)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "gpt-image-2.5-sunburst: output_compression 37 was never requested" in run.stdout


def test_the_docs_gpt_example_app_passes_a_conformant_candidate(
    gpt_results: dict[str, Any], tmp_path: Path
) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "app-gpt.yaml"
    run = _gate(tmp_path, example.read_text(), gpt_results)
    assert run.returncode == 0, run.stdout + run.stderr
    failing = _gate(tmp_path, example.read_text(), _failing(gpt_results, "gpt-image-2.5-sunburst"))
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "client.openai-python-strict.generates (should) failed" in failing.stdout
