"""Probes for a GPT model: refused ones from its rules, billable ones from the covering set.

Refused probes break one rule each, on the cheapest valid request (the
cheapest listed size, the cheapest quality): a parameter the model does not
take (``response_format``, ``style``: 400 ``unknown_parameter``), a value off
a list (``quality: hd``), a number out of range (``output_compression: 101``,
``partial_images: 4`` in a streaming request), a size off the list or outside
the size rule (one probe per limit), and each named rule between parameters
(transparent + jpeg, png with compression 50, GIF or SVG with stream). A range
is probed on both sides (``frame_count`` 1 and 17, ``output_compression`` -1 and
101). A model without ``xhigh`` quality is asked for it (the SDK: only the 2.5
models take it), unless the profile leaves it open. Anything that needs a
preview (GIF, SVG) is probed only where the key has access to it. A model that declares no
streaming gets ``stream-unsupported``: ``stream: true`` must be refused, never
answered with JSON. The prompt and ``n`` probes are the family-independent ones
of :mod:`conformance.plan`; the streaming probes are :mod:`.streaming`'s.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from conformance.gpt.covering import cheapest_quality, cheapest_size
from conformance.gpt.preview import has_access
from conformance.params.pairs import PAIR_RULES, companions
from conformance.params.sizes import witness
from conformance.params.spec import GptSpec, ParamSpec
from conformance.probes import Probe, refused_probe

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ErrorKind, ModelSpec, Profile

# Values a client written for another model (or a typo) sends, first unknown one wins.
_UNKNOWN_VALUES: dict[str, tuple[Any, ...]] = {
    "quality": ("hd", "standard", "ultra"),
    "background": ("none", "white"),
    "output_format": ("bmp", "tiff"),
    "moderation": ("high", "strict"),
    # true first: a model whose stream values lack it is asked to stream.
    "stream": (True, "yes"),
}
# What a DALL·E-era client sends for a parameter the GPT models do not take.
_UNSUPPORTED_VALUES: dict[str, Any] = {
    "response_format": "b64_json",
    "style": "vivid",
    "stream": True,
}
# Sizes of the DALL·E models, which the GPT models with a size list refuse.
_FOREIGN_SIZES = ("1792x1024", "1024x1792", "512x512", "256x256", "999x999")
_SUBRULE_TITLES = {
    "size-multiple": "a side not a multiple of {m}",
    "size-ratio": "aspect ratio beyond {r}:1",
    "size-edge": "long edge above {e}",
    "size-pixels-min": "fewer than {lo} pixels",
    "size-pixels-max": "more than {hi} pixels",
}


def base_request(model: ModelSpec) -> dict[str, Any]:
    """The cheapest valid request of a GPT model: each refused probe changes one thing."""
    body: dict[str, Any] = {"size": cheapest_size(model)}
    quality = cheapest_quality(model)
    if quality is not None:
        body["quality"] = quality
    return body


def _kind(profile: Profile, kind: str) -> tuple[ErrorKind, str]:
    """The documented refusal of ``kind``; undocumented kinds are invalid requests."""
    found = profile.errors.get(kind)
    if found is not None:
        return found, kind
    fallback = profile.errors["invalid_request"]
    code = "unknown_parameter" if kind == "unknown_parameter" else fallback.code
    return dataclasses.replace(fallback, code=code), "invalid_request"


class _Builder:
    def __init__(self, profile: Profile, model: ModelSpec, base: dict[str, Any]) -> None:
        self.profile, self.model, self.base = profile, model, base
        self.probes: list[Probe] = []

    def add(
        self,
        probe_id: str,
        title: str,
        change: dict[str, Any],
        param: str | None,
        *,
        kind: str = "invalid_request",
        code: str | None = None,
        preview: str | None = None,
    ) -> None:
        error, kind = _kind(self.profile, kind)
        self.probes.append(
            refused_probe(
                self.model,
                self.base,
                probe_id,
                title,
                change,
                param,
                error=error,
                kind=kind,
                code=code,
                preview=preview,
            )
        )


def _slug(name: str) -> str:
    return name.replace("_", "-")


def _size_probes(b: _Builder, gpt: GptSpec) -> None:
    some = gpt.size.fixed[0]
    b.add(
        "size-unicode-x",
        f"size written with the multiplication sign ({some.replace('x', '×')})",
        {"size": some.replace("x", "×")},
        "size",
    )
    rule = gpt.size.rule
    if rule is None:
        foreign = next((s for s in _FOREIGN_SIZES if not gpt.size.allows(s)), None)
        if foreign is not None:
            b.add(
                "size-unsupported",
                f"size {foreign} (not one of its sizes)",
                {"size": foreign},
                "size",
            )
        return
    b.add(
        "size-unsupported", 'size "huge" (neither WIDTHxHEIGHT nor auto)', {"size": "huge"}, "size"
    )
    limits = {
        "m": rule.multiple_of,
        "r": f"{rule.max_ratio:g}" if rule.max_ratio else None,
        "e": rule.max_edge,
        "lo": rule.min_pixels,
        "hi": rule.max_pixels,
    }
    for subrule in rule.subrules():
        size = witness(rule, subrule)
        if size is not None:
            why = _SUBRULE_TITLES[subrule].format(**limits)
            b.add(subrule, f"size {size} ({why})", {"size": size}, "size")


# A quality a client written for the 2.5 models sends (the SDK: only they take it).
_NEWER_QUALITY = "xhigh"


def _param_probe(b: _Builder, gpt: GptSpec, spec: ParamSpec) -> None:
    name, slug = spec.name, _slug(spec.name)
    needs = str(spec.preview[0]) if spec.kind != "enum" and spec.preview else None
    if not has_access(b.profile.preview_access, needs):
        return  # without the preview, a refusal says nothing about the rule
    extra = companions(gpt, name)
    with_ = "".join(f", {k} {v!r}" for k, v in extra.items())
    if spec.kind == "unsupported":
        value = _UNSUPPORTED_VALUES.get(name, "imagegen-conformance")
        b.add(
            f"{slug}-unsupported",
            f"{name} {value!r} (not a parameter of this model)",
            {name: value},
            name,
            kind="unknown_parameter",
            code="unknown_parameter",
        )
    elif spec.kind == "enum":
        value = next(
            (v for v in _UNKNOWN_VALUES.get(name, ()) if not spec.allows(v)), "imagegen-conformance"
        )
        b.add(f"{slug}-unknown", f"{name} {value!r}", {name: value, **extra}, name)
        newer = _NEWER_QUALITY
        if name == "quality" and not spec.allows(newer) and newer not in spec.open:
            title = f"quality {newer!r} (only the 2.5 models take it)"
            b.add("quality-xhigh", title, {name: newer}, name)
    elif spec.kind in ("string", "object") and name != "user":
        value = 12345 if spec.kind == "string" else "imagegen-conformance"
        shown = "a string" if spec.kind == "string" else "an object"
        title = f"{name} {value!r} (not {shown}){with_}"
        b.add(f"{slug}-type", title, {name: value, **extra}, name, preview=needs)
    elif spec.kind == "range":
        span = f"{spec.minimum}-{spec.maximum}"
        if spec.maximum is not None:
            value = spec.maximum + 1
            title = f"{name} {value} ({span}){with_}"
            b.add(f"{slug}-range", title, {name: value, **extra}, name, preview=needs)
        if spec.minimum is not None:
            value = spec.minimum - 1
            title = f"{name} {value} ({span}){with_}"
            b.add(f"{slug}-below-min", title, {name: value, **extra}, name, preview=needs)


def refused_probes(profile: Profile, model: ModelSpec, base: dict[str, Any]) -> list[Probe]:
    """The GPT-specific refused probes of one model, on ``base`` (model and prompt set)."""
    gpt = model.gpt
    assert gpt is not None
    b = _Builder(profile, model, base)
    _size_probes(b, gpt)
    for spec in gpt.params.values():
        _param_probe(b, gpt, spec)
    if "stream" not in gpt.params:
        # A model that declares no streaming must refuse it, never answer JSON.
        _param_probe(b, gpt, ParamSpec("stream", "unsupported"))
    for name in gpt.rules:
        rule = PAIR_RULES[name]
        if not has_access(profile.preview_access, rule.preview):
            continue
        change = rule.probe(gpt) if rule.refused else None
        if change is not None:
            shown = ", ".join(f"{k} {v!r}" for k, v in change.items())
            title = f"{shown} ({rule.description})"
            b.add(name, title, change, rule.param, code=rule.code, preview=rule.preview)
    return b.probes
