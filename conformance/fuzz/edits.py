"""Property-based edits: the multipart form of POST /images/edits, narrowed per model.

schemathesis draws ``CreateImageEditRequest`` (``specs/openai-image-edits.yaml``)
narrowed to one model's ``edits:`` capabilities and generation parameters, with
a fixed seed; each draw becomes the form a client sends (:mod:`edit_forms`: the
text fields as drawn, the files the fixed edits' Pillow-made inputs in the drawn
number and shape) and is classified with the profile's rules. Refused cases are
free and judged like the fixed refusals (statuses: the union of every broken
rule's); valid ones are billable, so they follow ``--fuzz-valid`` like the
generations' (dealt round the models, cheapest first; none by default on GPT
models, whose two fixed edits are their whole billable edit set), each asking
one image at the cheapest quality without a stream, priced with their input
images like the fixed edits. Batches are cached under a key
that names the operation, so the generations' draws (and their keys) are
untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from conformance.edits import inputs
from conformance.edits.cases import EditCase, follows_input
from conformance.edits.multipart import EditForm
from conformance.fuzz.classify import Classification
from conformance.fuzz.edit_draw import DrawnEdit, draw, fuzzable
from conformance.fuzz.edit_forms import LISTED, edit_specs, typed_fields
from conformance.fuzz.probes import FuzzSettings, expect_refusal, valid_counts
from conformance.gpt import covering as gpt_covering
from conformance.probes import Expectation, Probe, potential_images
from conformance.profile import ModelSpec, Profile

# Distinct refused edit cases per model at most (fewer than the generations' 160:
# a form has fewer fields), half from schemathesis' boundary cases, half random.
NEGATIVE = 40
# Billable edit cases per model at most; each asks one image.
VALID_PER_MODEL = 1
# Valid cases are the richest of a pool this many times larger.
_POSITIVE_POOL = 30


def _dims(model: ModelSpec) -> tuple[int, int]:
    given = edit_specs(model)[0].input_image
    return (given.width, given.height) if given else (inputs.WIDTH, inputs.HEIGHT)


def _case(id_: str, title: str, drawn: DrawnEdit, model: ModelSpec) -> EditCase:
    form, valid = drawn.form, drawn.classification.verdict == "valid"
    if not valid:
        return EditCase(id_, title, form, billable=False, param=drawn.classification.param)
    spec, gpt = edit_specs(model)
    fields = typed_fields(form, model)
    size = fields.get("size")
    effective = size or gpt.size.default
    fixed = tuple(s for s in (spec.sizes or gpt.size.values) if s != "auto")
    dims = _dims(model)
    expected = follows_input(fixed, *dims) if effective == "auto" and fixed else None
    n = fields.get("n") if isinstance(fields.get("n"), int) else 1
    return EditCase(
        id_,
        title,
        form,
        billable=True,
        n=n or 1,
        size=size,
        expected_size=expected if effective == "auto" else effective,
        images_sent=len(form.images),
        mask=any(part.name == "mask" for part in form.files),
        input_fidelity=form.field("input_fidelity"),
        input_size=dims,
    )


def _form_covers(form: EditForm) -> tuple[str, ...]:
    """What a drawn form sends, for ``--plan`` and the report."""
    images = form.images
    names = "/".join(sorted({p.name for p in images}))
    formats = ", ".join(p.content_type.split("/")[-1] for p in images)
    out = [f"{len(images)} image(s) as {names} ({formats})"] if images else ["no image file"]
    out += ["mask"] if any(p.name == "mask" for p in form.files) else []
    for key, value in form.fields:
        if key == "prompt":
            out.append(f"prompt ({len(value)} chars{'' if value.isascii() else ', non-ASCII'})")
        elif key != "model":
            out.append(f"{key}={value if len(value) <= 24 else value[:23] + '…'}")
    return tuple(out)


def _refusal(profile: Profile, c: Classification) -> Expectation:
    expect = expect_refusal(profile, c)
    param = None if expect.param == LISTED else expect.param
    return dataclasses.replace(expect, family="gpt", param=param)


def negative_probes(profile: Profile, model: ModelSpec, count: int, seed: int) -> list[Probe]:
    probes = []
    for i, drawn in enumerate(draw(profile, model, "negative", count, seed), 1):
        c = drawn.classification
        id_ = f"fuzz-edit-neg-{i:04d}"
        title = "fuzz edit: " + ", ".join(str(r) for r in c.reasons)
        body = typed_fields(drawn.form, model)
        probes.append(
            Probe(
                id=id_,
                model=model.name,
                title=title,
                kind="invalid",
                expect=_refusal(profile, c),
                operation="edits",
                body=body,
                # A lenient server may edit what it should refuse: as many images as asked.
                potential_images=potential_images(body),
                covers=tuple(str(r) for r in c.reasons),
                origin="fuzz",
                edit=_case(id_, title, drawn, model),
            )
        )
    return probes


def _richness(drawn: DrawnEdit) -> tuple[int, int, int]:
    """Prefer what the fixed edits do not send: more fields, files, odd text."""
    form = drawn.form
    prompt = form.field("prompt") or ""
    return (len(form.fields) + len(form.files), int(not prompt.isascii()), len(prompt))


def positive_probes(profile: Profile, model: ModelSpec, count: int, seed: int) -> list[Probe]:
    if count <= 0:
        return []
    pool = draw(profile, model, "positive", count * _POSITIVE_POOL, seed)
    chosen = sorted(pool, key=_richness, reverse=True)[:count]
    probes = []
    for i, drawn in enumerate(chosen, 1):
        id_ = f"fuzz-edit-pos-{i:02d}"
        shown = _form_covers(drawn.form)
        title = "fuzz: edit " + ", ".join(shown)
        case = _case(id_, title, drawn, model)
        body = typed_fields(drawn.form, model)
        expect = dataclasses.replace(
            gpt_covering.expectation(model, body), stream=False, partial_images=0
        )
        probes.append(
            Probe(
                id=id_,
                model=model.name,
                title=title,
                kind="valid",
                expect=expect,
                operation="edits",
                body=body,
                potential_images=case.images_billed,
                covers=shown,
                origin="fuzz",
                edit=case,
            )
        )
    return probes


def counts(fuzz: FuzzSettings) -> tuple[int, int]:
    """(valid cases in the run, refused per model). A run that draws nothing
    (``--fuzz-examples 0 --fuzz-valid 0``, or ``--probes fixed``) draws no edit
    either; the budget bounds the valid ones like every billable request."""
    if fuzz.negative <= 0 and fuzz.positive <= 0:
        return 0, 0
    return fuzz.positive, min(fuzz.negative, NEGATIVE)


def edit_fuzz_probes(
    profile: Profile, models: Sequence[ModelSpec], fuzz: FuzzSettings
) -> tuple[list[Probe], list[Probe]]:
    """(valid, refused) property-based edit probes of the models that take edits."""
    valid_count, negative_count = counts(fuzz)
    chosen = [m for m in models if fuzzable(m)]
    # At most VALID_PER_MODEL a model: the two fixed edits stay each model's bound.
    dealt = valid_counts(chosen, min(valid_count, VALID_PER_MODEL * len(chosen)))
    valid = [p for m in chosen for p in positive_probes(profile, m, dealt[m.name], fuzz.seed)]
    invalid = [p for m in chosen for p in negative_probes(profile, m, negative_count, fuzz.seed)]
    return valid, invalid
