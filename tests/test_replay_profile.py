"""A replay judges what was recorded, by the profile it was recorded with, or stops."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.resources import bundled_profiles


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def dalle_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording of an openai-dalle run (the reference server emulating it)."""
    root = tmp_path_factory.mktemp("dalle-rec")
    run = _cli(
        root,
        "--profile",
        "openai-dalle",
        "--probes",
        "fixed",
        "--record",
        str(root / "rec"),
        "--report-dir",
        str(root / "first"),
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    return root / "rec"


def test_a_replay_without_profile_judges_by_the_recorded_one(
    dalle_recording: Path, tmp_path: Path
) -> None:
    run = _cli(tmp_path, "--replay", str(dalle_recording), "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["target"]["profile"] == "openai-dalle"
    assert results["summary"]["passed"] > 0


def test_a_replay_naming_another_profile_is_one_line_and_exit_4(
    dalle_recording: Path, tmp_path: Path
) -> None:
    run = _cli(tmp_path, "--replay", str(dalle_recording), "--profile", "openai")
    assert run.returncode == 4, run.stdout[-2000:] + run.stderr
    assert "recorded with profile openai-dalle, not openai" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stdout + run.stderr


def test_a_replay_with_the_profile_changed_since_is_judged_and_noted(
    dalle_recording: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "openai-dalle.yaml"
    changed.write_text(
        bundled_profiles()["openai-dalle"].read_text() + "\n# edited since the recording\n"
    )
    run = _cli(
        tmp_path,
        "--replay",
        str(dalle_recording),
        "--profile",
        str(changed),
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert "changed since the recording" in run.stdout
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["target"]["recorded_profile_sha256"] != results["target"]["profile_sha256"]


def test_a_replay_of_an_empty_recording_judges_nothing_and_is_never_exit_0(
    dalle_recording: Path, tmp_path: Path
) -> None:
    data = json.loads((dalle_recording / "recording.json").read_text())
    data["exchanges"] = []
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "recording.json").write_text(json.dumps(data))
    run = _cli(tmp_path, "--replay", str(empty), "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 5, run.stdout[-2000:] + run.stderr
    assert "nothing judged" in run.stdout
