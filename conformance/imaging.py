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
# Frames of an animation whose delays are read (a GIF answer asks at most 16).
MAX_FRAMES = 256

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


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


@dataclass(frozen=True)
class Picture:
    """Image bytes decoded once: their signature, size and alpha, or why Pillow failed.

    Each check words its finding from this record, so one decode serves them all.
    """

    kind: str | None  # the format by magic bytes
    head: bytes
    pil_format: str | None = None
    width: int = 0
    height: int = 0
    has_alpha: bool = False
    see_through: bool = False  # some pixel with alpha below 255
    error: str | None = None  # why it could not be decoded
    # The failure was a ValueError (the pixel limit among them), worded as it is.
    value_error: bool = False
    # An animation's frames, and each frame's delay in ms (None: it carries none),
    # up to MAX_FRAMES of them; a still image has one frame and no delays read.
    frames: int = 1
    frame_delays: tuple[int | None, ...] = ()

    def decoded(self) -> Decoded:
        """Its format and size; ValueError says why it is not an image."""
        if self.kind is None:
            raise ValueError(f"no PNG/JPEG/WebP/GIF signature (starts with {self.head!r})")
        if self.error is not None:
            if self.value_error:
                raise ValueError(self.error)
            raise ValueError(f"Pillow cannot decode it as {self.kind}: {self.error}")
        return Decoded(format=self.kind, width=self.width, height=self.height)


def picture(data: bytes) -> Picture:
    """Open and fully decode ``data`` once, whatever it is."""
    kind, head = sniff(data), data[:12]
    try:
        with opened(data) as img:
            width, height = img.size
            has_alpha = img.mode in _ALPHA_MODES or "transparency" in img.info
            see_through = False
            if has_alpha:
                extrema = img.convert("RGBA").getchannel("A").getextrema()
                see_through = isinstance(extrema[0], int | float) and extrema[0] < 255
            frames, delays = _frames(img)
            return Picture(
                kind,
                head,
                img.format,
                width,
                height,
                has_alpha,
                see_through,
                frames=frames,
                frame_delays=delays,
            )
    except Exception as exc:  # Pillow raises many types for broken files
        return Picture(kind, head, error=str(exc), value_error=isinstance(exc, ValueError))


def _frames(img: Image.Image) -> tuple[int, tuple[int | None, ...]]:
    """How many frames an animation has, and the delay each carries (ms)."""
    count = int(getattr(img, "n_frames", 1))
    if count <= 1:
        return 1, ()
    delays: list[int | None] = []
    for index in range(min(count, MAX_FRAMES)):
        img.seek(index)
        delay = img.info.get("duration")
        delays.append(int(delay) if isinstance(delay, int | float) else None)
    return count, tuple(delays)


def decode_image(data: bytes) -> Decoded:
    """Open and fully decode an image; ValueError says why it is not one."""
    return picture(data).decoded()
