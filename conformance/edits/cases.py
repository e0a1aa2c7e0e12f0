"""The edit requests a plan sends to one model: a billable covering set and free refusals.

Billable, at most two requests per model, at the lowest quality:

- ``edit-multi-mask``: two input images sent as ``image[]`` (as both SDKs send
  a list) with a mask opening a known box, ``n: 2`` and a size other than the
  input's shape, so one answer shows the list was read, the mask took effect,
  ``n`` and ``size`` were honoured and the input images were billed;
- ``edit-stream``: one image, ``stream: true`` with one partial image (when the
  model streams edits), ``size: auto`` (the output follows the input's shape)
  and ``input_fidelity: high`` where the model takes it.

Free: one rule broken each, as OpenAI refuses it (status, ``param`` and
``code`` from ``edits-contract.md`` §4). A model whose profile declares edits
unsupported gets one ordinary edit, which must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.edits import inputs
from conformance.edits.capabilities import EditSpec
from conformance.edits.inputs import InputImage
from conformance.edits.multipart import EditForm, FilePart, text_fields

UNKNOWN_FIELD = "conformance_unknown_field"


@dataclass(frozen=True)
class EditCase:
    id: str
    title: str
    form: EditForm
    billable: bool
    # Refusals: the field the error must name and OpenAI's code (None: not captured).
    param: str | None = None
    code: str | None = None
    # Valid edits: what the answer must show.
    n: int = 1
    size: str | None = None  # asked
    expected_size: str | None = None  # WxH the image must have (auto resolved)
    stream: bool = False
    partial_images: int = 0
    images_sent: int = 0
    mask: bool = False
    input_fidelity: str | None = None
    # The first input image's width and height (what size auto follows).
    input_size: tuple[int, int] = (inputs.WIDTH, inputs.HEIGHT)

    @property
    def images_billed(self) -> int:
        """Images a conformant answer bills: each image and its partials."""
        return self.n * (1 + self.partial_images) if self.billable else 0


def _png(name: str, data: bytes, field: str = "image") -> FilePart:
    return FilePart(field, name, "image/png", data)


def first_image(field: str = "image", given: InputImage | None = None) -> FilePart:
    """The first input: the drawn flat image, or the one the profile supplies."""
    if given is not None:
        return FilePart(field, f"first.{given.extension}", given.content_type, given.data)
    return _png("first.png", inputs.flat_image(), field)


def _dims(spec: EditSpec) -> tuple[int, int]:
    given = spec.input_image
    return (given.width, given.height) if given else (inputs.WIDTH, inputs.HEIGHT)


def second_image(field: str = "image[]") -> FilePart:
    return FilePart(
        field, "second.jpg", "image/jpeg", inputs.flat_image(inputs.SECOND_COLOUR, fmt="JPEG")
    )


def mask_part(
    field: str = "mask", size: tuple[int, int] = (inputs.WIDTH, inputs.HEIGHT)
) -> FilePart:
    return _png("mask.png", inputs.opening_mask(*size), field)


def follows_input(sizes: tuple[str, ...], width: int, height: int) -> str:
    """The listed size whose shape is nearest the input's (what ``auto`` resolves to)."""
    aspect = width / height

    def distance(size: str) -> float:
        w, h = (int(side) for side in size.split("x"))
        return abs(w / h - aspect)

    return min(sizes, key=distance)


def _other_shape(sizes: tuple[str, ...], dims: tuple[int, int]) -> str:
    """A listed size whose shape differs from the input's, so ``size`` is seen to win."""
    near = follows_input(sizes, *dims)
    others = [s for s in sizes if s != near]
    return others[-1] if others else near


def _base(model: str, quality: str | None) -> list[tuple[str, object]]:
    return [("prompt", inputs.PROMPT), ("model", model), ("quality", quality)]


def valid_cases(
    model: str, spec: EditSpec, sizes: tuple[str, ...], quality: str | None
) -> list[EditCase]:
    fixed = tuple(s for s in (spec.sizes or sizes) if s != "auto")
    dims = _dims(spec)
    size = _other_shape(fixed, dims)
    multi_images = min(2, spec.images)
    first = first_image("image[]", spec.input_image)
    files = [first] + ([second_image()] if multi_images > 1 else [])
    multi = EditCase(
        "edit-multi-mask",
        f"{multi_images} images sent as image[] with a mask, n 2, size {size}",
        EditForm(
            text_fields([*_base(model, quality), ("n", 2), ("size", size)]),
            (*files, *([mask_part(size=dims)] if spec.mask else [])),
        ),
        billable=True,
        n=2,
        size=size,
        expected_size=size,
        images_sent=len(files),
        mask=spec.mask,
        input_size=dims,
    )
    partials = 1 if spec.stream and spec.partial_images >= 1 else 0
    fidelity = "high" if spec.high_fidelity else None
    auto = "auto" in (spec.sizes or sizes)
    stream_fields: list[tuple[str, object]] = [*_base(model, quality)]
    stream_fields += [("input_fidelity", fidelity), ("size", "auto" if auto else None)]
    if spec.stream:
        stream_fields += [("stream", True), ("partial_images", partials)]
    what = "a stream with 1 partial image" if spec.stream else "one image"
    single = EditCase(
        "edit-stream" if spec.stream else "edit-auto-size",
        f"{what}, size auto following the input" + (", input_fidelity high" if fidelity else ""),
        EditForm(text_fields(stream_fields), (first_image(given=spec.input_image),)),
        billable=True,
        size="auto" if auto else None,
        expected_size=follows_input(fixed, *dims) if auto else None,
        stream=spec.stream,
        partial_images=partials,
        images_sent=1,
        input_fidelity=fidelity,
        input_size=dims,
    )
    return [multi, single]


def _refusal(id: str, title: str, form: EditForm, param: str, code: str | None) -> EditCase:
    return EditCase(id, title, form, billable=False, param=param, code=code)


def refusal_cases(model: str, spec: EditSpec, quality: str | None) -> list[EditCase]:
    base = text_fields(_base(model, quality))
    image = first_image()
    cases = [
        _refusal(
            "edit-no-image", "no image part", EditForm(base), "image", "missing_required_parameter"
        ),
        _refusal(
            "edit-text-as-image",
            "a text part named image where a file belongs",
            EditForm((*base, ("image", "hello"))),
            "image",
            "invalid_type",
        ),
        _refusal(
            "edit-octet-stream",
            "a PNG labelled application/octet-stream",
            EditForm(
                base,
                (FilePart("image", "first.png", "application/octet-stream", inputs.flat_image()),),
            ),
            "image",
            "unsupported_file_mimetype",
        ),
        _refusal(
            "edit-mask-size",
            "a mask of another size than the image",
            EditForm(base, (image, _png("mask.png", inputs.mask_of_another_size(), "mask"))),
            "mask",
            None,
        ),
        _refusal(
            "edit-mask-no-alpha",
            "a mask without an alpha channel",
            EditForm(base, (image, _png("mask.png", inputs.mask_without_alpha(), "mask"))),
            "mask",
            None,
        ),
        _refusal(
            "edit-too-many-images",
            f"{spec.images + 1} images, one more than the model takes",
            EditForm(base, tuple(first_image("image[]") for _ in range(spec.images + 1))),
            "image",
            None,
        ),
        _refusal(
            "edit-response-format",
            "response_format on a GPT image model",
            EditForm((*base, ("response_format", "b64_json")), (image,)),
            "response_format",
            "unknown_parameter",
        ),
        _refusal(
            "edit-mask-twice",
            "mask and mask[] together",
            EditForm(base, (image, mask_part(), mask_part("mask[]"))),
            "mask",
            None,
        ),
        _refusal(
            "edit-markup-with-mask",
            "markup together with a mask",
            EditForm(
                base, (image, mask_part(), _png("markup.png", inputs.opening_mask(), "markup"))
            ),
            "markup",
            None,
        ),
        _refusal(
            "edit-unknown-field",
            f"an unknown field {UNKNOWN_FIELD}",
            EditForm((*base, (UNKNOWN_FIELD, "1")), (image,)),
            UNKNOWN_FIELD,
            "unknown_parameter",
        ),
    ]
    if spec.input_fidelity is None:
        cases.append(
            _refusal(
                "edit-input-fidelity",
                "input_fidelity on a model that refuses it",
                EditForm((*base, ("input_fidelity", "high")), (image,)),
                "input_fidelity",
                "invalid_input_fidelity_model",
            )
        )
    return cases


def unsupported_case(model: str, quality: str | None) -> EditCase:
    """For a model whose vendor documents no edits: an ordinary edit, to be refused."""
    return _refusal(
        "edit-unsupported",
        "an edit on a model documented without edits",
        EditForm(text_fields(_base(model, quality)), (first_image(),)),
        "model",
        None,
    )


def edit_cases(
    model: str, spec: EditSpec, sizes: tuple[str, ...], quality: str | None
) -> list[EditCase]:
    """Every edit request of one model, billable first."""
    if not spec.supported:
        return [unsupported_case(model, quality)]
    return [*valid_cases(model, spec, sizes, quality), *refusal_cases(model, spec, quality)]
