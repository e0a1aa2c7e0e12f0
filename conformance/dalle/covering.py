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

from typing import TYPE_CHECKING, Any

from conformance.probes import PROMPT, Expectation, Row

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec


def _area(size: str) -> int:
    width, height = (int(v) for v in size.split("x"))
    return width * height


def _probe_id(row_values: dict[str, Any], n: int) -> str:
    parts = [
        str(v)
        for k, v in row_values.items()
        if k in ("size", "response_format", "quality", "style")
    ]
    if n > 1:
        parts.append(f"n{n}")
    return "gen-" + "-".join(parts)


def _row(
    axes: dict[str, list[str]],
    i: int,
    seen: set[frozenset[tuple[str, str]]],
    unexercised: dict[str, str | None],
) -> dict[str, str]:
    """Row ``i``: each list's ``i``-th value while it lasts, then the value that
    pairs with the most values of this row not yet seen together. A default not
    yet exercised by omission counts as one more pair (it gets left out), ties
    go to list order."""
    row: dict[str, str] = {}
    for axis, values in axes.items():
        if i < len(values):
            row[axis] = values[i]
            continue

        def new_pairs(value: str, axis: str = axis) -> int:
            pairs = sum(frozenset({(a, v), (axis, value)}) not in seen for a, v in row.items())
            return pairs + (unexercised.get(axis) == value)

        row[axis] = max(values, key=lambda v: (new_pairs(v), -values.index(v)))
    items = list(row.items())
    seen.update(frozenset({x, y}) for n, x in enumerate(items) for y in items[n + 1 :])
    return row


def covering_rows(model: ModelSpec) -> list[tuple[str, Row]]:
    """``(probe id, row)`` pairs for one model, cheapest first."""
    sizes = sorted(model.sizes, key=_area)
    axes: dict[str, list[str]] = {"size": sizes, "response_format": list(model.response_formats)}
    if model.qualities:
        axes["quality"] = list(model.qualities)
    if model.styles:
        axes["style"] = list(model.styles)
    defaults = {
        "size": model.default_size,
        "response_format": model.default_response_format,
        "quality": model.default_quality,
        "style": model.default_style,
    }
    count = max(len(values) for values in axes.values())
    omitted: set[str] = set()
    rows: list[tuple[str, Row]] = []
    seen: set[frozenset[tuple[str, str]]] = set()
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
            body[axis] = value
            covers.append(f"{axis}={value}")
        if n > 1:
            body["n"] = n
            covers.append(f"n={n}")
        if i == 0 and model.user:
            body["user"] = "imagegen-conformance"
            covers.append("user")
        expect = Expectation(
            statuses=(200,), n=n, size=chosen["size"], response_format=chosen["response_format"]
        )
        row = Row(body=body, expect=expect, covers=tuple(covers))
        rows.append((_probe_id(chosen, n), row))
    return rows


def expectation(model: ModelSpec, body: dict[str, Any]) -> Expectation:
    """What a valid request of any shape must show (used for fuzzed valid cases)."""
    n = body.get("n") or 1
    size = body.get("size") or model.default_size
    fmt = body.get("response_format") or model.default_response_format
    return Expectation(statuses=(200,), n=n, size=size, response_format=fmt)
