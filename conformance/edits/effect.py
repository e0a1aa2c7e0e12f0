"""Whether an edit changed the masked area more than the rest: pixel statistics.

GPT masking is prompt-guided, not pixel-exact (OpenAI's guide; one user measured
gpt-image-2 repainting most pixels under a fully opaque mask), so an answer
cannot be required to leave the outside untouched. What it must show is that
the mask mattered: the mean change inside the opening is clearly larger than
outside it. The input is scaled to the output's size first (the output follows
``size``, not the input's).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageStat

from conformance.edits.inputs import OPENING, Box, box_pixels

# Inside must change this many times more than outside (mean absolute difference).
RATIO = 2.0
# ... and by at least this much on 0-255, so two near-identical images are no "edit".
MIN_CHANGE = 8.0


@dataclass(frozen=True)
class Change:
    inside: float
    outside: float

    @property
    def masked(self) -> bool:
        """Whether the change is where the mask opened the image."""
        return self.inside >= MIN_CHANGE and self.inside >= RATIO * self.outside

    def describe(self) -> str:
        return (
            f"mean change {self.inside:.1f} inside the mask's opening, {self.outside:.1f} outside"
        )


def _mean(image: Image.Image) -> float:
    return sum(ImageStat.Stat(image).mean) / len(image.getbands())


def change(before: bytes, after: bytes, box: Box = OPENING) -> Change:
    """How much ``after`` differs from ``before`` inside ``box`` and outside it."""
    with Image.open(io.BytesIO(after)) as out:
        edited = out.convert("RGB")
    with Image.open(io.BytesIO(before)) as inp:
        original = inp.convert("RGB").resize(edited.size, Image.Resampling.BILINEAR)
    diff = ImageChops.difference(original, edited)
    left, top, right, bottom = box_pixels(*edited.size, box)
    inside = _mean(diff.crop((left, top, right, bottom)))
    area = edited.size[0] * edited.size[1]
    inner = (right - left) * (bottom - top)
    total = _mean(diff) * area
    outside = (total - inside * inner) / max(area - inner, 1)
    return Change(inside, max(outside, 0.0))
