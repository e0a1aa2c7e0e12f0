"""What one image costs, from a profile's price list.

GPT models are priced per quality x size (OpenAI publishes per-image figures
for the listed sizes). Where the list has no figure the estimate errs high:
``auto`` quality costs what the dearest quality does, ``auto`` size what the
dearest listed size does, and an unlisted size (gpt-image-2 takes any legal
``WxH``) is priced by area from the nearest listed size of that quality.
DALL·E-form models have one ``price_per_image`` (the most any image costs).
A model priced per megapixel or per token (``price:``) is estimated from the
request by :mod:`conformance.params.unit_price`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.params.sizes import area
from conformance.params.spec import AUTO
from conformance.params.unit_price import image_cost

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec


def _by_size(table: Mapping[str, float], size: str | None) -> float:
    if size is None or size == AUTO or area(size) == 0:
        return max(table.values())
    if size in table:
        return table[size]
    nearest = min(table, key=lambda s: abs(area(s) - area(size)))
    return table[nearest] * area(size) / area(nearest)


def image_price(
    model: ModelSpec, quality: Any = None, size: Any = None, body: Mapping[str, Any] | None = None
) -> float | None:
    """USD for one image of ``model`` at ``quality`` and ``size`` (None: the default);
    ``body``: the rest of the request, for a price per megapixel or per token."""
    gpt = model.gpt
    if model.unit_price is not None:
        default_size = gpt.size.default if gpt is not None else model.default_size
        # Width and height ranges: the area the vendor draws when neither is sent.
        width, height = model.dimensions.width, model.dimensions.height
        if default_size is None and width is not None and height is not None:
            sides = (width.default, height.default)
            default_size = f"{sides[0]}x{sides[1]}" if None not in sides else None
        return image_cost(
            model.unit_price,
            quality=quality if quality is not None else model.default_quality,
            size=size,
            default_size=default_size,
            sizes=model.sizes,
            body=body or {},
        )
    if gpt is None or not gpt.prices:
        return model.price_per_image
    quality = quality if quality is not None else gpt.default("quality")
    size = size if size is not None else gpt.size.default
    if isinstance(quality, str) and quality in gpt.prices:
        return _by_size(gpt.prices[quality], size if isinstance(size, str) else None)
    return max(
        _by_size(table, size if isinstance(size, str) else None) for table in gpt.prices.values()
    )


def request_price(model: ModelSpec, body: Mapping[str, Any] | None, images: int) -> float | None:
    """USD for ``images`` images of the request ``body``."""
    body = body or {}
    price = image_price(model, body.get("quality"), body.get("size"), body)
    return None if price is None else price * images


def price_range(model: ModelSpec) -> tuple[float, float] | None:
    """The cheapest and the dearest listed image, or None without a price list."""
    gpt = model.gpt
    if gpt is None or not gpt.prices:
        return None
    figures = [p for table in gpt.prices.values() for p in table.values()]
    return min(figures), max(figures)
