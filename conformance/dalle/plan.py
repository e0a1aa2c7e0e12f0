"""Probes for a DALL·E-form model: refused ones of its own parameters.

Each breaks one rule on the cheapest valid request (the smallest listed size,
or the smallest sides): a size off the list (only when the list is exhaustive),
a size written with the multiplication sign, a width, height, aspect ratio or
resolution off what the docs give (:mod:`conformance.params.dimensions`), an
unknown ``response_format``, ``quality`` or ``style``, and each vendor
parameter's value, range or type (:mod:`conformance.params.vendor`). What the
docs never promise to refuse is still sent (OpenAI refuses it, so the drop-in
view judges it), marked as accepted in the docs view (:mod:`.promises`). The
prompt and ``n`` probes are the family-independent ones of
:mod:`conformance.plan`; the billable ones are :mod:`.covering`'s.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance.dalle.promises import accepted_in, size_not_taken
from conformance.params.dimensions import SIZE_NOT_TAKEN
from conformance.params.vendor import OPENAI_FIELDS
from conformance.probes import Probe, refused_probe

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec, Profile

# The size a client written for OpenAI sends: the probe of a model that takes none.
OPENAI_SIZE = "1024x1024"


def base_request(model: ModelSpec) -> dict[str, Any]:
    """The cheapest valid request of a DALL·E model: each refused probe changes one thing."""
    return model.dimensions.cheapest(model.sizes)


def _unsupported_size(model: ModelSpec) -> str:
    for candidate in ("999x999", "640x480", "123x456"):
        if candidate not in model.sizes:
            return candidate
    raise AssertionError("unreachable: a model lists every candidate size")


def _size_probes(model: ModelSpec, invalid: Any) -> list[Probe]:
    dims = model.dimensions
    probes: list[Probe] = []
    if dims.kind == "size":
        field, some_size = dims.field, model.sizes[0]
        if model.sizes_exhaustive:
            unsupported = _unsupported_size(model)
            probes.append(
                invalid(
                    "size-unsupported",
                    f"{field} {unsupported} (not documented)",
                    {field: unsupported},
                    field,
                )
            )
        probes.append(
            invalid(
                "size-unicode-x",
                f"{field} written with the multiplication sign ({some_size.replace('x', '×')})",
                {field: some_size.replace("x", "×")},
                field,
            )
        )
    probes += [invalid(*refusal) for refusal in dims.refusals()]
    return probes


def refused_probes(profile: Profile, model: ModelSpec, base: dict[str, Any]) -> list[Probe]:
    """The dimension, response_format, quality, style and vendor-parameter probes of
    one model, on ``base``."""
    error = profile.errors["invalid_request"]

    def invalid(probe_id: str, title: str, change: dict[str, Any], param: str) -> Probe:
        probe = refused_probe(
            model, base, probe_id, title, change, param, error=error, kind="invalid_request"
        )
        views, why = accepted_in(profile, model, param, probe_id)
        if not views:
            return probe
        return replace(probe, expect=replace(probe.expect, accepted_in=views, accepted_why=why))

    probes = _size_probes(model, invalid)
    if size_not_taken(model):
        probes.append(
            invalid(
                SIZE_NOT_TAKEN,
                f"OpenAI's size {OPENAI_SIZE}, which the model does not take",
                {"size": OPENAI_SIZE},
                "size",
            )
        )
    probes += [
        invalid(
            "response-format-unknown",
            'response_format "gif"',
            {"response_format": "gif"},
            "response_format",
        ),
        invalid("quality-unknown", 'quality "ultra"', {"quality": "ultra"}, "quality"),
        invalid("style-unknown", 'style "cartoon"', {"style": "cartoon"}, "style"),
    ]
    for name, spec in model.vendor_params.items():
        if name in OPENAI_FIELDS and spec.kind == "enum":
            continue  # its unknown value is the probe above
        probes += [
            invalid(f"{rule}-{name}", title, {name: value}, name)
            for rule, title, value in spec.refusals()
        ]
    return probes
