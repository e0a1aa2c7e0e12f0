"""A DALL·E-form model's ``parameters``: the vendor's own fields, as plain typed data.

Vendors selling the DALL·E form document fields OpenAI's has not (``seed``,
``steps``, ``negative_prompt``, ``guidance_scale``, ``output_format``) and may
rename a value (``response_format: base64`` for OpenAI's ``b64_json``). Each
parameter is one of: a list of ``values`` (with ``means``: the vendor's value ->
OpenAI's, for a renamed value); an ``integer`` or ``number`` range; a free
``string``; a ``boolean``. ``quality``, ``style`` and ``response_format`` may be
declared here too, in the same forms; ``{type: string}`` then says the docs call
the field free-form, so no value of it is expected to be refused.

Each refused probe of a parameter breaks one rule; the rule names (the reference
server's, and the prefix of the probe ids ``vendor-value-<name>`` ...) are
:data:`VENDOR_RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

VendorKind = Literal["enum", "integer", "number", "string", "boolean"]
VENDOR_RULES = ("vendor-value", "vendor-below-min", "vendor-above-max", "vendor-type")
# OpenAI's fields a DALL·E-form model may declare in ``parameters`` instead of
# its lists (qualities, styles, response_formats).
OPENAI_FIELDS = ("quality", "style", "response_format")
# Keys no vendor parameter may take: the model's own and OpenAI's base fields.
RESERVED = ("model", "prompt", "n", "size", "user")
UNKNOWN_VALUE = "conformance-unknown"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# A value of a free string a valid request sends (any text will do).
_TEXT = "blurry, low contrast"


@dataclass(frozen=True)
class VendorParam:
    name: str
    kind: VendorKind
    values: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    # The vendor's value -> the OpenAI value it stands for (response_format base64 -> b64_json).
    means: Mapping[str, str] = field(default_factory=dict)

    def broken(self, value: Any) -> str | None:
        """The rule a present, non-null ``value`` breaks, or None."""
        if self.kind == "enum":
            ok = any(type(value) is type(v) and value == v for v in self.values)
            return None if ok else ("vendor-value" if isinstance(value, str) else "vendor-type")
        if self.kind == "string":
            return None if isinstance(value, str) else "vendor-type"
        if self.kind == "boolean":
            return None if isinstance(value, bool) else "vendor-type"
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (self.kind == "integer" and not isinstance(value, int)):
            return "vendor-type"
        if self.minimum is not None and value < self.minimum:
            return "vendor-below-min"
        if self.maximum is not None and value > self.maximum:
            return "vendor-above-max"
        return None

    @property
    def free_form(self) -> bool:
        return self.kind == "string"

    def openai_value(self, value: Any) -> Any:
        """What a vendor's value means in OpenAI's terms (itself unless renamed)."""
        return self.means.get(value, value) if isinstance(value, str) else value

    def wire_value(self, openai: Any) -> Any:
        """The vendor's value for an OpenAI value (itself unless renamed)."""
        return next((v for v, o in self.means.items() if o == openai), openai)

    def valid_values(self) -> tuple[Any, ...]:
        """Values the covering set sends, one per request while its rows last."""
        if self.kind == "enum":
            return self.values
        if self.kind == "boolean":
            return (True, False)
        if self.kind == "string":
            return (_TEXT,)
        ends = [v for v in (self.minimum, self.maximum) if v is not None]
        if not ends:
            ends = [self.default if self.default is not None else 1]
        return tuple(dict.fromkeys(int(v) if self.kind == "integer" else v for v in ends))

    def refusals(self) -> list[tuple[str, str, Any]]:
        """``(rule, title, value)`` of each refusal the docs promise."""
        out: list[tuple[str, str, Any]] = []
        if self.kind == "enum" and all(isinstance(v, str) for v in self.values):
            out.append(("vendor-value", f'{self.name} "{UNKNOWN_VALUE}"', UNKNOWN_VALUE))
        if self.kind in ("integer", "number"):
            step = 1 if self.kind == "integer" else 0.5
            if self.minimum is not None:
                below = self.minimum - step
                out.append(
                    (
                        "vendor-below-min",
                        f"{self.name} {_num(below)} (min {_num(self.minimum)})",
                        below,
                    )
                )
            if self.maximum is not None:
                above = self.maximum + step
                out.append(
                    (
                        "vendor-above-max",
                        f"{self.name} {_num(above)} (max {_num(self.maximum)})",
                        above,
                    )
                )
        if self.kind in ("integer", "number", "boolean"):
            out.append(("vendor-type", f'{self.name} as a string ("12")', "12"))
        if self.kind == "string":
            out.append(("vendor-type", f"{self.name} as a number (12345)", 12345))
        return out


def _param(name: str, raw: Mapping[str, Any]) -> VendorParam:
    if "values" in raw:
        return VendorParam(
            name,
            "enum",
            values=tuple(raw["values"]),
            default=raw.get("default"),
            means=dict(raw.get("means", {})),
        )
    kind = raw.get("type", "integer")
    return VendorParam(
        name, kind, minimum=raw.get("min"), maximum=raw.get("max"), default=raw.get("default")
    )


def parse_vendor_params(raw: Mapping[str, Any] | None) -> dict[str, VendorParam]:
    """The ``parameters`` of a (schema-valid) DALL·E-form model entry."""
    return {name: _param(name, value) for name, value in (raw or {}).items()}


def vendor_problems(params: Mapping[str, VendorParam], entry: Mapping[str, Any]) -> list[str]:
    """What is inconsistent in one model's parameters (one line each)."""
    out: list[str] = []
    lists = {"quality": "qualities", "style": "styles", "response_format": "response_formats"}
    for name, spec in params.items():
        at = f"parameters.{name}"
        if name in RESERVED:
            out.append(f"{at}: {name} is OpenAI's own field, not a vendor parameter")
        if name in lists and lists[name] in entry:
            out.append(f"{at}: give {name} here or as {lists[name]}, not both")
        if spec.kind == "enum" and spec.default is not None and spec.broken(spec.default):
            out.append(f"{at}.default {spec.default!r} is not one of its values")
        if spec.kind in ("integer", "number"):
            low, high = spec.minimum, spec.maximum
            if low is not None and high is not None and low > high:
                out.append(f"{at}: min {low:g} is above max {high:g}")
            elif spec.default is not None and spec.broken(spec.default):
                out.append(f"{at}.default {spec.default} is outside its range")
        stray = [v for v in spec.means if v not in spec.values]
        if stray:
            out.append(f"{at}.means: {stray[0]!r} is not one of its values")
        if name == "response_format":
            meant = {spec.openai_value(v) for v in spec.values} if spec.kind == "enum" else set()
            if spec.kind != "enum" or not meant <= {"url", "b64_json"}:
                out.append(
                    f"{at}: values must be url or b64_json, or say what each means "
                    "(means: {base64: b64_json})"
                )
        elif spec.means:
            out.append(f"{at}.means: only response_format's values are renamed")
    return out
