"""Decoding the images an answer returns, strictly, with bounded memory."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

# Raw base64, standard alphabet, padded: what OpenAI sends and SDKs decode.
_B64 = re.compile(rb"\A[A-Za-z0-9+/]*={0,2}\Z")
# An image larger than this many pixels is not decoded (a decompression bomb).
MAX_PIXELS = 64 * 1024 * 1024

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def sniff(data: bytes) -> str | None:
    """The image format the bytes start with, or None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def decode_b64(value: str) -> bytes:
    """Strict base64: no data: prefix, no whitespace, correct padding. Raises ValueError."""
    raw = value.encode("ascii", "strict") if value.isascii() else None
    if raw is None:
        raise ValueError("contains non-ASCII characters")
    if raw.startswith(b"data:"):
        raise ValueError(f"starts with a data: URI prefix ({value[:30]!r})")
    if not _B64.match(raw) or len(raw) % 4:
        bad = next(
            (
                chr(c)
                for c in raw
                if chr(c) not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            ),
            None,
        )
        why = f"character {bad!r} outside the base64 alphabet" if bad else "bad padding"
        raise ValueError(f"not strict base64: {why}")
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not strict base64: {exc}") from None


@dataclass(frozen=True)
class Decoded:
    format: str
    width: int
    height: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


@contextmanager
def opened(data: bytes) -> Iterator[Image.Image]:
    """The image, fully decoded, unless it has more than MAX_PIXELS (ValueError).

    Pillow raises many types for broken files; they pass through.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"{width}x{height} is too many pixels to decode")
            img.load()
            yield img


def decode_image(data: bytes) -> Decoded:
    """Open and fully decode an image; ValueError says why it is not one."""
    kind = sniff(data)
    if kind is None:
        head = data[:12]
        raise ValueError(f"no PNG/JPEG/WebP/GIF signature (starts with {head!r})")
    try:
        with opened(data) as img:
            width, height = img.size
    except ValueError:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise ValueError(f"Pillow cannot decode it as {kind}: {exc}") from None
    return Decoded(format=kind, width=width, height=height)
