"""A drawn edit as the form a client sends, and whether the profile accepts that form.

schemathesis draws ``CreateImageEditRequest`` as Python values (bytes for the
files); what a server judges is the multipart form, where every text field is
a string. So a draw is first written as the form (:func:`form_of`): text parts
as the SDKs write values, files replaced by the small Pillow-made inputs of the
fixed edits (only the drawn *shape* is kept: how many images, under which
field name, a mask or not). Then the form is classified (:func:`classify_form`)
with the generations' rules, applied to the values the text parts carry,
plus the edit's own (images, mask, ``input_fidelity``, the edit sizes).

Whatever a form leaves open is *ambiguous* and never sent: a repeated text
field (which one does a server read?), an empty value other than the prompt
(absent, or wrong?), a number written as ``2.0`` or ``+2``, a boolean written
as ``1`` or ``yes``, a field the profile does not declare for edits, another
model of the profile, a mask where the profile says the model takes none, a
stream on a model whose edits do not stream.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.edits import inputs
from conformance.edits.capabilities import CONTENT_TYPES, EditSpec
from conformance.edits.cases import first_image
from conformance.edits.multipart import EditForm, FilePart
from conformance.fuzz.classify import Ambiguous, Classification, Reason, gpt_reasons
from conformance.params.spec import GptSpec
from conformance.profile import ModelSpec, Profile

# A drawn file, as the draw is cached: its length picks the input's format.
BINARY = "\u0000binary"
IMAGE_FIELDS = ("image", "image[]")
# A text part among image[]: OpenAI's error names it image[0] in one capture and
# image[] in another (edits-contract.md §4), so no one param is expected for it.
LISTED = "image[]"
# The generation parameters an edit form takes (CreateImageEditRequest's own fields).
EDIT_PARAMS = (
    "quality",
    "background",
    "output_format",
    "output_compression",
    "user",
    "stream",
    "partial_images",
    "response_format",
)
FILE_FIELDS = (*IMAGE_FIELDS, "mask")
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
_NUMBERISH = re.compile(r"[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|[+-]?\.[0-9]+")
_BOOLEANS = {"true": True, "false": False}
_BOOLEANISH = {"1", "0", "yes", "no", "on", "off", "True", "False", "TRUE", "FALSE"}


def binary(data_length: int) -> dict[str, int]:
    """The cached stand-in of a drawn file (only its length is ever used)."""
    return {BINARY: data_length}


def _is_binary(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {BINARY}


def _text(value: Any) -> str | None:
    """A scalar as the SDKs write it in a text part; None: not a scalar a form carries."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _image(index: int, length: int, spec: EditSpec, name: str) -> FilePart:
    """The ``index``th input: the fixed edits' first image, then flat images of another
    colour, each in the format the drawn bytes' length picks among the model's."""
    if index == 0 and spec.input_image is not None:
        return first_image(name, spec.input_image)
    formats = [f for f in spec.formats if f in CONTENT_TYPES] or ["png"]
    fmt = formats[length % len(formats)]
    colour = inputs.FIRST_COLOUR if index == 0 else inputs.SECOND_COLOUR
    data = inputs.flat_image(colour, fmt="JPEG" if fmt == "jpeg" else fmt.upper())
    extension = "jpg" if fmt == "jpeg" else fmt
    return FilePart(name, f"image-{index}.{extension}", CONTENT_TYPES[fmt], data)


def _dims(spec: EditSpec) -> tuple[int, int]:
    given = spec.input_image
    return (given.width, given.height) if given else (inputs.WIDTH, inputs.HEIGHT)


def form_of(body: Any, spec: EditSpec) -> EditForm | None:
    """The multipart form a client sends for a drawn body; None when no form client
    could send it (not an object, a nested value, a file in a text field)."""
    if not isinstance(body, dict):
        return None
    fields: list[tuple[str, str]] = []
    images: list[FilePart] = []
    mask: list[FilePart] = []
    for key, value in body.items():
        if value is None:
            continue  # openai-python leaves None out
        if key == "image":
            parts = _image_parts(value, spec)
            if parts is None:
                return None
            images += [p for p in parts if isinstance(p, FilePart)]
            fields += [p for p in parts if isinstance(p, tuple)]
            continue
        if key == "mask" and _is_binary(value):
            mask.append(
                FilePart("mask", "mask.png", "image/png", inputs.opening_mask(*_dims(spec)))
            )
            continue
        text = _text(value)
        if text is None:
            return None
        fields.append((key, text))
    try:
        for key, text in fields:
            (key + text).encode("utf-8")
    except UnicodeEncodeError:
        return None
    return EditForm(tuple(fields), (*images, *mask))


def _image_parts(value: Any, spec: EditSpec) -> list[FilePart | tuple[str, str]] | None:
    """One file sent alone goes as ``image``; a list as repeated ``image[]``, as
    both SDKs send one; a scalar where a file belongs as a text part."""
    if _is_binary(value):
        return [_image(0, int(value[BINARY]), spec, "image")]
    if isinstance(value, list):
        out: list[FilePart | tuple[str, str]] = []
        for index, item in enumerate(value):
            if _is_binary(item):
                out.append(_image(index, int(item[BINARY]), spec, "image[]"))
                continue
            text = _text(item)
            if text is None:
                return None
            out.append(("image[]", text))
        return out
    text = _text(value)
    return None if text is None else [("image", text)]


# -- classification ---------------------------------------------------------


def _typed(name: str, text: str, gpt: GptSpec) -> Any:
    """A text part's value as the generations' rules read it; Ambiguous where a
    form's string could mean either."""
    if text == "" and name != "prompt":
        raise Ambiguous(f"an empty {name} (absent, or a wrong value?)")
    spec = gpt.param(name)
    numeric = name == "n" or (spec is not None and spec.kind == "range")
    if numeric:
        if _INTEGER.fullmatch(text):
            return int(text)
        if _NUMBERISH.fullmatch(text.strip()):
            raise Ambiguous(f"{name} written as {text!r}")
        return text  # not a number: the wrong type
    if spec is not None and spec.kind == "enum" and any(isinstance(v, bool) for v in spec.values):
        if text in _BOOLEANS:
            return _BOOLEANS[text]
        if text.strip() in _BOOLEANISH:
            raise Ambiguous(f"{name} written as {text!r}")
    return text


def _open_value(name: str, value: Any, gpt: GptSpec) -> None:
    spec = gpt.param(name)
    if spec is not None and spec.kind == "enum" and (value in spec.open or value in spec.preview):
        raise Ambiguous(f"{name} {value!r}: the sources disagree, or it needs preview access")


def _model_reason(fields: Mapping[str, str], model: ModelSpec, profile: Profile) -> Reason | None:
    name = fields.get("model")
    if not name:
        raise Ambiguous("no model, or an empty one: the server's default model, not this one")
    if name == model.name:
        return None
    if name in profile.models:
        raise Ambiguous(f"another model of the profile ({name!r})")
    return Reason("model", "unknown model", kind="unknown_model")


def _file_reasons(form: EditForm, spec: EditSpec) -> list[Reason]:
    texts = {key for key, _ in form.fields}
    images = form.images
    names = {part.name for part in images}
    if len(names) > 1:
        raise Ambiguous("image and image[] parts together")
    reasons = []
    if "image" in texts:
        reasons.append(Reason("image", "a text part where a file belongs"))
    elif "image[]" in texts:
        reasons.append(Reason(LISTED, "a text part where a file belongs"))
    elif not images:
        reasons.append(Reason("image", "missing"))
    if len(images) > spec.images:
        reasons.append(Reason("image", f"more than {spec.images} images"))
    if "mask" in texts:
        reasons.append(Reason("mask", "a text part where a file belongs"))
    if any(part.name == "mask" for part in form.files) and not spec.mask:
        raise Ambiguous("a mask, where the profile says the model takes none")
    return reasons


def _size_reason(value: Any, spec: EditSpec, found: list[Reason]) -> None:
    """The edit sizes, where the profile narrows them below the generation sizes."""
    if not spec.sizes or not isinstance(value, str) or value in spec.sizes:
        return
    if not any(r.param == "size" for r in found):
        raise Ambiguous(f"size {value!r}: a generation size the edit sizes do not list")


def _partials(value: Any, spec: EditSpec, found: list[Reason]) -> None:
    """The edit's own partial-image limit, where the profile sets it below the generations'."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= spec.partial_images:
        return
    if not any(r.param == "partial_images" for r in found):
        raise Ambiguous(f"partial_images {value}: above the edits' {spec.partial_images}")


def _fidelity_reason(value: str | None, spec: EditSpec) -> Reason | None:
    if value is None:
        return None
    if value == "":
        raise Ambiguous("an empty input_fidelity")
    if spec.input_fidelity is None:
        return Reason("input_fidelity", "not taken by this model")
    return None if value in spec.input_fidelity else Reason("input_fidelity", "unknown value")


def edit_specs(model: ModelSpec) -> tuple[EditSpec, GptSpec]:
    """The model's edit capabilities and GPT parameters (edits are fuzzed on those only)."""
    spec, gpt = model.edits, model.gpt
    if spec is None or gpt is None:
        raise ValueError(f"{model.name}: edits are fuzzed on GPT models that declare edits")
    return spec, gpt


def form_reasons(form: EditForm, model: ModelSpec, profile: Profile) -> list[Reason]:
    """Every rule ``form`` breaks for ``model``'s edits; raises Ambiguous where it is open."""
    spec, gpt = edit_specs(model)
    keys = [key for key, _ in form.fields]
    repeated = {k for k in keys if keys.count(k) > 1 and k not in IMAGE_FIELDS}
    if repeated:
        raise Ambiguous(f"{sorted(repeated)[0]} sent twice")
    fields = {key: value for key, value in form.fields if key not in FILE_FIELDS}
    # The form's own fields, and those of its generation parameters the profile declares.
    declared = {"model", "prompt", "n", "size", "input_fidelity"}
    declared |= {name for name in EDIT_PARAMS if name in gpt.params}
    undeclared = [k for k in fields if k not in declared]
    if undeclared:
        raise Ambiguous(f"a field the profile does not declare for edits ({undeclared[0]!r})")
    if fields.get("stream") == "true" and not spec.stream:
        raise Ambiguous("a stream, where the profile says the model's edits do not stream")
    body: dict[str, Any] = {}
    for key, text in fields.items():
        if key in ("model", "input_fidelity"):
            continue
        body[key] = _typed(key, text, gpt)
        _open_value(key, body[key], gpt)
    found = [_model_reason(fields, model, profile), *gpt_reasons(body, model)]
    reasons = [r for r in found if r is not None]
    _size_reason(body.get("size"), spec, reasons)
    _partials(body.get("partial_images"), spec, reasons)
    fidelity = _fidelity_reason(fields.get("input_fidelity"), spec)
    return [*reasons, *([fidelity] if fidelity else []), *_file_reasons(form, spec)]


def classify_form(form: EditForm, model: ModelSpec, profile: Profile) -> Classification:
    try:
        reasons = tuple(form_reasons(form, model, profile))
    except Ambiguous as exc:
        return Classification("ambiguous", model, note=str(exc))
    return Classification("invalid" if reasons else "valid", model, reasons)


def typed_fields(form: EditForm, model: ModelSpec) -> dict[str, Any]:
    """The text fields as the JSON body would carry them (for the report, the price
    and the budget's worst case); values no rule reads as numbers stay strings."""
    gpt = model.gpt
    out: dict[str, Any] = {}
    for key, text in form.fields:
        if key in FILE_FIELDS:
            continue
        try:
            out[key] = _typed(key, text, gpt) if gpt is not None else text
        except Ambiguous:
            out[key] = text
    return out
