"""A GPT model's parameters as a profile declares them, as plain typed data.

Each request parameter is one of: a list of allowed ``values`` with a
``default``; an integer range (``min``/``max``/``default``); a free string; or
``unsupported``, which means that OpenAI refuses it with 400
``code: unknown_parameter`` (``response_format`` and ``style`` on the GPT models);
or an object (``svg``: ``{model, reasoning}``). A value or parameter may need
preview access on the key (``preview``: GIF and SVG output on the 2.6 models):
the plan uses it only where the key has that access. An enum may name ``open``
values, where the sources disagree (2.6 and quality ``xhigh``): neither sent as
valid nor probed as refused.
``size`` has its own form: a list of values (``auto`` among them) and, for
models that take arbitrary sizes, a :class:`~conformance.params.sizes.SizeRule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.params.sizes import SizeRule, parse_size

ParamKind = Literal["enum", "range", "string", "object", "unsupported"]
AUTO = "auto"
# The settings a GPT answer echoes (resolved: never auto), in a JSON answer and
# in a stream's completed event alike.
ECHOED = ("size", "quality", "background", "output_format")

# Every request parameter a GPT model may declare (besides model, prompt, n, size).
PARAMETERS = (
    "quality",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "stream",
    "partial_images",
    "user",
    "response_format",
    "style",
    "complexity",
    "safety_identifier",
    "frame_count",
    "frame_duration_ms",
    "svg",
)
# Sent only in streaming requests: the covering set and the fuzzer's valid
# cases leave them out (streaming is judged on its own).
STREAMING = ("stream", "partial_images")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: ParamKind
    values: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    # enum: the values that need preview access; others: the preview the parameter needs.
    preview: tuple[Any, ...] = ()
    # enum: values the sources disagree on (never planned, never probed).
    open: tuple[Any, ...] = ()
    # object: the keys it must carry, and the value a valid request sends.
    required: tuple[str, ...] = ()
    example: Mapping[str, Any] | None = None

    def allows(self, value: Any) -> bool:
        """Whether a present, non-null ``value`` is valid for this parameter."""
        if self.kind == "enum":
            # True == 1 in Python: compare types too, so "stream": 1 is no boolean.
            return any(type(value) is type(v) and value == v for v in self.values)
        if self.kind == "range":
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
            )
        if self.kind == "string":
            return isinstance(value, str)
        if self.kind == "object":
            return isinstance(value, dict) and all(
                isinstance(value.get(k), str) and value[k] for k in self.required
            )
        return False

    @property
    def plain(self) -> tuple[Any, ...]:
        """The enum values any key may send (no preview value)."""
        return tuple(v for v in self.values if v not in self.preview)


@dataclass(frozen=True)
class SizeSpec:
    values: tuple[str, ...]
    default: str | None
    rule: SizeRule | None = None

    @property
    def fixed(self) -> tuple[str, ...]:
        """The listed ``WxH`` sizes (without ``auto``)."""
        return tuple(v for v in self.values if v != AUTO)

    @property
    def has_auto(self) -> bool:
        return AUTO in self.values

    def allows(self, value: str) -> bool:
        if value in self.values:
            return True
        parsed = parse_size(value)
        return bool(self.rule and parsed and self.rule.allows(*parsed))


@dataclass(frozen=True)
class GptSpec:
    size: SizeSpec
    params: Mapping[str, ParamSpec]
    # Named rules between parameters (conformance.params.pairs).
    rules: tuple[str, ...] = ()
    # USD per image: quality -> size -> price, from the provider's price list.
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # Dated snapshot ids served under this model's contract.
    snapshots: tuple[str, ...] = ()

    def previews(self) -> tuple[str, ...]:
        """The previews (gif, svg) some value or parameter of this model needs."""
        found: list[str] = []
        for spec in self.params.values():
            found += [str(v) for v in spec.preview]
        return tuple(dict.fromkeys(found))

    def param(self, name: str) -> ParamSpec | None:
        return self.params.get(name)

    def supported(self, name: str) -> bool:
        spec = self.params.get(name)
        return spec is not None and spec.kind != "unsupported"

    def values(self, name: str) -> tuple[Any, ...]:
        """The values of an enum any key may send: preview values are planned apart."""
        spec = self.params.get(name)
        return spec.plain if spec is not None and spec.kind == "enum" else ()

    def preview_values(self, name: str) -> tuple[Any, ...]:
        spec = self.params.get(name)
        return spec.preview if spec is not None and spec.kind == "enum" else ()

    def default(self, name: str) -> Any:
        spec = self.params.get(name)
        return spec.default if spec is not None else None

    def effective(self, body: Mapping[str, Any], name: str) -> Any:
        """The value a request means: what it says, or the default when absent or null."""
        value = body.get(name)
        return self.default(name) if value is None else value


def _param(name: str, raw: Any) -> ParamSpec:
    if raw == "unsupported":
        return ParamSpec(name, "unsupported")
    if "values" in raw:
        return ParamSpec(
            name,
            "enum",
            values=tuple(raw["values"]),
            default=raw.get("default"),
            preview=tuple(raw.get("preview", ())),
            open=tuple(raw.get("open", ())),
        )
    preview = (raw["preview"],) if "preview" in raw else ()
    if raw.get("type") == "string":
        return ParamSpec(name, "string", preview=preview)
    if raw.get("type") == "object":
        return ParamSpec(
            name,
            "object",
            preview=preview,
            required=tuple(raw.get("required", ())),
            example=dict(raw["example"]) if "example" in raw else None,
        )
    return ParamSpec(
        name,
        "range",
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        default=raw.get("default"),
        preview=preview,
    )


def param_problems(spec: ParamSpec) -> list[str]:
    """What is inconsistent in one parameter's declaration."""
    if spec.kind == "enum" and spec.default is not None and not spec.allows(spec.default):
        return [f"default {spec.default!r} is not one of its values"]
    if spec.kind == "enum" and (stray := [v for v in spec.preview if v not in spec.values]):
        return [f"preview value {stray[0]!r} is not one of its values"]
    if spec.kind == "enum" and (both := [v for v in spec.open if v in spec.values]):
        return [f"open value {both[0]!r} is also one of its values"]
    if spec.kind == "range":
        low, high = spec.minimum, spec.maximum
        if low is not None and high is not None and low > high:
            return [f"min {low} is above max {high}"]
        if spec.default is not None and not spec.allows(spec.default):
            return [f"default {spec.default} is outside {low}..{high}"]
    return []


def parse_gpt(raw: Mapping[str, Any]) -> GptSpec:
    """The GPT-specific part of a (schema-valid) model entry."""
    size = raw["size"]
    rule = SizeRule(**size["rule"]) if "rule" in size else None
    params = {name: _param(name, value) for name, value in raw.get("parameters", {}).items()}
    # Plain dicts (not read-only proxies): the fuzz cache keys a model by dataclasses.asdict.
    prices = {quality: dict(by_size) for quality, by_size in raw.get("prices", {}).items()}
    return GptSpec(
        size=SizeSpec(values=tuple(size["values"]), default=size.get("default"), rule=rule),
        params=params,
        rules=tuple(raw.get("rules", ())),
        prices=prices,
        snapshots=tuple(raw.get("snapshots", ())),
    )
