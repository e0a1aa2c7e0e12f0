"""Prices per megapixel or per token, turned into one figure per request.

Some vendors bill by the output's area (USD per megapixel, FLUX at Together AI)
or by tokens (USD per million, GPT image models at Azure and OpenAI, where an
image's output tokens follow from its quality and size). The suite needs one
price per request before it is sent (``--plan``, the budget) and after (the
report's cost), so each is estimated from what the request asks for, and errs
high where the request leaves it open: no size is the dearest listed size, no
quality the dearest quality, and the prompt's input tokens are counted as one
per byte (a token is never shorter than a byte).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.params.sizes import area, parse_size

_MILLION = 1_000_000


@dataclass(frozen=True)
class TokenRates:
    """USD per million tokens."""

    image_output: float
    text_input: float = 0.0


@dataclass(frozen=True)
class UnitPrice:
    """A model's price per megapixel, or per token with its image-token table."""

    per_megapixel: float | None = None
    per_token: TokenRates | None = None
    # quality -> size -> output tokens of one image ("any": a model without qualities).
    image_tokens: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def parse_unit_price(raw: Mapping[str, Any] | None) -> UnitPrice | None:
    if raw is None:
        return None
    rates = raw.get("per_token")
    return UnitPrice(
        per_megapixel=raw.get("per_megapixel"),
        per_token=TokenRates(**rates) if rates is not None else None,
        image_tokens={q: dict(t) for q, t in raw.get("image_tokens", {}).items()},
    )


def unit_price_problems(price: UnitPrice, qualities: tuple[str, ...]) -> list[str]:
    """One way of pricing, and a token table that names the model's qualities."""
    problems: list[str] = []
    if (price.per_megapixel is None) == (price.per_token is None):
        problems.append("price: give per_megapixel or per_token, one of them")
    if price.per_token is not None and not price.image_tokens:
        problems.append("price.per_token needs image_tokens (output tokens by quality and size)")
    if price.per_token is None and price.image_tokens:
        problems.append("price.image_tokens is only read with per_token")
    allowed = set(qualities) or {"any"}
    for quality, table in price.image_tokens.items():
        if quality not in allowed:
            problems.append(
                f"price.image_tokens.{quality}: not one of its qualities "
                f"({', '.join(sorted(allowed))})"
            )
        problems += [
            f"price.image_tokens.{quality}.{size}: not WIDTHxHEIGHT"
            for size in table
            if parse_size(size) is None
        ]
    return problems


def _pixels(size: Any, default: Any, sizes: tuple[str, ...], body: Mapping[str, Any]) -> int:
    """The area a request asks for: its size, its width x height, the default size, else
    the largest listed (``auto``: the server picks, so the dearest)."""
    if isinstance(size, str) and area(size):
        return area(size)
    width, height = body.get("width"), body.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width * height
    if size is None and isinstance(default, str) and area(default):
        return area(default)
    return max((area(s) for s in sizes), default=0)


def _tokens(table: Mapping[str, int], pixels: int) -> float:
    """Output tokens at ``pixels``: the listed size of that area, else scaled from the
    nearest listed one (tokens grow with area)."""
    nearest = min(table, key=lambda s: abs(area(s) - pixels))
    return table[nearest] * pixels / area(nearest) if pixels else max(table.values())


def image_cost(
    price: UnitPrice,
    *,
    quality: Any,
    size: Any,
    default_size: Any,
    sizes: tuple[str, ...],
    body: Mapping[str, Any],
) -> float | None:
    """USD for one image of the request ``body`` asking ``size`` (None: not asked) at
    ``quality`` (None: not asked); None when its area is unknown."""
    pixels = _pixels(size, default_size, sizes, body)
    if price.per_megapixel is not None:
        return price.per_megapixel * pixels / _MILLION if pixels else None
    rates = price.per_token
    if rates is None:
        return None
    tables = price.image_tokens
    if isinstance(quality, str) and quality in tables:
        tokens = _tokens(tables[quality], pixels)
    else:
        tokens = max(_tokens(t, pixels) for t in tables.values())
    prompt = body.get("prompt")
    text = len(prompt.encode()) if isinstance(prompt, str) else 0
    return (tokens * rates.image_output + text * rates.text_input) / _MILLION


def dearest(price: UnitPrice, sizes: tuple[str, ...]) -> float | None:
    """The most one image of a listed size costs, a prompt aside (the plan's per-image figure)."""
    if price.per_token is not None:
        most: float = max(max(t.values()) for t in price.image_tokens.values())
        if sizes:
            most = max(
                _tokens(t, area(s)) for t in price.image_tokens.values() for s in sizes if area(s)
            )
        return most * price.per_token.image_output / _MILLION
    if price.per_megapixel is not None and sizes:
        return price.per_megapixel * max(area(s) for s in sizes) / _MILLION
    return None
