"""Property-based edits: multipart forms drawn from CreateImageEditRequest, narrowed per
model, classified like the JSON cases, priced like the fixed edits, and shown to catch
a deviation the fixed edits let through (tests/test_checks_catch_faults.py runs the
same fault in the matrix)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from conformance.edits.cases import first_image, second_image
from conformance.edits.multipart import EditForm, FilePart
from conformance.errors import ConfigError
from conformance.fuzz import cache
from conformance.fuzz.edit_draw import VALID_IMAGES, load_edit_spec, narrowed_spec, request_schema
from conformance.fuzz.edit_forms import classify_form
from conformance.fuzz.edits import NEGATIVE, VALID_PER_MODEL, edit_fuzz_probes
from conformance.fuzz.probes import FuzzSettings
from conformance.plan import build_plan, probe_price
from conformance.profile import ModelSpec, Profile, load_profile
from conformance.server.contract import Violation
from conformance.server.edit_form import EditJob, Upload, check_edit
from conformance.server.faults import FAULTS
from conformance.server.scope import refuse_inapplicable, run_plan, why_not
from conformance.server.state import ReferenceState
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
OPENAI = load_profile("openai")
GPT2 = OPENAI.models["gpt-image-2"]
FAULT = "edit-accept-n-above-max"


def _probes(profile: Profile = OPENAI):  # type: ignore[no-untyped-def]
    # --fuzz-valid as many as the models: one valid edit each.
    models = list(profile.models.values())
    return edit_fuzz_probes(profile, models, FuzzSettings(positive=len(models)))


def _form(*fields: tuple[str, str], files: tuple[FilePart, ...] | None = None) -> EditForm:
    base = (("model", GPT2.name), ("prompt", "a red square"))
    return EditForm((*base, *fields), (first_image(),) if files is None else files)


def _verdict(form: EditForm, model: ModelSpec = GPT2) -> tuple[str, list[str]]:
    c = classify_form(form, model, OPENAI)
    return c.verdict, [str(r) for r in c.reasons]


def test_the_schema_is_the_spec_request_narrowed_to_the_model() -> None:
    official = load_edit_spec()["components"]["schemas"]["CreateImageEditRequest"]
    positive, negative = request_schema(GPT2, "positive"), request_schema(GPT2, "negative")
    for schema in (positive, negative):
        assert set(schema["properties"]) <= set(official["properties"])
        assert {"prompt", "image"} <= set(schema["required"])
    # Billable cases: one image, the cheapest quality, no stream, few input images.
    assert positive["properties"]["n"]["maximum"] == 1
    assert positive["properties"]["quality"] == {"type": "string", "enum": ["low"]}
    assert "quality" in positive["required"]
    assert "stream" not in positive["properties"]
    assert positive["properties"]["image"]["anyOf"][1]["maxItems"] == VALID_IMAGES
    # Refused cases range over the model's own limits.
    assert negative["properties"]["n"]["maximum"] == GPT2.n_max
    assert negative["properties"]["image"]["anyOf"][1]["maxItems"] == 16
    assert "stream" in negative["properties"]
    # gpt-image-2 refuses input_fidelity: only null is valid, any value a refusal to find.
    assert negative["properties"]["input_fidelity"] == {"type": "null"}
    assert narrowed_spec(GPT2, "negative")["paths"].keys() == {"/images/edits"}


@pytest.mark.parametrize(
    ("fields", "files", "verdict", "reasons"),
    [
        ((("n", "1"), ("size", "1536x1024")), None, "valid", []),
        ((("n", "11"),), None, "invalid", ["n: above maximum"]),
        ((("n", "many"),), None, "invalid", ["n: wrong type"]),
        ((("n", "2.0"),), None, "ambiguous", []),
        ((("n", "007"),), None, "ambiguous", []),
        ((("size", ""),), None, "ambiguous", []),
        ((("size", "1000x1000"),), None, "invalid", ["size: size-multiple"]),
        ((("n", "1"), ("n", "2")), None, "ambiguous", []),
        ((("moderation", "low"),), None, "ambiguous", []),
        (
            (("input_fidelity", "high"),),
            None,
            "invalid",
            ["input_fidelity: not taken by this model"],
        ),
        ((("stream", "yes"),), None, "ambiguous", []),
        (
            (("stream", "true"), ("partial_images", "4")),
            None,
            "invalid",
            ["partial_images: out of range"],
        ),
        ((("image", "hello"),), (), "invalid", ["image: a text part where a file belongs"]),
        ((("image[]", "hello"),), (), "invalid", ["image[]: a text part where a file belongs"]),
        ((), (), "invalid", ["image: missing"]),
        ((), tuple(second_image() for _ in range(17)), "invalid", ["image: more than 16 images"]),
        ((), (first_image(), second_image()), "ambiguous", []),  # image and image[] mixed
    ],
)
def test_a_form_is_classified_as_the_server_reads_it(
    fields: tuple[tuple[str, str], ...],
    files: tuple[FilePart, ...] | None,
    verdict: str,
    reasons: list[str],
) -> None:
    got = _verdict(_form(*fields, files=files))
    assert got[0] == verdict, got
    if verdict != "ambiguous":
        assert sorted(got[1]) == sorted(reasons)


def test_the_model_is_required_and_a_stream_needs_edits_that_stream() -> None:
    assert _verdict(EditForm((("prompt", "x"),), (first_image(),)))[0] == "ambiguous"
    assert _verdict(_form(("model", "")))[0] == "ambiguous"  # repeated, and empty
    unknown = EditForm((("model", "no-such-model"), ("prompt", "x")), (first_image(),))
    assert _verdict(unknown) == ("invalid", ["model: unknown model"])
    still = dataclasses.replace(GPT2, edits=dataclasses.replace(GPT2.edits, stream=False))
    assert _verdict(_form(("stream", "true")), still)[0] == "ambiguous"
    # Edits streaming fewer partial images than generations: the values between are open.
    fewer = dataclasses.replace(GPT2, edits=dataclasses.replace(GPT2.edits, partial_images=1))
    assert _verdict(_form(("stream", "true"), ("partial_images", "2")), fewer)[0] == "ambiguous"
    assert _verdict(_form(("stream", "true"), ("partial_images", "1")), fewer)[0] == "valid"


def _items(form: EditForm) -> list[tuple[str, str | Upload]]:
    """The parts as the reference server's form parser hands them on (text first)."""
    files = [(p.name, Upload(p.name, p.filename, p.content_type, p.data)) for p in form.files]
    return [*form.fields, *files]


def test_every_drawn_case_expects_what_the_reference_server_answers() -> None:
    valid, invalid = _probes()
    state = ReferenceState(OPENAI, "sk-test")
    for probe in [*valid, *invalid]:
        assert probe.edit is not None
        assert probe.operation == "edits"
        answer = check_edit(_items(probe.edit.form), OPENAI, state)
        if probe.kind == "valid":
            assert isinstance(answer, EditJob), (probe.key, answer)
            continue
        assert isinstance(answer, Violation), (probe.key, probe.edit.form.fields)
        assert 400 in probe.expect.statuses
        if probe.expect.param is not None:
            assert answer.param == probe.expect.param, (probe.key, answer)


def test_the_draws_are_modest_deterministic_and_cheap() -> None:
    valid, invalid = _probes()
    again_valid, again_invalid = _probes()
    assert [p.edit.form.encode() for p in valid + invalid] == [
        p.edit.form.encode() for p in again_valid + again_invalid
    ]
    for name in OPENAI.models:
        mine = [p for p in invalid if p.model == name]
        assert 20 <= len(mine) <= NEGATIVE
        assert len({p.edit.form.boundary() for p in mine}) == len(mine)
        assert len({p.id for p in mine}) == len(mine)
        assert len([p for p in valid if p.model == name]) == VALID_PER_MODEL
    for probe in valid:
        case = probe.edit
        assert case is not None
        assert (case.billable, case.n, case.stream) == (True, 1, False)
        assert 1 <= case.images_sent <= VALID_IMAGES
        assert case.form.field("quality") == "low"
        assert probe.potential_images == probe.expect.images == 1
    # A refused case asking n above the maximum asks only one more (what the budget reserves).
    above = [p for p in invalid if "n: above maximum" in p.covers]
    assert above
    assert all(p.potential_images == GPT2.n_max + 1 for p in above)


def test_a_refusal_accepts_the_statuses_of_every_rule_it_breaks() -> None:
    _, invalid = _probes()
    both = [p for p in invalid if {"model: unknown model"} < set(p.covers)]
    assert both, "a case breaking the model rule and another"
    for probe in both:
        assert set(probe.expect.statuses) == {400, 404}
        assert probe.expect.param is None


def test_the_plan_prices_the_drawn_edits_with_their_input_images() -> None:
    fixed = build_plan(OPENAI)
    plan = build_plan(OPENAI, fuzz=FuzzSettings(positive=len(OPENAI.models)))
    fuzzed = [p for p in plan.billable if p.origin == "fuzz"]
    drawn = [p for p in fuzzed if p.operation == "edits"]
    assert len(drawn) == VALID_PER_MODEL * len(OPENAI.models)
    assert plan.expected_images() - fixed.expected_images() == sum(p.expect.images for p in fuzzed)
    # By default (no --fuzz-valid on GPT models) the fixed edits are all that bills.
    default = build_plan(OPENAI, fuzz=FuzzSettings(positive=0))
    assert not [p for p in default.billable if p.origin == "fuzz"]
    added = plan.estimated_cost() - fixed.estimated_cost()
    for probe in drawn:
        price = probe_price(OPENAI.models[probe.model], probe)
        assert price is not None
        assert price > 0
    inputs_priced = sum(GPT2.edits.input_image_tokens * p.edit.images_sent * 8 / 1e6 for p in drawn)
    assert added == pytest.approx(sum(probe_price(OPENAI.models[p.model], p) or 0 for p in fuzzed))
    assert added > inputs_priced > 0


def test_the_cache_key_names_the_operation_and_leaves_generations_keys_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = cache._key(GPT2, "negative", 20, 1)
    assert cache._key(GPT2, "negative", 20, 1, "generations") == plain
    edits = cache._key(GPT2, "negative", 20, 1, "edits", narrowed_spec(GPT2, "negative"))
    assert edits != plain
    # The same edit spec under the generations' name would be another key again.
    assert (
        cache._key(GPT2, "negative", 20, 1, "generations", narrowed_spec(GPT2, "negative")) != edits
    )


def test_the_fixed_plan_sends_no_edit_the_fault_changes() -> None:
    """The deviation the property-based edits catch is out of the fixed edits' reach."""
    fault = FAULTS[FAULT]
    assert why_not(fault, run_plan(OPENAI, ("gpt-image-2",))) is not None
    assert why_not(fault, run_plan(OPENAI, ("gpt-image-2",), FuzzSettings())) is None
    with pytest.raises(ConfigError, match="--probes all or fuzz"):
        refuse_inapplicable([FAULT], OPENAI, ("gpt-image-2",))


def test_a_drawn_edit_catches_n_above_the_maximum_and_passes_clean(run_suite: RunSuite) -> None:
    """Against the fault, only property-based edits fail (every fixed probe passes);
    against the clean server every property-based edit passes."""
    args = ("--profile", "openai", "--models", "gpt-image-2")
    run = run_suite("--fault", FAULT, *args)
    assert run.exit_code == 1
    checks = run.results["checks"]
    failed = [c for c in checks if c["outcome"] == "failed"]
    assert failed
    for c in failed:
        assert c["check"] == "validation.rejected"
        assert c["probe"]["id"].startswith("fuzz-edit-neg-"), c["probe"]["id"]
        assert "n: above maximum" in c["message"]
        # The reproducer is a curl -F command; edit forms are not shrunk.
        assert "curl" in c["message"]
        assert " -F " in c["message"]
    clean = run_suite(*args)
    assert clean.exit_code == 0
    edits = [c for c in clean.results["checks"] if c["probe"]["id"].startswith("fuzz-edit-")]
    # No valid drawn edit by default on a GPT model (--fuzz-valid 0).
    assert {c["probe"]["id"] for c in edits} >= {"fuzz-edit-neg-0001"}
    assert all(c["outcome"] in ("passed", "skipped") for c in edits)
    assert sum(c["outcome"] == "passed" for c in edits) > len(edits) // 2


def test_a_run_that_draws_nothing_draws_no_edit() -> None:
    assert edit_fuzz_probes(OPENAI, [GPT2], FuzzSettings(negative=0, positive=0)) == ([], [])
    # Refusals follow --fuzz-examples (at most 40), valid edits --fuzz-valid (at most
    # one a model: the two fixed edits stay each model's bound).
    valid, invalid = edit_fuzz_probes(OPENAI, [GPT2], FuzzSettings(negative=5, positive=0))
    assert (len(valid), len(invalid)) == (0, 5)
    valid, _ = edit_fuzz_probes(OPENAI, [GPT2], FuzzSettings(negative=5, positive=3))
    assert len(valid) == 1
