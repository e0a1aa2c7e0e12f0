"""Named rules between parameters of a GPT model.

A profile lists the ones a model obeys (``rules: [...]``); a name not in
:data:`PAIR_RULES` is a configuration error naming the key. Each rule knows
which request breaks it alone (the refused probe), whether a conformant server
must refuse that (``refused``) or the contract leaves it open (then no probe
is sent and the fuzzer calls such a body ambiguous), and which companion
values make a probe of a single parameter meaningful (``partial_images`` only
means something in a streaming request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from conformance.params.spec import GptSpec

Body = Mapping[str, Any]


@dataclass(frozen=True)
class PairRule:
    name: str
    description: str
    params: tuple[str, ...]
    # The field a refusal names (None: OpenAI sends param null) and its code.
    param: str | None
    code: str | None
    broken: Callable[[Body, GptSpec], str | None]
    # The change to a valid request that breaks this rule alone, or None.
    probe: Callable[[GptSpec], dict[str, Any] | None]
    refused: bool = True
    # parameter -> values that go with it whenever a probe sets it.
    companions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The preview (gif, svg) a key needs for the probe to mean anything.
    preview: str | None = None


_ALPHA_FORMATS = ("png", "webp")
_COMPRESSIBLE = ("jpeg", "webp")
_PREVIEW_FORMATS = ("gif", "svg")
_FRAME_PARAMS = ("frame_count", "frame_duration_ms")


def _transparent_broken(body: Body, gpt: GptSpec) -> str | None:
    fmt = gpt.effective(body, "output_format")
    if body.get("background") == "transparent" and fmt not in _ALPHA_FORMATS:
        return f"Transparent background is not supported for {str(fmt).upper()} output format."
    return None


def _transparent_probe(gpt: GptSpec) -> dict[str, Any] | None:
    opaque_only = [f for f in gpt.values("output_format") if f not in _ALPHA_FORMATS]
    if "transparent" not in gpt.values("background") or not opaque_only:
        return None
    return {"background": "transparent", "output_format": opaque_only[0]}


def _compression_broken(body: Body, gpt: GptSpec) -> str | None:
    level = body.get("output_compression")
    fmt = gpt.effective(body, "output_format")
    compressed = isinstance(level, int) and not isinstance(level, bool) and level < 100
    # GIF and SVG refuse any custom compression: their own rules (below) say so.
    if compressed and fmt not in _COMPRESSIBLE and fmt not in _PREVIEW_FORMATS:
        return f"Compression less than 100 is not supported for {str(fmt).upper()} output format"
    return None


def _compression_probe(gpt: GptSpec) -> dict[str, Any] | None:
    lossless = [f for f in gpt.values("output_format") if f not in _COMPRESSIBLE]
    if not lossless:
        return None
    return {"output_format": lossless[0], "output_compression": 50}


def _partial_broken(body: Body, gpt: GptSpec) -> str | None:
    partial = body.get("partial_images")
    if isinstance(partial, int) and partial > 0 and body.get("stream") is not True:
        return "partial_images is only used with stream: true"
    return None


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _with_format(
    fmt: str, test: Callable[[Body], str | None]
) -> Callable[[Body, GptSpec], str | None]:
    """A rule that holds only for ``output_format: fmt`` (GIF and SVG output)."""

    def broken(body: Body, gpt: GptSpec) -> str | None:
        return test(body) if gpt.effective(body, "output_format") == fmt else None

    return broken


def _streams(fmt: str) -> Callable[[Body], str | None]:
    return lambda body: (
        f"{fmt.upper()} output does not support streaming" if body.get("stream") is True else None
    )


def _partials(fmt: str) -> Callable[[Body], str | None]:
    def test(body: Body) -> str | None:
        value = body.get("partial_images")
        if _is_count(value) and value > 0:
            return f"{fmt.upper()} output does not support partial images"
        return None

    return test


def _compressed(fmt: str) -> Callable[[Body], str | None]:
    def test(body: Body) -> str | None:
        value = body.get("output_compression")
        if _is_count(value) and value != 100:
            return f"{fmt.upper()} output does not support custom output compression"
        return None

    return test


def _several(body: Body) -> str | None:
    n = body.get("n")
    return "SVG generation requires n=1" if _is_count(n) and n > 1 else None


def _frames_broken(body: Body, gpt: GptSpec) -> str | None:
    if gpt.effective(body, "output_format") == "gif":
        return None
    given = [name for name in _FRAME_PARAMS if body.get(name) is not None]
    return f"{given[0]} is only supported with output_format=gif" if given else None


def _svg_object_broken(body: Body, gpt: GptSpec) -> str | None:
    if body.get("svg") is not None and gpt.effective(body, "output_format") != "svg":
        return "svg requires output_format=svg"
    return None


def _preview_probe(fmt: str, change: dict[str, Any]) -> Callable[[GptSpec], dict[str, Any] | None]:
    """The probe of a GIF/SVG rule, for a model that lists that output_format."""
    return lambda gpt: (
        {"output_format": fmt, **change}
        if fmt in gpt.preview_values("output_format") or fmt in gpt.values("output_format")
        else None
    )


def _preview_rules() -> tuple[PairRule, ...]:
    rules = []
    for fmt in _PREVIEW_FORMATS:
        up = fmt.upper()
        rules += [
            PairRule(
                name=f"{fmt}-no-stream",
                description=f"{up} output does not stream",
                params=("output_format", "stream"),
                param="stream",
                code=None,
                broken=_with_format(fmt, _streams(fmt)),
                probe=_preview_probe(fmt, {"stream": True}),
                preview=fmt,
            ),
            PairRule(
                name=f"{fmt}-no-partial-images",
                description=f"{up} output takes no partial images",
                params=("output_format", "partial_images"),
                param="partial_images",
                code=None,
                broken=_with_format(fmt, _partials(fmt)),
                probe=_preview_probe(fmt, {"partial_images": 1}),
                preview=fmt,
            ),
            PairRule(
                name=f"{fmt}-no-compression",
                description=f"{up} output takes no output_compression",
                params=("output_format", "output_compression"),
                param="output_compression",
                code=None,
                broken=_with_format(fmt, _compressed(fmt)),
                probe=_preview_probe(fmt, {"output_compression": 50}),
                preview=fmt,
            ),
        ]
    rules += [
        PairRule(
            name="svg-single-image",
            description="SVG output needs n = 1",
            params=("output_format",),
            param="n",
            code=None,
            broken=_with_format("svg", _several),
            probe=_preview_probe("svg", {"n": 2}),
            preview="svg",
        ),
        PairRule(
            name="frames-need-gif",
            description="frame_count and frame_duration_ms only with output_format gif",
            params=("output_format", "frame_count"),
            param="frame_count",
            code=None,
            broken=_frames_broken,
            probe=lambda gpt: {"frame_count": 2} if gpt.supported("frame_count") else None,
            companions={
                "frame_count": {"output_format": "gif"},
                "frame_duration_ms": {"output_format": "gif"},
            },
            preview="gif",
        ),
        PairRule(
            name="svg-object-needs-svg",
            description="the svg object only with output_format svg",
            params=("output_format", "svg"),
            param="svg",
            code=None,
            broken=_svg_object_broken,
            probe=lambda gpt: {"svg": {"model": SVG_MODEL}} if gpt.supported("svg") else None,
            companions={"svg": {"output_format": "svg"}},
            preview="svg",
        ),
    ]
    return tuple(rules)


# svg.model for a profile whose svg parameter gives no example (the SDK types it as
# any string; which models a key may select is not documented).
SVG_MODEL = "gpt-5.5"

PAIR_RULES: Mapping[str, PairRule] = {
    rule.name: rule
    for rule in (
        PairRule(
            name="transparent-needs-png-or-webp",
            description="background transparent needs output_format png or webp",
            params=("background", "output_format"),
            param="background",
            code="invalid_value",
            broken=_transparent_broken,
            probe=_transparent_probe,
        ),
        PairRule(
            name="compression-needs-jpeg-or-webp",
            description="output_compression below 100 only with jpeg or webp; png is refused",
            params=("output_compression", "output_format"),
            param=None,
            code="invalid_png_output_compression",
            broken=_compression_broken,
            probe=_compression_probe,
            companions={"output_compression": {"output_format": "jpeg"}},
        ),
        PairRule(
            name="partial-images-need-stream",
            description="partial_images only with stream: true; without it, not established",
            params=("partial_images", "stream"),
            param="partial_images",
            code=None,
            broken=_partial_broken,
            probe=lambda gpt: None,
            refused=False,
            companions={"partial_images": {"stream": True}},
        ),
        *_preview_rules(),
    )
}


def unknown_rules(names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name not in PAIR_RULES]


def rule_problems(gpt: GptSpec) -> list[str]:
    """Rules whose parameters the model does not declare as supported."""
    out = []
    for name in gpt.rules:
        rule = PAIR_RULES[name]
        missing = [p for p in rule.params if not gpt.supported(p)]
        if missing:
            out.append(f"rule {name} needs the parameter(s) {', '.join(missing)}")
    return out


def companions(gpt: GptSpec, param: str) -> dict[str, Any]:
    """Values that go with ``param`` in a probe, by the model's rules."""
    out: dict[str, Any] = {}
    for name in gpt.rules:
        extra = PAIR_RULES[name].companions.get(param)
        for key, value in (extra or {}).items():
            spec = gpt.param(key)
            if spec is not None and spec.allows(value):
                out[key] = value
    return out
