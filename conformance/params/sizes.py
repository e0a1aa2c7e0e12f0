"""The size rule of a GPT model that takes arbitrary ``WIDTHxHEIGHT`` sizes.

gpt-image-2 (spec 2026-08-21, SDK 3.57): both sides multiples of 16, aspect
ratio within 1:3-3:1, long edge at most 3840, pixels within the model's range.
Each limit is a named sub-rule, because OpenAI reports one violation at a
time and the suite probes each on its own: the sub-rule names are the ids of
the refused probes and of the reference server's validation rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_WXH = re.compile(r"([1-9][0-9]{0,5})x([1-9][0-9]{0,5})")

SUBRULES = ("size-multiple", "size-ratio", "size-edge", "size-pixels-min", "size-pixels-max")


def parse_size(value: object) -> tuple[int, int] | None:
    """``(width, height)`` of a strict ``WxH`` string (ASCII x), else None."""
    if not isinstance(value, str):
        return None
    found = _WXH.fullmatch(value)
    return (int(found.group(1)), int(found.group(2))) if found else None


def area(size: str) -> int:
    parsed = parse_size(size)
    return parsed[0] * parsed[1] if parsed else 0


@dataclass(frozen=True)
class SizeRule:
    """Limits an explicit size must meet; None: no such limit."""

    multiple_of: int | None = None
    max_ratio: float | None = None
    max_edge: int | None = None
    min_pixels: int | None = None
    max_pixels: int | None = None

    def broken(self, width: int, height: int) -> list[tuple[str, str]]:
        """``(sub-rule, message)`` for every limit ``width x height`` breaks."""
        out = []
        size = f"{width}x{height}"
        m = self.multiple_of
        if m and (width % m or height % m):
            out.append(("size-multiple", f"{size}: width and height must both be multiples of {m}"))
        ratio = max(width, height) / min(width, height)
        if self.max_ratio and ratio > self.max_ratio:
            out.append(
                (
                    "size-ratio",
                    f"{size}: aspect ratio {ratio:.2f}:1 is outside 1:{self.max_ratio:g} to "
                    f"{self.max_ratio:g}:1",
                )
            )
        if self.max_edge and max(width, height) > self.max_edge:
            out.append(("size-edge", f"{size}: the long edge is above {self.max_edge}"))
        pixels = width * height
        if self.min_pixels and pixels < self.min_pixels:
            out.append(
                ("size-pixels-min", f"{size}: {pixels} pixels, fewer than {self.min_pixels}")
            )
        if self.max_pixels and pixels > self.max_pixels:
            out.append(("size-pixels-max", f"{size}: {pixels} pixels, more than {self.max_pixels}"))
        return out

    def allows(self, width: int, height: int) -> bool:
        return not self.broken(width, height)

    def subrules(self) -> tuple[str, ...]:
        """The sub-rules this rule has limits for, in SUBRULES order."""
        present = {
            "size-multiple": self.multiple_of,
            "size-ratio": self.max_ratio,
            "size-edge": self.max_edge,
            "size-pixels-min": self.min_pixels,
            "size-pixels-max": self.max_pixels,
        }
        return tuple(name for name in SUBRULES if present[name])


# Readable sizes that break one limit of gpt-image-2's rule each; a profile with
# other limits gets a searched witness instead.
_PREFERRED = {
    "size-multiple": ("1000x1000", "1032x1032", "1025x1025"),
    "size-ratio": ("3200x640", "2560x512", "1600x320"),
    "size-edge": ("4096x1536", "4096x2048"),
    "size-pixels-min": ("512x512", "768x768", "256x256"),
    "size-pixels-max": ("3840x2176", "2896x2896"),
}


def _only(rule: SizeRule, subrule: str, width: int, height: int) -> bool:
    return [name for name, _ in rule.broken(width, height)] == [subrule]


@cache
def witness(rule: SizeRule, subrule: str) -> str | None:
    """A size that breaks ``subrule`` and nothing else, with the fewest pixels
    found (a server that wrongly accepts it bills the least); None if none exists."""
    for candidate in _PREFERRED.get(subrule, ()):
        parsed = parse_size(candidate)
        if parsed and _only(rule, subrule, *parsed):
            return candidate
    step = max(1, (rule.multiple_of or 16) // 2)
    limit = (rule.max_edge or 4096) + 4 * step
    best: tuple[int, int, int] | None = None
    for width in range(step, limit + 1, step):
        for height in range(step, width + 1, step):
            if best is not None and width * height >= best[0]:
                break
            if _only(rule, subrule, width, height):
                best = (width * height, width, height)
                break
    return f"{best[1]}x{best[2]}" if best else None
