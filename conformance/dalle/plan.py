"""Probes for a DALL·E-form model: refused ones of its own parameters.

Each breaks one rule on the cheapest valid request (the smallest listed size):
a size off the list (only when the list is exhaustive), a size written with the
multiplication sign, an unknown ``response_format``, ``quality`` or ``style``.
The prompt and ``n`` probes are the family-independent ones of
:mod:`conformance.plan`; the billable ones are :mod:`.covering`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.probes import Probe, refused_probe

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec, Profile


def _area(size: str) -> int:
    width, height = (int(v) for v in size.split("x"))
    return width * height


def base_request(model: ModelSpec) -> dict[str, Any]:
    """The cheapest valid request of a DALL·E model: each refused probe changes one thing."""
    return {"size": min(model.sizes, key=_area)}


def _unsupported_size(model: ModelSpec) -> str:
    for candidate in ("999x999", "640x480", "123x456"):
        if candidate not in model.sizes:
            return candidate
    raise AssertionError("unreachable: a model lists every candidate size")


def refused_probes(profile: Profile, model: ModelSpec, base: dict[str, Any]) -> list[Probe]:
    """The size, response_format, quality and style probes of one model, on ``base``."""
    error = profile.errors["invalid_request"]

    def invalid(probe_id: str, title: str, change: dict[str, Any], param: str) -> Probe:
        return refused_probe(
            model, base, probe_id, title, change, param, error=error, kind="invalid_request"
        )

    some_size = model.sizes[0]
    probes: list[Probe] = []
    if model.sizes_exhaustive:
        unsupported = _unsupported_size(model)
        probes.append(
            invalid(
                "size-unsupported",
                f"size {unsupported} (not documented)",
                {"size": unsupported},
                "size",
            )
        )
    probes += [
        invalid(
            "size-unicode-x",
            f"size written with the multiplication sign ({some_size.replace('x', '×')})",
            {"size": some_size.replace("x", "×")},
            "size",
        ),
        invalid(
            "response-format-unknown",
            'response_format "gif"',
            {"response_format": "gif"},
            "response_format",
        ),
        invalid("quality-unknown", 'quality "ultra"', {"quality": "ultra"}, "quality"),
        invalid("style-unknown", 'style "cartoon"', {"style": "cartoon"}, "style"),
    ]
    return probes
