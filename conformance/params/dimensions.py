"""How a DALL·E-form model takes its image dimensions, as plain typed data.

OpenAI's form is one ``size`` string from a list. Vendors document others, and
a profile says which (``dimensions.kind``):

- ``size``: a ``WxH`` string from the model's ``sizes``, under ``size`` or a
  renamed ``field`` (``image_size``);
- ``width_height``: two integers, each in ``{min, max, step}``;
- ``aspect_ratio``: a ratio from a list, optionally with ``resolution`` tiers
  (``1K``, ``2K``), and the pixel size each ratio (and tier) gives where the
  docs print it, so the image can be checked;
- ``none``: no dimension parameter at all (never sent).

Planning, the reference server and the fuzzer's classification all read the
dimensions through this module, so the rules exist once. Each rule's name is the
id of the refused probe that breaks it and of the reference server's rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.params.sizes import parse_size

DimensionKind = Literal["size", "width_height", "aspect_ratio", "none"]
SIZE_FIELD = "size"
# Rules a width/height or aspect-ratio model's requests are judged by; a model
# that takes no ``size`` (kind none, or a renamed field) refuses it as an unknown field.
SIDE_RULES = ("below-min", "above-max", "step", "type")
RATIO_RULES = ("aspect-ratio-unknown", "resolution-unknown")
SIZE_NOT_TAKEN = "size-not-taken"
DIMENSION_RULES = (
    *(f"{side}-{rule}" for side in ("width", "height") for rule in SIDE_RULES),
    *RATIO_RULES,
    SIZE_NOT_TAKEN,
)
_RATIO_TOLERANCE = 0.02


@dataclass(frozen=True)
class Side:
    """One integer side (``width`` or ``height``): its field, range, step and default."""

    field: str
    minimum: int
    maximum: int
    step: int = 1
    default: int | None = None

    def broken(self, value: Any) -> str | None:
        """The rule ``value`` breaks (``below-min``, ``above-max``, ``step``, ``type``), or None."""
        if isinstance(value, bool) or not isinstance(value, int):
            return "type"
        if value < self.minimum:
            return "below-min"
        if value > self.maximum:
            return "above-max"
        if (value - self.minimum) % self.step:
            return "step"
        return None

    def off_step(self) -> int | None:
        """A value in range that is off the step (None when every value is on it)."""
        if self.step <= 1:
            return None
        value = self.minimum + self.step // 2 or self.minimum + 1
        return value if value <= self.maximum else None

    def values(self) -> tuple[int, ...]:
        """The values the covering set sends: the smallest, then the default and the largest."""
        top = self.maximum - (self.maximum - self.minimum) % self.step
        return tuple(dict.fromkeys(v for v in (self.minimum, self.default, top) if v is not None))


@dataclass(frozen=True)
class Choice:
    """A list of values under one field (``aspect_ratio``, ``resolution``)."""

    field: str
    values: tuple[str, ...]
    default: str | None = None


@dataclass(frozen=True)
class Asked:
    """What a request asks: a pixel size, or only a ratio, or nothing checkable."""

    size: str | None = None
    ratio: str | None = None


@dataclass(frozen=True)
class Broken:
    """A dimension rule a body breaks: the rule (the probe id), the field, and why."""

    rule: str
    param: str
    message: str


@dataclass(frozen=True)
class Dimensions:
    kind: DimensionKind = "size"
    # kind size: the field that carries the WxH string.
    field: str = SIZE_FIELD
    width: Side | None = None
    height: Side | None = None
    aspect_ratio: Choice | None = None
    resolution: Choice | None = None
    # kind aspect_ratio: documented pixel size by ratio, or by "TIER/RATIO" with tiers.
    pixels: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def takes_size(self) -> bool:
        """Whether OpenAI's ``size`` field is one the model documents."""
        return self.kind == "size" and self.field == SIZE_FIELD

    def fields(self) -> tuple[str, ...]:
        """The request fields the vendor documents for the dimensions."""
        if self.kind == "size":
            return (self.field,)
        if self.kind == "width_height":
            return tuple(s.field for s in (self.width, self.height) if s is not None)
        if self.kind == "aspect_ratio":
            return tuple(c.field for c in (self.aspect_ratio, self.resolution) if c is not None)
        return ()

    def pixel_size(self, ratio: str | None, tier: str | None) -> str | None:
        if ratio is None:
            return None
        return self.pixels.get(f"{tier}/{ratio}" if tier is not None else ratio)

    def asked(self, body: Mapping[str, Any], default_size: str | None) -> Asked:
        """What a valid body asks, documented defaults applied."""
        if self.kind == "size":
            value = body.get(self.field)
            return Asked(size=value if isinstance(value, str) else default_size)
        if self.kind == "width_height" and self.width is not None and self.height is not None:
            w = body.get(self.width.field, self.width.default)
            h = body.get(self.height.field, self.height.default)
            if isinstance(w, int) and isinstance(h, int):
                return Asked(size=f"{w}x{h}")
            return Asked()
        if self.kind == "aspect_ratio" and self.aspect_ratio is not None:
            ratio = body.get(self.aspect_ratio.field, self.aspect_ratio.default)
            tier = None
            if self.resolution is not None:
                tier = body.get(self.resolution.field, self.resolution.default)
            ratio = ratio if isinstance(ratio, str) else None
            tier = tier if isinstance(tier, str) else None
            return Asked(size=self.pixel_size(ratio, tier), ratio=ratio)
        return Asked()

    def broken(self, body: Mapping[str, Any]) -> list[Broken]:
        """Every dimension rule ``body`` breaks (kind size: only ``size-not-taken``;
        its list is the size rules' own)."""
        out: list[Broken] = []
        if not self.takes_size and SIZE_FIELD in body and SIZE_FIELD not in self.fields():
            out.append(
                Broken(
                    SIZE_NOT_TAKEN,
                    SIZE_FIELD,
                    "this model takes no 'size'"
                    + (f"; use {', '.join(self.fields())}" if self.fields() else ""),
                )
            )
        for name, side in (("width", self.width), ("height", self.height)):
            if side is None or body.get(side.field) is None:
                continue
            rule = side.broken(body[side.field])
            if rule is not None:
                out.append(Broken(f"{name}-{rule}", side.field, _side_message(side, rule)))
        for rule, choice in zip(RATIO_RULES, (self.aspect_ratio, self.resolution), strict=True):
            if choice is None or body.get(choice.field) is None:
                continue
            if body[choice.field] not in choice.values:
                allowed = ", ".join(choice.values)
                out.append(Broken(rule, choice.field, f"must be one of {allowed}"))
        return out

    def required(self) -> tuple[str, ...]:
        """Fields a request must carry because the docs give them no default."""
        sides = [s for s in (self.width, self.height) if s is not None and s.default is None]
        choices = [
            c for c in (self.aspect_ratio, self.resolution) if c is not None and c.default is None
        ]
        return tuple(s.field for s in sides) + tuple(c.field for c in choices)

    def cheapest(self, sizes: tuple[str, ...]) -> dict[str, Any]:
        """The fields of the cheapest valid request (the smallest size or sides)."""
        if self.kind == "size":
            return {self.field: min(sizes, key=_area)} if sizes else {}
        if self.kind == "width_height" and self.width is not None and self.height is not None:
            return {self.width.field: self.width.minimum, self.height.field: self.height.minimum}
        if self.kind == "aspect_ratio" and self.aspect_ratio is not None:
            body: dict[str, Any] = {self.aspect_ratio.field: self.aspect_ratio.values[0]}
            if self.resolution is not None:
                body[self.resolution.field] = self.resolution.values[0]
            return body
        return {}

    def axes(self) -> dict[str, list[Any]]:
        """Each documented dimension field's values for the covering set (kind size's
        list is the model's ``sizes``)."""
        axes: dict[str, list[Any]] = {}
        for side in (self.width, self.height):
            if side is not None:
                axes[side.field] = list(side.values())
        for choice in (self.aspect_ratio, self.resolution):
            if choice is not None:
                axes[choice.field] = list(choice.values)
        return axes

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for side in (self.width, self.height):
            if side is not None and side.default is not None:
                out[side.field] = side.default
        for choice in (self.aspect_ratio, self.resolution):
            if choice is not None and choice.default is not None:
                out[choice.field] = choice.default
        return out

    def refusals(self) -> list[tuple[str, str, dict[str, Any], str]]:
        """``(rule, title, change, field)`` of each refused probe the docs promise."""
        out: list[tuple[str, str, dict[str, Any], str]] = []
        for name, side in (("width", self.width), ("height", self.height)):
            if side is None:
                continue
            f = side.field
            out.append(
                (
                    f"{name}-below-min",
                    f"{f} {side.minimum - side.step} (min {side.minimum})",
                    {f: side.minimum - side.step},
                    f,
                )
            )
            out.append(
                (
                    f"{name}-above-max",
                    f"{f} {side.maximum + side.step} (max {side.maximum})",
                    {f: side.maximum + side.step},
                    f,
                )
            )
            off = side.off_step()
            if off is not None:
                out.append((f"{name}-step", f"{f} {off} (step {side.step})", {f: off}, f))
            out.append(
                (f"{name}-type", f'{f} as a string ("{side.minimum}")', {f: str(side.minimum)}, f)
            )
        for rule, choice in zip(RATIO_RULES, (self.aspect_ratio, self.resolution), strict=True):
            if choice is not None:
                out.append((rule, f'{choice.field} "7:3x"', {choice.field: "7:3x"}, choice.field))
        return out

    def matches_ratio(self, ratio: str, width: int, height: int) -> bool:
        """Whether ``width x height`` has the aspect ratio ``W:H`` (within 2%)."""
        parsed = parse_ratio(ratio)
        if parsed is None or not height:
            return False
        want = parsed[0] / parsed[1]
        return abs(width / height - want) <= _RATIO_TOLERANCE * want


def _side_message(side: Side, rule: str) -> str:
    if rule == "type":
        return "must be an integer"
    if rule == "step":
        return f"must be {side.minimum} plus a multiple of {side.step}"
    return f"must be within {side.minimum}..{side.maximum}"


def _area(size: str) -> int:
    parsed = parse_size(size)
    return parsed[0] * parsed[1] if parsed else 0


def parse_ratio(text: str) -> tuple[int, int] | None:
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


SIZE = Dimensions()


def _side(raw: Mapping[str, Any], name: str) -> Side:
    return Side(
        field=raw.get("field", name),
        minimum=raw["min"],
        maximum=raw["max"],
        step=raw.get("step", 1),
        default=raw.get("default"),
    )


def _choice(raw: Mapping[str, Any], name: str) -> Choice:
    return Choice(
        field=raw.get("field", name), values=tuple(raw["values"]), default=raw.get("default")
    )


def parse_dimensions(raw: Mapping[str, Any] | None) -> Dimensions:
    """The ``dimensions`` of a (schema-valid) DALL·E-form model entry; OpenAI's ``size``
    when absent."""
    if raw is None:
        return SIZE
    pixels: dict[str, str] = {}
    for key, value in raw.get("pixels", {}).items():
        if isinstance(value, Mapping):
            pixels.update({f"{key}/{ratio}": size for ratio, size in value.items()})
        else:
            pixels[key] = value
    return Dimensions(
        kind=raw["kind"],
        field=raw.get("field", SIZE_FIELD),
        width=_side(raw["width"], "width") if "width" in raw else None,
        height=_side(raw["height"], "height") if "height" in raw else None,
        aspect_ratio=_choice(raw["aspect_ratio"], "aspect_ratio")
        if "aspect_ratio" in raw
        else None,
        resolution=_choice(raw["resolution"], "resolution") if "resolution" in raw else None,
        pixels=pixels,
    )


def dimension_problems(dims: Dimensions, has_sizes: bool) -> list[str]:
    """What is inconsistent in one model's dimensions (one line each, prefixed by the key)."""
    problems: list[str] = []
    need = {
        "size": (has_sizes, "kind size needs the model's sizes"),
        "width_height": (
            dims.width is not None and dims.height is not None,
            "kind width_height needs width and height",
        ),
        "aspect_ratio": (dims.aspect_ratio is not None, "kind aspect_ratio needs aspect_ratio"),
        "none": (True, ""),
    }
    ok, why = need[dims.kind]
    if not ok:
        problems.append(f"dimensions: {why}")
    if dims.kind != "size" and has_sizes:
        problems.append(f"sizes: a model of dimensions kind {dims.kind} lists no sizes")
    if dims.kind != "size" and dims.field != SIZE_FIELD:
        problems.append("dimensions.field: only kind size renames its field")
    extra = {
        "width_height": ("aspect_ratio", "resolution"),
        "aspect_ratio": ("width", "height"),
        "size": ("width", "height", "aspect_ratio", "resolution"),
        "none": ("width", "height", "aspect_ratio", "resolution"),
    }[dims.kind]
    present = {
        "width": dims.width,
        "height": dims.height,
        "aspect_ratio": dims.aspect_ratio,
        "resolution": dims.resolution,
    }
    problems += [
        f"dimensions.{key}: not a key of kind {dims.kind}"
        for key in extra
        if present[key] is not None
    ]
    for name, side in (("width", dims.width), ("height", dims.height)):
        if side is None:
            continue
        if side.minimum > side.maximum:
            problems.append(f"dimensions.{name}: min {side.minimum} is above max {side.maximum}")
        elif side.default is not None and side.broken(side.default) is not None:
            problems.append(
                f"dimensions.{name}.default {side.default} is not within "
                f"{side.minimum}..{side.maximum} step {side.step}"
            )
    for name, choice in (("aspect_ratio", dims.aspect_ratio), ("resolution", dims.resolution)):
        if (
            choice is not None
            and choice.default is not None
            and choice.default not in choice.values
        ):
            problems.append(f"dimensions.{name}.default {choice.default} is not one of its values")
    if dims.aspect_ratio is not None:
        bad = [r for r in dims.aspect_ratio.values if parse_ratio(r) is None]
        if bad:
            problems.append(f"dimensions.aspect_ratio: {bad[0]!r} is not a ratio W:H")
    problems += _pixel_problems(dims)
    return problems


def _pixel_problems(dims: Dimensions) -> list[str]:
    ratios = dims.aspect_ratio.values if dims.aspect_ratio is not None else ()
    tiers = dims.resolution.values if dims.resolution is not None else ()
    out = []
    for key, size in dims.pixels.items():
        tier, _, ratio = key.rpartition("/")
        if (tier and tier not in tiers) or (not tier and tiers):
            out.append(f"dimensions.pixels.{key}: give pixels by resolution tier, then ratio")
        elif ratio not in ratios:
            out.append(f"dimensions.pixels.{key}: {ratio!r} is not one of its aspect ratios")
        elif (parsed := parse_size(size)) is None or not dims.matches_ratio(ratio, *parsed):
            out.append(f"dimensions.pixels.{key}: {size} does not have the ratio {ratio}")
    return out
