"""results.json: what the writer writes validates against its schema; readers reject the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.report.rows import load_results
from conformance.resources import recording_schema_path, results_schema_path
from tests.conftest import SuiteRun

RunCli = Callable[..., SuiteRun]
RunSuite = Callable[..., SuiteRun]


def _validator(path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _problems(data: Any, schema: Path) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator(schema).iter_errors(data)]


def _broken_copy(run: SuiteRun, tmp_path: Path, break_it: Callable[[dict[str, Any]], None]) -> Path:
    data = run.results
    break_it(data)
    path = tmp_path / "broken" / "results.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "profile",
    [
        # The quick loop's one DALL·E suite run (the GPT one: tests/test_cli.py).
        pytest.param("openai-dalle", marks=pytest.mark.quick),
        "modelmax",
        "ezmodel",
        "yescale",
    ],
)
def test_every_profile_run_writes_results_that_validate(
    profile_runs: dict[str, SuiteRun], profile: str
) -> None:
    results = profile_runs[profile].results
    assert _problems(results, results_schema_path()) == []
    assert results["checks"]
    for entry in results["checks"]:
        assert entry["id"] == f"{entry['check']}[{entry['probe']['id']}]"


def test_a_failing_run_and_its_replay_write_results_and_a_recording_that_validate(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    recording = tmp_path / "recording"
    first = run_suite("--probes", "fixed", "--fault", "error-html", "--record", str(recording))
    replay = run_suite("--probes", "fixed", "--replay", str(recording))
    assert first.exit_code == replay.exit_code == 1
    recorded = json.loads((recording / "recording.json").read_text())
    assert _problems(recorded, recording_schema_path()) == []
    for run in (first, replay):
        assert run.results["summary"]["failed"] > 0
        assert _problems(run.results, results_schema_path()) == []


@pytest.mark.quick  # reads the openai-dalle run the quick loop makes anyway
def test_the_matrix_rejects_a_results_file_that_breaks_the_schema_in_one_line(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    def break_it(data: dict[str, Any]) -> None:
        data["checks"][3]["outcome"] = "mostly fine"

    path = _broken_copy(profile_runs["openai-dalle"], tmp_path, break_it)
    run = run_cli("matrix", str(path), "--out", str(tmp_path / "matrix"))
    assert run.exit_code == 4
    assert len(run.output.strip().splitlines()) == 1
    assert "checks.3.outcome" in run.output
    assert "Traceback" not in run.output


@pytest.mark.quick  # reads the openai-dalle run the quick loop makes anyway
def test_the_gate_rejects_a_results_file_that_breaks_the_schema_in_one_line(
    run_cli: RunCli, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    def break_it(data: dict[str, Any]) -> None:
        del data["summary"]

    app = tmp_path / "app.yaml"
    app.write_text("name: x\nmodels:\n  dall-e-3:\n    sizes: [1024x1024]\n")
    path = _broken_copy(profile_runs["openai-dalle"], tmp_path, break_it)
    run = run_cli("gate", "--requires", str(app), "--candidate", str(path))
    assert run.exit_code == 4
    assert len(run.output.strip().splitlines()) == 1
    assert "'summary' is a required property" in run.output


def test_a_replay_rejects_a_recording_that_breaks_its_schema_in_one_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    recording = tmp_path / "recording"
    recording.mkdir()
    bad = {
        "schema_version": 1,
        "profile": "openai",
        "profile_sha256": "0" * 64,
        "base_url": None,
        "models": ["dall-e-2"],
        "requests": {"total": 1},
        "exchanges": [{"probe": "dall-e-2/n-zero", "request": {"method": "POST"}}],
    }
    (recording / "recording.json").write_text(json.dumps(bad))
    run = run_cli("run", "--replay", str(recording))
    assert run.exit_code == 4
    assert "exchanges.0.request" in run.output
    assert "Traceback" not in run.output


def test_results_written_before_the_check_field_still_read(
    profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    def strip_check(data: dict[str, Any]) -> None:
        for entry in data["checks"]:
            del entry["check"]

    path = _broken_copy(profile_runs["modelmax"], tmp_path, strip_check)
    read = load_results(path)
    assert [e["check"] for e in read["checks"]] == [
        e["check"] for e in profile_runs["modelmax"].results["checks"]
    ]
