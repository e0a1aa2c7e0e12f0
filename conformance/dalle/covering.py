"""The covering set: the fewest billable requests that still use every value.

Each documented value of each parameter (size, response_format, quality, style)
appears in at least one request of the model, values are combined so the set
is as long as the longest list (pairwise where it pays: once a shorter list is
used up, its value in each further request is the one that makes the most
pairs of values not yet seen together, at no extra request), ``n > 1`` rides
along once on the cheapest size where the model allows it, and a value equal to
the documented default is left out of one request so the default itself is
exercised.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance.probes import PROMPT, Expectation, Row

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec


def _area(size: str) -> int:
    width, height = (int(v) for v in size.split("x"))
    return width * height


_OPENAI_AXES = ("response_format", "quality", "style")


def _dimension_id(model: ModelSpec, row: dict[str, Any]) -> list[str]:
    dims = model.dimensions
    if dims.kind == "size":
        return [str(row[dims.field])]
    if dims.kind == "width_height" and dims.width is not None and dims.height is not None:
        return [f"{row[dims.width.field]}x{row[dims.height.field]}"]
    return [str(row[f]).replace(":", "-") for f in dims.fields()]


def _probe_id(model: ModelSpec, row_values: dict[str, Any], n: int) -> str:
    parts = _dimension_id(model, row_values)
    parts += [str(row_values[k]) for k in _OPENAI_AXES if k in row_values]
    if n > 1:
        parts.append(f"n{n}")
    return "gen-" + "-".join(parts)


def _row(
    axes: dict[str, list[Any]],
    i: int,
    seen: set[frozenset[tuple[str, Any]]],
    unexercised: dict[str, Any],
) -> dict[str, Any]:
    """Row ``i``: each list's ``i``-th value while it lasts, then the value that
    pairs with the most values of this row not yet seen together. A default not
    yet exercised by omission counts as one more pair (it gets left out), ties
    go to list order."""
    row: dict[str, Any] = {}
    for axis, values in axes.items():
        if i < len(values):
            row[axis] = values[i]
            continue

        def new_pairs(value: Any, axis: str = axis) -> int:
            pairs = sum(frozenset({(a, v), (axis, value)}) not in seen for a, v in row.items())
            return pairs + int(unexercised.get(axis) == value)

        row[axis] = max(values, key=lambda v: (new_pairs(v), -values.index(v)))
    items = list(row.items())
    seen.update(frozenset({x, y}) for n, x in enumerate(items) for y in items[n + 1 :])
    return row


def _axes(model: ModelSpec) -> tuple[dict[str, list[Any]], dict[str, Any], int]:
    """Each field's values to cover, the documented defaults, and the rows the set
    needs (the vendor's own parameters ride along in those rows, at no extra request)."""
    dims = model.dimensions
    axes: dict[str, list[Any]] = {}
    if dims.kind == "size":
        axes[dims.field] = sorted(model.sizes, key=_area)
    axes.update(dims.axes())
    axes["response_format"] = list(model.response_formats)
    if model.qualities:
        axes["quality"] = list(model.qualities)
    if model.styles:
        axes["style"] = list(model.styles)
    count = max(len(values) for values in axes.values())
    defaults: dict[str, Any] = {
        dims.field: model.default_size,
        "response_format": model.default_response_format,
        "quality": model.default_quality,
        "style": model.default_style,
        **dims.defaults(),
    }
    for name, spec in model.vendor_params.items():
        if name not in _OPENAI_AXES:
            axes[name] = list(spec.valid_values())
            defaults[name] = spec.default
    return axes, defaults, count


def _wire(model: ModelSpec, axis: str, value: Any) -> Any:
    """The value as the vendor spells it (a renamed response_format)."""
    spec = model.vendor_params.get(axis)
    return spec.wire_value(value) if spec is not None else value


def covering_rows(model: ModelSpec) -> list[tuple[str, Row]]:
    """``(probe id, row)`` pairs for one model, cheapest first."""
    axes, defaults, count = _axes(model)
    omitted: set[str] = set()
    rows: list[tuple[str, Row]] = []
    seen: set[frozenset[tuple[str, Any]]] = set()
    for i in range(count):
        unexercised = {a: d for a, d in defaults.items() if a not in omitted} if i > 0 else {}
        chosen = _row(axes, i, seen, unexercised)
        n = 2 if i == 0 and model.n_max >= 2 else 1
        body: dict[str, Any] = {"model": model.name, "prompt": PROMPT}
        covers = []
        for axis, value in chosen.items():
            is_default = defaults.get(axis) == value
            if is_default and axis not in omitted and i > 0:
                # Left out once on purpose: the documented default must apply.
                omitted.add(axis)
                covers.append(f"{axis}={value} (default)")
                continue
            body[axis] = _wire(model, axis, value)
            covers.append(f"{axis}={body[axis]}")
        if n > 1:
            body["n"] = n
            covers.append(f"n={n}")
        if i == 0 and model.user:
            body["user"] = "imagegen-conformance"
            covers.append("user")
        row = Row(body=body, expect=expectation(model, body), covers=tuple(covers))
        rows.append((_probe_id(model, chosen, n), row))
    return rows


def expectation(model: ModelSpec, body: dict[str, Any]) -> Expectation:
    """What a valid request of any shape must show (also for fuzzed valid cases)."""
    n = body.get("n") or 1
    asked = model.dimensions.asked(body, model.default_size)
    if model.dimensions.kind == "none":
        asked = replace(asked, size=model.default_size)
    fmt = body.get("response_format")
    spec = model.vendor_params.get("response_format")
    if fmt is not None and spec is not None:
        fmt = spec.openai_value(fmt)
    fmt = fmt or model.default_response_format
    return Expectation(
        statuses=(200,), n=n, size=asked.size, response_format=fmt, ratio=asked.ratio
    )
