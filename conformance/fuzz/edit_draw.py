"""Edit forms drawn by schemathesis from ``CreateImageEditRequest`` narrowed to one model.

The vendored request (``specs/openai-image-edits.yaml``) keeps the spec's fields,
each narrowed to the model's values (:func:`request_schema`); batches are drawn
with a fixed seed (schemathesis' boundary cases first for refusals, then random
ones), written as the forms a client sends and classified (:mod:`edit_forms`),
cheapened like the generations' draws, deduplicated by their bytes, and cached
under a key that names the operation.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from functools import cache as memoize
from typing import Any

import yaml

from conformance.edits.multipart import EditForm
from conformance.fuzz import cache, draws
from conformance.fuzz.classify import Classification
from conformance.fuzz.edit_forms import EDIT_PARAMS, binary, classify_form, edit_specs, form_of
from conformance.fuzz.generate import cheapen, derive_seed
from conformance.fuzz.gpt import enum_schema, param_schema
from conformance.fuzz.narrow import Mode
from conformance.gpt.edits import cheapest_quality
from conformance.params.spec import STREAMING
from conformance.profile import ModelSpec, Profile
from conformance.resources import data_dir
from conformance.vocabulary import OPERATION_PATHS

SPEC_FILE = "openai-image-edits.yaml"
OPERATION = (OPERATION_PATHS["edits"], "POST")
REQUEST = "CreateImageEditRequest"
# Valid cases send at most this many input images: each is billed as input tokens.
VALID_IMAGES = 2
_MAX_BATCHES = 6
_DRAWN_PROMPT_MAX = 4096


@memoize
def load_edit_spec() -> dict[str, Any]:
    with (data_dir("specs") / SPEC_FILE).open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


def fuzzable(model: ModelSpec) -> bool:
    """Edits are fuzzed on GPT models whose profile declares edits they take."""
    return model.gpt is not None and model.edits is not None and model.edits.supported


def _files(model: ModelSpec, mode: Mode) -> dict[str, Any]:
    spec, _ = edit_specs(model)
    most = min(spec.images, VALID_IMAGES) if mode == "positive" else spec.images
    binary_ = {"type": "string", "format": "binary"}
    array = {"type": "array", "minItems": 1, "maxItems": most, "items": binary_}
    out: dict[str, Any] = {"image": {"anyOf": [binary_, array]}}
    if spec.mask:
        out["mask"] = binary_
    return out


def request_schema(model: ModelSpec, mode: Mode) -> dict[str, Any]:
    """``CreateImageEditRequest`` for one model: the spec's fields, each narrowed to the
    model's values; positive cases ask one image, at the cheapest quality, unstreamed."""
    spec, gpt = edit_specs(model)
    official = load_edit_spec()["components"]["schemas"][REQUEST]["properties"]
    prompt: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
    if model.prompt_max_chars is not None and model.prompt_max_chars <= _DRAWN_PROMPT_MAX:
        prompt["maxLength"] = model.prompt_max_chars
    n_max = min(model.n_max, max(model.n_min, 1)) if mode == "positive" else model.n_max
    properties: dict[str, Any] = {
        "model": {"type": "string", "enum": [model.name]},
        "prompt": prompt,
        "n": {"type": ["integer", "null"], "minimum": model.n_min, "maximum": n_max},
        "size": enum_schema(spec.sizes or gpt.size.values),
    }
    for name in EDIT_PARAMS:
        param = gpt.param(name)
        if param is None or (name in STREAMING and (mode == "positive" or not spec.stream)):
            continue
        schema = param_schema(param)
        if schema is not None:
            properties[name] = schema
    if "compression-needs-jpeg-or-webp" in gpt.rules and "output_compression" in properties:
        properties["output_compression"]["minimum"] = 100  # as for generations (fuzz/gpt.py)
    cheapest = cheapest_quality(model)
    required = ["model", "prompt", "image"]
    if mode == "positive" and cheapest is not None and "quality" in properties:
        # Explicit: left out, quality is auto, which bills as the dearest.
        properties["quality"] = {"type": "string", "enum": [cheapest]}
        required.append("quality")
    fidelity = [v for v in spec.input_fidelity or () if mode == "negative" or v != "high"]
    properties["input_fidelity"] = enum_schema(fidelity) if fidelity else {"type": "null"}
    properties.update(_files(model, mode))
    return {
        "type": "object",
        # The model is required: without it a server edits with its default model.
        "required": required,
        # Only the spec's fields, in the spec's order where it has them.
        "properties": {k: properties[k] for k in (*official, *properties) if k in properties},
        "additionalProperties": False,
    }


def narrowed_spec(model: ModelSpec, mode: Mode) -> dict[str, Any]:
    """The vendored edits document with its request body narrowed to ``model``."""
    spec = copy.deepcopy(load_edit_spec())
    spec["components"]["schemas"] = {REQUEST: request_schema(model, mode)}
    return spec


def _plain(value: Any) -> Any:
    """A drawn value as JSON (for the cache): a file becomes its length only."""
    data = getattr(value, "data", value)
    if isinstance(data, bytes | bytearray):
        return binary(len(data))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _operation(model: ModelSpec, mode: Mode) -> tuple[Any, Any]:
    return draws.operation(narrowed_spec(model, mode), *OPERATION)


def _coverage_batch(model: ModelSpec, mode: Mode, _size: int, _seed: int) -> list[Any]:
    """schemathesis' coverage phase: each boundary of the form broken alone."""
    bodies = draws.coverage_bodies(*_operation(model, mode), mode, OPERATION[1])
    return [_plain(body) for body in bodies]


def _random_batch(model: ModelSpec, mode: Mode, size: int, seed: int) -> list[Any]:
    return [
        _plain(body) for body in draws.random_bodies(_operation(model, mode)[1], mode, size, seed)
    ]


def _batch(model: ModelSpec, mode: Mode, size: int, seed: int, draw: cache.Draw) -> list[Any]:
    return cache.batch(
        model, mode, size, seed, draw, operation="edits", spec=narrowed_spec(model, mode)
    )


@dataclasses.dataclass(frozen=True)
class DrawnEdit:
    form: EditForm
    classification: Classification


def _fewer_images(body: dict[str, Any], model: ModelSpec) -> dict[str, Any]:
    """Above the maximum every count breaks the same rule: one more is its cheapest witness."""
    images = body.get("image")
    most = edit_specs(model)[0].images + 1
    if isinstance(images, list) and len(images) > most:
        return {**body, "image": images[:most]}
    return body


def _judged(raw: Any, profile: Profile, model: ModelSpec, mode: Mode) -> DrawnEdit | None:
    spec, _ = edit_specs(model)
    form = form_of(raw, spec)
    if form is None:
        return None
    c = classify_form(form, model, profile)
    want = "valid" if mode == "positive" else "invalid"
    if c.verdict != want:
        return None
    if mode == "negative" and isinstance(raw, dict):
        cheap = _fewer_images(cheapen(raw, c), model)
        if cheap != raw:
            form = form_of(cheap, spec)
            if form is None:
                return None
            c = classify_form(form, model, profile)
            if c.verdict != want:
                return None
    return DrawnEdit(form, c)


def _sources(model: ModelSpec, mode: Mode, batch: int, seed: int) -> Iterator[tuple[bool, Any]]:
    """(from the coverage phase?, drawn body): boundary cases, then seeded random batches."""
    if mode == "negative":
        for raw in _batch(model, mode, 0, 0, _coverage_batch):
            yield True, raw
    for index in range(_MAX_BATCHES):
        seed_ = derive_seed(seed, "edits", model.name, mode, index)
        for raw in _batch(model, mode, batch, seed_, _random_batch):
            yield False, raw


def _draw(profile: Profile, model: ModelSpec, mode: Mode, count: int, seed: int) -> list[DrawnEdit]:
    """Up to ``count`` distinct forms; a negative draw keeps at most half from the
    boundary cases, so the random ones have room."""
    boundary_room = count - count // 2 if mode == "negative" else count
    found: dict[str, DrawnEdit] = {}
    boundary = 0
    for from_coverage, raw in _sources(model, mode, max(count * 2, 20), seed):
        if from_coverage and boundary >= boundary_room:
            continue
        drawn = _judged(raw, profile, model, mode)
        if drawn is None or drawn.form.boundary() in found:
            continue
        found[drawn.form.boundary()] = drawn
        boundary += from_coverage
        if len(found) >= count:
            break
    return list(found.values())


def draw(
    profile: Profile, model: ModelSpec, mode: Mode, count: int, seed: int
) -> tuple[DrawnEdit, ...]:
    """Distinct edit forms of ``mode`` for ``model``, in drawing order (cached per process)."""
    if count <= 0 or not fuzzable(model):
        return ()
    key = ("edits", profile.sha256, model.name, mode, count, seed)
    return draws.once(key, lambda: _draw(profile, model, mode, count, seed))
