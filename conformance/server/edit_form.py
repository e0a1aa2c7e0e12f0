"""The reference server reads an edit: multipart parsed by Starlette's form parser
(python-multipart) within bounds, then judged by OpenAI's edit rules.

Bounds: the whole body is read up to a cap (413 past it, whatever the
Content-Length says or a chunked body sends), then parsed with a limit on the
number of files and fields and on the size of a text part; a malformed body
is a 400. The rules follow ``edits-contract.md`` §1.3 and §4, one violation at
a time, in the order OpenAI reports them: unknown fields, the images (missing,
text where a file belongs, too many, a Content-Type that is no image type,
unreadable), the mask (twice, not a file, not PNG, another size, no alpha),
markup, ``input_fidelity``, then the generation rules of the model (prompt,
``n``, ``size``, ``quality``, ... and ``response_format``, unknown on GPT
models), shared with ``/images/generations``. Text values are read as the
SDKs write them: decimal integers and lowercase booleans.
"""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from conformance.edits.capabilities import MAX_IMAGES, EditSpec
from conformance.edits.cases import follows_input
from conformance.profile import ModelSpec, Profile
from conformance.server import faults as f
from conformance.server.contract import Violation, resolve_model
from conformance.server.gpt_contract import GptGeneration, check_gpt_request

if TYPE_CHECKING:
    from conformance.server.state import ReferenceState

# Bounds of one edit body: files (16 images + mask + markup and a few refused
# extras), text fields, one text part (a 32000-character prompt in UTF-8), the body.
MAX_FILES = MAX_IMAGES + 8
MAX_FIELDS = 64
MAX_TEXT_PART = 256 * 1024
MAX_BODY = 64 * 1024 * 1024

FILE_FIELDS = ("image", "image[]", "mask", "mask[]", "markup")
TEXT_FIELDS = (
    "prompt",
    "model",
    "n",
    "size",
    "quality",
    "background",
    "output_format",
    "output_compression",
    "input_fidelity",
    "stream",
    "partial_images",
    "user",
    "response_format",  # known to the spec (dall-e-2); the generation rules refuse it
)
_INTEGERS = ("n", "output_compression", "partial_images")
_BOOLEANS = ("stream",)

Item = tuple[str, "str | UploadFile"]


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class Upload:
    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class EditJob:
    """A valid edit: what to draw, from which images, under which mask."""

    generation: GptGeneration
    spec: EditSpec
    images: tuple[Upload, ...]
    mask: Upload | None
    input_fidelity: str | None
    stream: bool
    partial_images: int


async def _capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(declared)
    pieces, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(str(size))
        pieces.append(chunk)
    return b"".join(pieces)


async def read_form(
    request: Request, cap: int | None = None
) -> list[tuple[str, str | Upload]] | Violation:
    """The parts of a multipart body, in order; BodyTooLarge past ``cap`` bytes."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return Violation(
            "edit-not-multipart",
            None,
            "Edits take multipart/form-data (image files, a mask and a prompt).",
            code="invalid_request",
        )
    body = await _capped(request, MAX_BODY if cap is None else cap)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(
        request.headers,
        stream(),
        max_files=MAX_FILES,
        max_fields=MAX_FIELDS,
        max_part_size=MAX_TEXT_PART,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        return Violation(
            "edit-malformed", None, f"Could not parse the multipart body: {exc.message}"
        )
    items: list[tuple[str, str | Upload]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.close()
            ctype = value.headers.get("content-type", "application/octet-stream")
            items.append((name, Upload(name, value.filename or "", ctype, data)))
        else:
            items.append((name, value))
    return items


def _values(items: list[tuple[str, str | Upload]], *names: str) -> list[tuple[str, str | Upload]]:
    return [(n, v) for n, v in items if n in names]


def _typed(name: str, value: str) -> Any:
    if name in _INTEGERS:
        text = value.strip()
        return int(text) if text.lstrip("-").isdigit() else value
    if name in _BOOLEANS and value in ("true", "false"):
        return value == "true"
    return value


def _body(items: list[tuple[str, str | Upload]]) -> dict[str, Any]:
    return {n: _typed(n, v) for n, v in items if isinstance(v, str) and n in TEXT_FIELDS}


def _unknown(name: str) -> Violation:
    return Violation(
        f"{name}-unsupported",
        name,
        f"Unknown parameter: '{name}'.",
        code="unknown_parameter",
        kind="unknown_parameter",
    )


def _mimetype(param: str, ctype: str, spec: EditSpec) -> Violation:
    allowed = spec.content_types
    listed = (
        ", ".join(f"'{t}'" for t in allowed[:-1]) + f", and '{allowed[-1]}'"
        if len(allowed) > 1
        else f"'{allowed[0]}'"
    )
    return Violation(
        "edit-mimetype",
        param,
        f"Invalid file '{param}': unsupported mimetype ('{ctype}'). "
        f"Supported file formats are {listed}.",
        code="unsupported_file_mimetype",
    )


def _opened(upload: Upload) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(upload.data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return image


def _image_rules(
    items: list[tuple[str, str | Upload]], spec: EditSpec, state: ReferenceState
) -> tuple[Upload, ...] | Violation:
    parts = _values(items, "image", "image[]")
    if not parts:
        return Violation(
            "edit-no-image",
            "image",
            "Missing required parameter: 'image'.",
            code="missing_required_parameter",
        )
    listed = [n for n, _ in parts if n == "image[]"]
    if listed and state.has(f.EDIT_IMAGE_ONLY):
        # LiteLLM 1.100-1.101 style: the list arrives upstream as a stray text part.
        return Violation(
            "edit-image-list",
            "image[0]",
            "Invalid type for 'image[0]': expected a file, but got a string instead.",
            code="invalid_type",
        )
    for index, (name, value) in enumerate(parts):
        if isinstance(value, str):
            param = "image" if name == "image" else f"image[{index}]"
            what = "one of an array of files or file" if name == "image" else "a file"
            return Violation(
                "edit-text-as-image",
                param,
                f"Invalid type for '{param}': expected {what}, but got a string instead.",
                code="invalid_type",
            )
    if len(parts) > spec.images:
        return Violation(
            "edit-too-many-images",
            "image",
            f"Invalid 'image': array too long. Expected an array with maximum length "
            f"{spec.images}, but got an array with length {len(parts)} instead.",
            code="array_above_max_length",
        )
    uploads = tuple(v for _, v in parts if isinstance(v, Upload))
    for upload in uploads:
        ctype = upload.content_type.split(";")[0].strip().lower()
        if ctype not in spec.content_types and not state.has(f.EDIT_MIMETYPE_SNIFFED):
            return _mimetype("image", ctype, spec)
        if len(upload.data) > spec.max_bytes:
            return Violation(
                "edit-image-too-large",
                "image",
                f"Invalid file 'image': larger than {spec.max_bytes} bytes.",
                code="file_too_large",
            )
        if _opened(upload) is None:
            return Violation(
                "edit-image-unreadable", "image", "Invalid image file.", code="invalid_image"
            )
    return uploads


def _mask_rules(
    items: list[tuple[str, str | Upload]], spec: EditSpec, first: Upload
) -> Upload | Violation | None:
    parts = _values(items, "mask", "mask[]")
    if not parts:
        return None
    if not spec.mask:
        return _unknown("mask")
    if len(parts) > 1:
        return Violation(
            "edit-mask-twice",
            "mask",
            "Invalid parameter: 'mask'. This parameter already has a different value in your "
            "parameters.",
        )
    value = parts[0][1]
    if isinstance(value, str):
        return Violation(
            "edit-text-as-mask",
            "mask",
            "Invalid type for 'mask': expected a file, but got a string instead.",
            code="invalid_type",
        )
    ctype = value.content_type.split(";")[0].strip().lower()
    if ctype != "image/png":
        return _mimetype("mask", ctype, EditSpec(formats=("png",)))
    mask, image = _opened(value), _opened(first)
    if mask is None or image is None:
        return Violation(
            "edit-mask-unreadable", "mask", "Invalid mask image file.", code="invalid_image"
        )
    if mask.size != image.size:
        return Violation(
            "edit-mask-size",
            "mask",
            "Invalid mask image format - mask size does not match image size",
        )
    if "A" not in mask.getbands():
        return Violation(
            "edit-mask-no-alpha",
            "mask",
            "Invalid mask image format - mask image missing alpha channel",
        )
    return value


def _markup_rules(
    items: list[tuple[str, str | Upload]], spec: EditSpec, masked: bool
) -> Violation | None:
    if not _values(items, "markup"):
        return None
    if not spec.markup:
        return _unknown("markup")
    if masked:
        return Violation(
            "edit-markup-with-mask", "markup", "'markup' cannot be combined with 'mask'."
        )
    return None


def _fidelity_rules(body: Mapping[str, Any], spec: EditSpec, model: ModelSpec) -> Violation | None:
    value = body.get("input_fidelity")
    if value is None:
        return None
    if spec.input_fidelity is None:
        return Violation(
            "edit-input-fidelity",
            "input_fidelity",
            f"The model '{model.name}' does not support the 'input_fidelity' parameter.",
            code="invalid_input_fidelity_model",
        )
    if value not in spec.input_fidelity:
        allowed = ", ".join(repr(v) for v in spec.input_fidelity)
        return Violation(
            "edit-input-fidelity-value",
            "input_fidelity",
            f"Invalid value for 'input_fidelity': {value!r}. Supported values are: {allowed}.",
            code="invalid_value",
        )
    return None


def _unsupported(model: ModelSpec) -> Violation:
    return Violation(
        "edit-unsupported",
        "model",
        f"The model '{model.name}' does not support image edits.",
        code="invalid_value",
    )


def check_edit(
    items: list[tuple[str, str | Upload]], profile: Profile, state: ReferenceState
) -> EditJob | Violation:
    """The first rule the edit breaks, or what to draw."""
    body = _body(items)
    model, violation = resolve_model(body, profile)
    if violation is not None:
        return violation
    spec = model.edits
    if spec is None or not spec.supported or model.gpt is None:
        return _unsupported(model)
    for name, _ in items:
        if name not in TEXT_FIELDS and name not in FILE_FIELDS:
            return _unknown(name)
    images = _image_rules(items, spec, state)
    if isinstance(images, Violation):
        return images
    mask = _mask_rules(items, spec, images[0])
    if isinstance(mask, Violation):
        return mask
    found = _markup_rules(items, spec, mask is not None) or _fidelity_rules(body, spec, model)
    if found is not None:
        return found
    stream = body.get("stream") is True
    if stream and not spec.stream:
        return _unknown("stream")
    skipped = state.skipped_rules
    if state.has(f.EDIT_ACCEPT_N_ABOVE_MAX):
        skipped = skipped | {"n-above-max"}
    generation = check_gpt_request(body, model, skipped)
    if isinstance(generation, Violation):
        return generation
    size = body.get("size")
    if size in (None, "auto"):
        first = _opened(images[0])
        assert first is not None
        sizes = tuple(s for s in (spec.sizes or model.sizes) if s != "auto")
        width, height = (int(side) for side in follows_input(sizes, *first.size).split("x"))
        generation = _resized(generation, width, height)
    partials = body.get("partial_images")
    asked = partials if isinstance(partials, int) and stream else 0
    return EditJob(
        generation=generation,
        spec=spec,
        images=images,
        mask=mask,
        input_fidelity=body.get("input_fidelity"),
        stream=stream,
        partial_images=min(max(asked, 0), spec.partial_images),
    )


def _resized(gen: GptGeneration, width: int, height: int) -> GptGeneration:
    return replace(gen, width=width, height=height, size_auto=True)
