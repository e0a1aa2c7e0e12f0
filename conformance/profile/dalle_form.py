"""What a DALL·E-form model entry says beyond OpenAI's lists: its dimensions and
its vendor parameters (:mod:`conformance.params.dimensions`,
:mod:`conformance.params.vendor`), read into the lists the rest of the suite uses.

``quality``, ``style`` or ``response_format`` declared under ``parameters`` stand
for the ``qualities``/``styles``/``response_formats`` lists (in OpenAI's values: a
renamed ``base64`` is ``b64_json`` here, and sent as ``base64``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.params.dimensions import Dimensions, dimension_problems, parse_dimensions
from conformance.params.vendor import VendorParam, parse_vendor_params, vendor_problems


@dataclass(frozen=True)
class DalleForm:
    dimensions: Dimensions
    params: Mapping[str, VendorParam] = field(default_factory=dict)
    qualities: tuple[str, ...] = ()
    default_quality: str | None = None
    styles: tuple[str, ...] = ()
    default_style: str | None = None
    response_formats: tuple[str, ...] = ()
    default_response_format: str | None = None


def _listed(
    raw: Mapping[str, Any], params: Mapping[str, VendorParam], name: str, key: str, default_key: str
) -> tuple[tuple[str, ...], str | None]:
    spec = params.get(name)
    if spec is None:
        return tuple(raw.get(key, ())), raw.get(default_key)
    values = tuple(str(spec.openai_value(v)) for v in spec.values)
    default = spec.openai_value(spec.default) if spec.default is not None else None
    return values, default


def parse_dalle_form(raw: Mapping[str, Any]) -> tuple[DalleForm, list[str]]:
    """The dimensions, parameters and value lists of a (schema-valid) DALL·E-form entry,
    and what is inconsistent in them."""
    dims = parse_dimensions(raw.get("dimensions"))
    params = parse_vendor_params(raw.get("parameters"))
    problems = dimension_problems(dims, bool(raw.get("sizes"))) + vendor_problems(params, raw)
    qualities, default_quality = _listed(raw, params, "quality", "qualities", "default_quality")
    styles, default_style = _listed(raw, params, "style", "styles", "default_style")
    formats, default_format = _listed(
        raw, params, "response_format", "response_formats", "default_response_format"
    )
    return (
        DalleForm(
            dimensions=dims,
            params=params,
            qualities=qualities,
            default_quality=default_quality,
            styles=styles,
            default_style=default_style,
            response_formats=formats,
            default_response_format=default_format,
        ),
        problems,
    )
