"""A model's edit capabilities, as a profile declares them under ``models.<name>.edits``.

``edits: unsupported`` says the vendor documents no edits for the model: an edit
then expects the documented refusal and is never a pass. A model without an
``edits`` key is simply not probed for edits (old profiles stay valid). The
figures for the budget (``input_image_tokens``, ``input_image_price``) are the
vendor's published token counts and prices; the estimate errs high where they
are ranges (see ``edits-contract.md`` §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.edits.inputs import InputImage, read_input_image

# OpenAI: up to 16 input images (spec maxItems), png/webp/jpg under 50 MB each.
MAX_IMAGES = 16
FORMATS = ("png", "jpeg", "webp")
MAX_BYTES = 50 * 1024 * 1024
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# Input image tokens OpenAI bills for one small square input on gpt-image-1.x
# (one 512-px tile: 65 + 129); used when a profile gives no figure.
DEFAULT_INPUT_IMAGE_TOKENS = 194
# input_fidelity=high adds several thousand image tokens per input image.
HIGH_FIDELITY_EXTRA_TOKENS = 6000
UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class EditSpec:
    """What one model's edits take. ``supported`` False: every edit is refused."""

    supported: bool = True
    images: int = MAX_IMAGES
    formats: tuple[str, ...] = FORMATS
    max_bytes: int = MAX_BYTES
    mask: bool = True
    # None: the model refuses the parameter (400 invalid_input_fidelity_model).
    input_fidelity: tuple[str, ...] | None = None
    markup: bool = False
    stream: bool = False
    partial_images: int = 0
    # Empty: the model's generation sizes.
    sizes: tuple[str, ...] = ()
    input_image_tokens: int = DEFAULT_INPUT_IMAGE_TOKENS
    # USD per 1M input image tokens; None: no price published (the budget counts images only).
    input_image_price: float | None = None
    # The first input image a profile supplies instead of the drawn flat one.
    input_image: InputImage | None = None

    @property
    def content_types(self) -> tuple[str, ...]:
        return tuple(CONTENT_TYPES[f] for f in self.formats if f in CONTENT_TYPES)

    @property
    def high_fidelity(self) -> bool:
        return self.input_fidelity is not None and "high" in self.input_fidelity


NOT_SUPPORTED = EditSpec(supported=False, images=0, formats=(), mask=False)


def parse_edits(raw: Any, base: Path | None = None) -> EditSpec | None:
    """The ``edits`` entry of a model (already schema-valid), or None when absent.

    ``input_image`` is read relative to ``base`` (the profile's folder); an
    unreadable one raises InputImageError (one line)."""
    if raw is None:
        return None
    if raw == UNSUPPORTED:
        return NOT_SUPPORTED
    assert isinstance(raw, Mapping)
    fidelity = raw.get("input_fidelity", UNSUPPORTED)
    stream = bool(raw.get("stream", False))
    return EditSpec(
        images=int(raw.get("images", MAX_IMAGES)),
        formats=tuple(raw.get("formats", FORMATS)),
        max_bytes=int(raw.get("max_bytes", MAX_BYTES)),
        mask=bool(raw.get("mask", True)),
        input_fidelity=None if fidelity == UNSUPPORTED else tuple(fidelity),
        markup=bool(raw.get("markup", False)),
        stream=stream,
        partial_images=int(raw.get("partial_images", 0)) if stream else 0,
        sizes=tuple(raw.get("sizes", ())),
        input_image_tokens=int(raw.get("input_image_tokens", DEFAULT_INPUT_IMAGE_TOKENS)),
        input_image_price=raw.get("input_image_price"),
        input_image=_input_image(raw.get("input_image"), base),
    )


def _input_image(value: Any, base: Path | None) -> InputImage | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_absolute() and base is not None:
        path = base / path
    return read_input_image(path)


def edit_problems(spec: EditSpec, sizes: tuple[str, ...]) -> list[str]:
    """Cross-field mistakes the schema cannot see, one line each."""
    problems = []
    unlisted = [s for s in spec.sizes if s not in sizes]
    if unlisted:
        problems.append(f"edits.sizes: {unlisted[0]} is not one of the model's sizes")
    if spec.input_fidelity is not None and not spec.input_fidelity:
        problems.append("edits.input_fidelity: list at least one value, or say unsupported")
    return problems
