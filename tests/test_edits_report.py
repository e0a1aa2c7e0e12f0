"""Edits in the plan, the results, the report and the matrix: their own rows per model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.errors import ConfigError
from conformance.plan import build_plan
from conformance.profile import load_profile
from conformance.report.gate import gate, load_app
from conformance.report.matrix import build, markdown
from conformance.transport.bodies import outgoing
from tests.conftest import SuiteRun

ONE = ("--profile", "openai", "--models", "gpt-image-2", "--probes", "fixed")
BILLABLE_EDITS = ("edit-multi-mask", "edit-stream")


def test_each_model_bills_at_most_two_edit_requests_priced_with_their_inputs() -> None:
    profile = load_profile("openai")
    plan = build_plan(profile)
    for model in plan.models:
        edits = [p for p in plan.billable if p.model == model and p.operation == "edits"]
        assert tuple(p.id for p in edits) == BILLABLE_EDITS
        multi, stream = edits
        assert multi.edit is not None
        assert stream.edit is not None
        assert (multi.edit.images_sent, multi.edit.mask, multi.expect.n) == (2, True, 2)
        assert (stream.expect.stream, stream.expect.partial_images, stream.expect.size) == (
            True,
            1,
            "auto",
        )
        sent = outgoing(multi)
        assert b'name="image[]"' in sent.content
        assert sent.content_type.startswith("multipart/form-data; boundary=")
    # Today's models all refuse input_fidelity; gpt-image-1.5 (openai-legacy) takes high.
    fidelity = {p.model: p.edit.input_fidelity for p in plan.billable if p.edit is not None}
    assert set(fidelity.values()) == {None}
    refused = {p.key for p in plan.probes if p.operation == "edits" and not p.billable}
    assert {f"{m}/edit-input-fidelity" for m in plan.models} <= refused
    legacy = build_plan(load_profile("openai-legacy"))
    fidelity = {p.model: p.edit.input_fidelity for p in legacy.billable if p.edit is not None}
    assert fidelity["gpt-image-1.5"] == "high"
    refused = {p.key for p in legacy.probes if p.operation == "edits" and not p.billable}
    assert "gpt-image-1.5/edit-input-fidelity" not in refused


def test_plan_lists_each_edit_probe_with_its_cost(run_cli: Callable[..., SuiteRun]) -> None:
    run = run_cli("run", "--plan", "--models", "gpt-image-2", "--fuzz-examples", "0")
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    multi = next(x for x in lines if x.strip().startswith("edit-multi-mask "))
    assert "2 image(s), 2 in" in multi
    # 2 x $0.005 output (low 1024x1536) + 2 x 1536 input tokens at $8 per 1M
    assert "$0.035" in multi
    assert "mask" in multi
    for probe_id in ("edit-no-image", "edit-octet-stream", "edit-mask-twice", "edit-unknown-field"):
        line = next(x for x in lines if x.strip().startswith(probe_id + " "))
        assert "$0 ($0." in line, line


def test_edits_are_their_own_rows_in_the_matrix_and_the_report(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite(*ONE)
    assert run.exit_code == 0
    entries = [c for c in run.results["checks"] if c["probe"].get("operation") == "edits"]
    assert {c["check"] for c in entries} >= {
        "edits.images-list",
        "edits.mask-effect",
        "edits.stream-events",
        "generation.status",
        "stream.completed",
        "validation.rejected",
    }
    matrix = build([run.report_dir / "results.json"])
    edit_rows = [r for r in matrix.rows if r.feature == "edits"]
    keys = {r.key for r in edit_rows}
    assert {"edits: generation.status", "edits: edits.mask-effect"} <= keys
    assert "edits: validation.rejected[edit-octet-stream]" in keys
    # The generations' rows do not mix the edits in.
    assert "generation.status" in {r.key for r in matrix.rows if r.feature == "generation"}
    assert "edits" in markdown(matrix)
    html = (Path(run.report_dir) / "report.html").read_text()
    assert "<td>edits</td>" in html


def test_the_gate_reads_an_apps_edits(tmp_path: Path, run_suite: Callable[..., SuiteRun]) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(
        "name: photo-editor\n"
        "models:\n"
        "  gpt-image-2:\n"
        "    edits: {images: 2, mask: true, stream: false}\n"
    )
    needs = load_app(app)
    clean = run_suite(*ONE, "-k", "edits. or generation.status")
    broken = run_suite(*ONE, "-k", "edits. or generation.status", "--fault", "edit-image-only")
    passed = gate(needs, clean.report_dir / "results.json")
    assert passed.ok, passed.text()
    failed = gate(needs, broken.report_dir / "results.json", clean.report_dir / "results.json")
    assert not failed.ok
    assert any("edits with 2 images and a mask fail" in b for b in failed.breaks), failed.breaks
    assert any("edits.images-list" in b or "generation.status" in b for b in failed.breaks)
    # An app that only streams single-image edits is not broken by the image[] fault.
    app.write_text(
        "name: streamer\nmodels:\n  gpt-image-2:\n    edits: {images: 1, stream: true}\n"
    )
    streamer = gate(load_app(app), broken.report_dir / "results.json")
    assert not any("streamed edits" in b for b in streamer.breaks), streamer.breaks
    app.write_text("name: typo\nmodels:\n  gpt-image-2:\n    edits: {imagez: 2}\n")
    with pytest.raises(ConfigError, match="imagez"):
        load_app(app)
