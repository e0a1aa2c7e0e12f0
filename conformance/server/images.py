"""Test images: real PNGs of exact dimensions, cheap to make and small to send.

A conformance run decodes every image it receives to check its dimensions, so
the pictures must be genuine PNGs, but nothing about their content matters
beyond being recognisable by eye in a report (hence the label).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

# The gradient is drawn on a tiny canvas and scaled up: resizing is far cheaper
# than computing every pixel in Python, and bilinear scaling keeps it smooth.
_SEED_SIDE = 16
# Few colour levels give wide flat bands, which zlib's run-length strategy
# squeezes to ~20 KB at 1792x1024 quickly; a smooth ramp costs more of both.
_LEVELS = 24
# Font size follows the width so a label still fits on a 256x256 thumbnail.
_FONT_MIN, _FONT_MAX = 10, 28


Colour = tuple[int, int, int]


def _colours(label: str) -> tuple[Colour, Colour]:
    digest = hashlib.sha256(label.encode()).digest()
    dark = (digest[0] // 2, digest[1] // 2, digest[2] // 2)
    light = (128 + digest[3] // 2, 128 + digest[4] // 2, 128 + digest[5] // 2)
    return dark, light


def _band_lut(dark: int, light: int) -> list[int]:
    """Grey level -> channel value, in _LEVELS flat steps from dark to light."""
    steps = _LEVELS - 1
    return [dark + (light - dark) * ((v * _LEVELS) // 256) // steps for v in range(256)]


def _diagonal_gradient(width: int, height: int, dark: Colour, light: Colour) -> Image.Image:
    side = _SEED_SIDE
    scale = 255 / (2 * (side - 1))
    seed = bytes(round((x + y) * scale) for y in range(side) for x in range(side))
    grey = Image.frombytes("L", (side, side), seed).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    # One lookup per channel is much cheaper than ImageOps.colorize's blending.
    channels = [grey.point(_band_lut(d, li)) for d, li in zip(dark, light, strict=True)]
    return Image.merge("RGB", channels)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Loading the bundled font costs ~20 ms, as much as drawing a large image.
    return ImageFont.load_default(size=size)


def _draw_label(image: Image.Image, label: str) -> None:
    draw = ImageDraw.Draw(image)
    font = _font(max(_FONT_MIN, min(_FONT_MAX, image.width // 14)))
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    x = (image.width - (right - left)) // 2 - left
    y = (image.height - (bottom - top)) // 2 - top
    pad = 6
    box = (x + left - pad, y + top - pad, x + right + pad, y + bottom + pad)
    draw.rectangle(box, fill=(255, 255, 255))
    draw.text((x, y), label, fill=(0, 0, 0), font=font)


@lru_cache(maxsize=64)
def render_png(width: int, height: int, label: str) -> bytes:
    """A width x height RGB PNG: a gradient coloured from ``label``, with ``label`` on it.

    Cached: a run asks for the same few sizes over and over, and the bytes are
    immutable, so every answer may share them.
    """
    if width < 1 or height < 1:
        raise ValueError(f"an image needs positive dimensions, not {width}x{height}")
    dark, light = _colours(label)
    image = _diagonal_gradient(width, height, dark, light)
    _draw_label(image, label)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_type=zlib.Z_RLE)
    return out.getvalue()
