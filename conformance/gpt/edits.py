"""The edit probes of one GPT-form model (edits are declared under GPT models
only), and their price, for the edits planner (``plan.PLANNERS``) and ``--plan``.

Each :class:`~conformance.edits.cases.EditCase` becomes a probe of operation
``edits`` that carries it: the transport encodes its form as multipart
(``transport/bodies.py``); its ``body`` is the text fields, for the report and
the price. Billable edits are priced as their output images at the profile's
per-image price plus their input images as tokens (``edits.pricing``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.edits.cases import EditCase, edit_cases
from conformance.edits.pricing import edit_cost
from conformance.gpt.pricing import image_price
from conformance.probes import Expectation, Probe

if TYPE_CHECKING:  # types only: a probe is built from the profile's data
    from conformance.profile import ModelSpec


def cheapest_quality(model: ModelSpec) -> str | None:
    qualities = [q for q in model.qualities if q != "auto"]
    if "low" in qualities:
        return "low"
    return qualities[0] if qualities else None


def _expect(model: ModelSpec, case: EditCase) -> Expectation:
    if not case.billable:
        kind = "unknown_parameter" if case.code == "unknown_parameter" else "invalid_request"
        return Expectation(
            statuses=(400,), error_kind=kind, param=case.param, code=case.code, family="gpt"
        )
    return Expectation(
        statuses=(200,),
        n=case.n,
        size=case.size or "auto",
        response_format=None if case.stream else "b64_json",
        family="gpt",
        output_format="png",
        background=None,
        quality=case.form.field("quality"),
        stream=case.stream,
        partial_images=case.partial_images,
    )


def _typed(value: str) -> Any:
    """A text part's value as the JSON body would carry it (the checks read ``stream``, ``n``)."""
    if value in ("true", "false"):
        return value == "true"
    return int(value) if value.isdigit() else value


def covers(case: EditCase) -> tuple[str, ...]:
    """What a billable edit shows, for ``--plan`` and the report."""
    if not case.billable:
        return ()
    names = {part.name for part in case.form.images}
    out = [f"{case.images_sent} image(s) as {'/'.join(sorted(names))}"]
    out += ["mask"] if case.mask else []
    out += [f"n={case.n}", f"size={case.size or 'default'}"]
    if case.stream:
        out.append(f"stream=true, partial_images={case.partial_images}")
    if case.input_fidelity:
        out.append(f"input_fidelity={case.input_fidelity}")
    return tuple(out)


def edit_probe(model: ModelSpec, case: EditCase) -> Probe:
    return Probe(
        id=case.id,
        model=model.name,
        title=("edit " if case.billable else "edit refused: ") + case.title,
        kind="valid" if case.billable else "invalid",
        expect=_expect(model, case),
        operation="edits",
        body={key: _typed(value) for key, value in case.form.fields},
        # A lenient server may edit what it should refuse: one image, as asked.
        potential_images=case.images_billed if case.billable else 1,
        covers=covers(case),
        edit=case,
    )


def edit_probes(model: ModelSpec) -> list[Probe]:
    """The model's edit probes (none when its profile declares no edits)."""
    if model.edits is None:
        return []
    # The sizes as declared, auto among them (ModelSpec.sizes lists the fixed ones only).
    sizes = model.gpt.size.values if model.gpt is not None else model.sizes
    cases = edit_cases(model.name, model.edits, tuple(sizes), cheapest_quality(model))
    return [edit_probe(model, case) for case in cases]


def edit_price(model: ModelSpec, probe: Probe) -> float | None:
    """USD for a billable edit probe: its output images and its input images."""
    case = probe.edit
    if case is None or model.edits is None:
        return None
    size = case.expected_size or case.size
    output = image_price(model, case.form.field("quality"), size)
    return edit_cost(
        model.edits, output, probe.expect.images or 1, case.images_sent, case.input_fidelity
    )
