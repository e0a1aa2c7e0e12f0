"""Namespaced model ids (``org/model``) and odd provider names never break a file name (D2).

A profile's name is a plain slug, but a results file's provider is whatever it
says, so file names are made safe for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, SuiteRun

FLUX = "black-forest-labs/FLUX.1-schnell"


def _namespaced_profile(tmp_path: Path) -> Path:
    text = (REPO / "profiles" / "modelmax.yaml").read_text().replace("imagen-3", FLUX)
    data = yaml.safe_load(text)
    data["name"] = "flux"
    path = tmp_path / "flux.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_file_stems_are_plain_distinct_names_for_any_id() -> None:
    from conformance.report.matrix import file_stems

    ids = [
        f"vendor--{FLUX}",
        "vendor--black-forest-labs_FLUX.1-schnell",
        "../..--x",
        "v--A",
        "v--a",
        "v--" + "é" * 300,
        "v--imagen-3",
    ]
    stems = file_stems(ids)
    assert len(set(stems.values())) == len(ids)
    assert len({s.lower() for s in stems.values()}) == len(ids)
    for stem in stems.values():
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", stem), stem
        assert len(stem.encode()) < 200
    assert stems["v--imagen-3"] == "v--imagen-3"  # plain ids keep their names


@pytest.mark.slow  # a whole run, its replay and the gate
def test_matrix_report_gate_and_replay_handle_a_namespaced_model_id(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    profile = str(_namespaced_profile(tmp_path))
    rec = tmp_path / "rec"
    run = run_cli("run", "--profile", profile, "--fuzz-examples", "20", "--record", str(rec))
    assert run.exit_code == 0, run.output[-3000:]
    assert "Traceback" not in run.output
    assert {c["model"] for c in run.results["checks"]} == {FLUX}
    assert (run.report_dir / "report.html").is_file()

    replay = run_cli("run", "--profile", profile, "--replay", str(rec))
    assert replay.exit_code == 0, replay.output[-3000:]

    app = tmp_path / "app.yaml"
    app.write_text(yaml.safe_dump({"name": "app", "models": {FLUX: {"n": [1]}}}))
    results = str(run.report_dir / "results.json")
    gate = run_cli("gate", "--requires", str(app), "--candidate", results)
    assert gate.exit_code == 0, gate.output
    assert "Traceback" not in gate.output

    out = tmp_path / "matrix"
    matrix = run_cli("matrix", results, str(replay.report_dir / "results.json"), "--out", str(out))
    assert matrix.exit_code == 0, matrix.output
    assert "Traceback" not in matrix.output
    badges = sorted(p.name for p in (out / "badges").iterdir())
    pages = sorted(p.name for p in (out / "runs").iterdir())
    assert len(badges) == len(pages) == 2
    assert all(name.startswith("flux--black-forest-labs_FLUX.1-schnell-") for name in pages)
    index = (out / "index.html").read_text()
    for page in pages:  # every cell links to a page that exists
        assert f'href="runs/{page}#' in index

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    unwritable = run_cli("matrix", results, "--out", str(blocker / "matrix"))
    assert unwritable.exit_code == 4, unwritable.output
    assert "Traceback" not in unwritable.output
    assert len(unwritable.output.strip().splitlines()) == 1, unwritable.output
