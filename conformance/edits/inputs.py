"""Edit inputs drawn small with Pillow, so that an edit's effect can be measured.

The first image is one flat colour and the mask opens one known box (alpha 0
there, opaque elsewhere), so "what changed inside the box" and "what changed
outside it" are plain pixel statistics (:mod:`conformance.edits.effect`). The
second image is another flat colour: a model that mixes it in shows it. The
malformed inputs the refusals need (a mask of another size, a mask without
alpha) come from the same place, each wrong in one way only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# 3:2, so that size auto following the input is told apart from the square default.
WIDTH, HEIGHT = 96, 64
FIRST_COLOUR = (128, 128, 128)
SECOND_COLOUR = (40, 80, 200)
# The mask opens the middle of the image: a quarter of each side in from the edges.
Box = tuple[float, float, float, float]
OPENING: Box = (0.25, 0.25, 0.75, 0.75)
# What the prompt asks for in the opening (and what the reference server paints).
PAINT = (220, 30, 30)
PROMPT = "Paint the transparent square of the mask solid red; leave the rest as it is."


class InputImageError(ValueError):
    """An input image a user supplied cannot be read as an image."""


def box_pixels(width: int, height: int, box: Box = OPENING) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return round(left * width), round(top * height), round(right * width), round(bottom * height)


def _save(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@lru_cache(maxsize=16)
def flat_image(
    colour: tuple[int, int, int] = FIRST_COLOUR,
    width: int = WIDTH,
    height: int = HEIGHT,
    fmt: str = "PNG",
) -> bytes:
    """One flat colour: any change a model makes shows against it."""
    return _save(Image.new("RGB", (width, height), colour), fmt)


@lru_cache(maxsize=8)
def opening_mask(width: int = WIDTH, height: int = HEIGHT, box: Box = OPENING) -> bytes:
    """An RGBA PNG, opaque except the box, which is fully transparent (edit here)."""
    alpha = Image.new("L", (width, height), 255)
    alpha.paste(0, box_pixels(width, height, box))
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    mask.putalpha(alpha)
    return _save(mask)


@lru_cache(maxsize=4)
def mask_without_alpha(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The mask's shape in RGB (black opening on white), with no alpha channel."""
    mask = Image.new("RGB", (width, height), (255, 255, 255))
    mask.paste((0, 0, 0), box_pixels(width, height))
    return _save(mask)


def mask_of_another_size() -> bytes:
    """A valid RGBA mask at half the first image's size."""
    return opening_mask(WIDTH // 2, HEIGHT // 2)


@dataclass(frozen=True)
class InputImage:
    """A user-supplied input image: its bytes, format and size."""

    data: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


def read_input_image(path: Path) -> InputImage:
    """An image file a user passes in; InputImageError (one line) if it is none."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputImageError(f"cannot read input image {path}: {exc.strerror}") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = (image.format or "").lower()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputImageError(f"input image {path} is not a readable image ({exc})") from None
    if fmt not in ("png", "jpeg", "webp"):
        raise InputImageError(
            f"input image {path} is {fmt or 'unknown'}; edits take png, jpeg, webp"
        )
    return InputImage(data, fmt, width, height)
