"""The two axes of a probe, operation and family: each stage knows every value of each."""

from __future__ import annotations

import dataclasses
import typing

from conformance.checks import all_checks
from conformance.plan import PLANNERS, ROOMS, build_plan
from conformance.profile import load_profile
from conformance.report.rows import row_key
from conformance.server.app import OPERATIONS as ROUTES
from conformance.server.faults import FAULTS
from conformance.transport.bodies import ENCODERS, outgoing
from conformance.vocabulary import FAMILIES, OPERATION_PATHS, OPERATIONS, Family, Operation


def test_every_stage_knows_every_operation_and_family() -> None:
    assert set(OPERATIONS) == set(typing.get_args(Operation))
    assert set(FAMILIES) == set(typing.get_args(Family))
    assert set(PLANNERS) == set(ENCODERS) == set(OPERATION_PATHS) == set(OPERATIONS)
    assert set(ROOMS) == set(FAMILIES)
    # The reference server routes every operation, and each fault scopes one of them.
    assert set(ROUTES) == set(OPERATIONS)
    assert {fault.operation for fault in FAULTS.values()} == set(OPERATIONS)


def test_a_models_family_is_derived_from_its_spec() -> None:
    openai = load_profile("openai")
    assert {m.family for m in openai.models.values()} == {"gpt"}
    assert {m.family for m in load_profile("openai-dalle").models.values()} == {"dalle"}
    model = openai.models["gpt-image-2"]
    assert dataclasses.replace(model, gpt=None).family == "dalle"


def test_a_generations_probe_is_posted_as_json_to_its_path() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-2"])
    assert {p.operation for p in plan.probes} == {"generations"}
    probe = next(p for p in plan.probes if p.kind == "valid")
    sent = outgoing(probe)
    assert (sent.path, sent.content_type) == ("/images/generations", "application/json")
    assert sent.content == probe.content()


def test_an_edits_probe_is_posted_as_multipart_to_its_path() -> None:
    plan = build_plan(load_profile("openai"), ["gpt-image-2"])
    edits = [p for p in plan.probes if p.operation == "edits"]
    assert edits
    assert all(p.edit is not None for p in edits)
    sent = outgoing(next(p for p in edits if p.kind == "valid"))
    assert sent.path == "/images/edits"
    assert sent.content_type.startswith("multipart/form-data; boundary=")
    assert sent.content.count(b'name="image[]"') == 2


def test_a_check_judges_only_the_operations_it_names() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-2"])
    probe = next(p for p in plan.probes if p.kind == "invalid")
    check = next(c for c in all_checks() if c.id == "validation.rejected")
    assert check.judges(probe)
    assert not dataclasses.replace(check, operations=frozenset()).judges(probe)
    # An edit's refusal is judged by the shared refusal checks, not by a generations-only one.
    edits = build_plan(load_profile("openai"), ["gpt-image-2"]).probes
    edit = next(p for p in edits if p.operation == "edits" and p.kind == "invalid")
    assert check.judges(edit)
    dimensions = next(c for c in all_checks() if c.id == "images.dimensions")
    assert dimensions.operations == frozenset({"generations"})


def test_report_rows_are_grouped_by_operation() -> None:
    entry = {"check": "validation.rejected", "id": "validation.rejected[n-zero]"}
    old = {**entry, "probe": {"id": "n-zero", "kind": "invalid", "origin": "fixed"}}
    new = {**entry, "probe": {**old["probe"], "operation": "generations"}}
    other = {**entry, "probe": {**old["probe"], "operation": "edits"}}
    assert row_key(old) == row_key(new) == "validation.rejected[n-zero]"
    assert row_key(other) == "edits: validation.rejected[n-zero]"
