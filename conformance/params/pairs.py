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
from typing import Any

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


_ALPHA_FORMATS = ("png", "webp")
_COMPRESSIBLE = ("jpeg", "webp")


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
    if compressed and fmt not in _COMPRESSIBLE:
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
