"""The two axes of a probe, operation and family: each stage knows every value of each."""

from __future__ import annotations

import dataclasses
import typing

from conformance.checks import all_checks
from conformance.plan import PLANNERS, ROOMS, build_plan
from conformance.profile import load_profile
from conformance.report.rows import row_key
from conformance.transport.bodies import ENCODERS, outgoing
from conformance.vocabulary import FAMILIES, OPERATION_PATHS, OPERATIONS, Family, Operation


def test_every_stage_knows_every_operation_and_family() -> None:
    assert set(OPERATIONS) == set(typing.get_args(Operation))
    assert set(FAMILIES) == set(typing.get_args(Family))
    assert set(PLANNERS) == set(ENCODERS) == set(OPERATION_PATHS) == set(OPERATIONS)
    assert set(ROOMS) == set(FAMILIES)


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


def test_a_check_judges_only_the_operations_it_names() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-2"])
    probe = next(p for p in plan.probes if p.kind == "invalid")
    check = next(c for c in all_checks() if c.id == "validation.rejected")
    assert check.judges(probe)
    assert not dataclasses.replace(check, operations=frozenset()).judges(probe)


def test_report_rows_are_grouped_by_operation() -> None:
    entry = {"check": "validation.rejected", "id": "validation.rejected[n-zero]"}
    old = {**entry, "probe": {"id": "n-zero", "kind": "invalid", "origin": "fixed"}}
    new = {**entry, "probe": {**old["probe"], "operation": "generations"}}
    other = {**entry, "probe": {**old["probe"], "operation": "edits"}}
    assert row_key(old) == row_key(new) == "validation.rejected[n-zero]"
    assert row_key(other) == "edits: validation.rejected[n-zero]"
