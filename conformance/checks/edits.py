"""Answers to edits (``POST /images/edits``): what only an edit can get wrong.

Every generations check also judges an edit's answer (status, schema, images,
echo, the stream's framing); these judge what the edit adds: a list of images
sent as ``image[]`` accepted, the stream's own event types, the output size
following ``size`` or the input, the input images billed, ``n`` honoured and
the mask having an effect. The inputs and the expectations come from the
probe's :class:`~conformance.edits.cases.EditCase`.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from conformance.checks.base import (
    EDITS_ONLY,
    Context,
    Need,
    Result,
    check,
    error_text,
    failed,
    passed,
    skipped,
)
from conformance.checks.gpt import GPT_ANSWER, GPT_ITEMS
from conformance.checks.stream import STREAM
from conformance.edits import effect
from conformance.edits.cases import EditCase
from conformance.probes import Probe
from conformance.sse import EDIT_COMPLETED, EDIT_EVENTS, EDIT_PARTIAL

# The per-image input tokens an answer must count, as a share of the profile's
# figure: OpenAI's counts vary with the input's shape (tiles, patches).
USAGE_SHARE = 0.75
# For size auto on a model that takes any size: the output's shape within this of the input's.
ASPECT_TOLERANCE = 0.05
_REQUIRED = ("type", "b64_json", "created_at", "size", "quality", "background", "output_format")


def _edit(probe: Probe) -> EditCase | None:
    """The case a billable edit was built from (the operation is the registry's test)."""
    return probe.edit if probe.kind == "valid" else None


def _case(ctx: Context) -> EditCase:
    case = ctx.probe.edit
    assert case is not None, "edit checks apply to probes built from an edit case"
    return case


def _decoded(ctx: Context) -> list[bytes] | Result:
    """Each ``b64_json`` image of the answer (JSON or the completed edit events), decoded once."""
    items = ctx.found(GPT_ITEMS)
    if isinstance(items, Result):
        return items
    if not items:
        return skipped("no images in the answer (judged by generation.schema)")
    out = []
    for item in items:
        b64 = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(b64, str):
            return skipped("an image without b64_json (judged by gpt-image.b64-only)")
        raw = ctx.answer.b64(b64)
        if isinstance(raw, str):
            return skipped("b64_json that is not base64 (judged by images.b64)")
        out.append(raw)
    return out


# The edited images, as bytes: what the size, count and mask checks read.
EDIT_IMAGES: Need[list[bytes]] = Need("edit images", _decoded)


@check(
    "edits.images-list",
    title="several images sent as image[] parts are accepted",
    severity="must",
    applies=lambda p: (c := _edit(p)) is not None and c.images_sent > 1,
    operations=EDITS_ONLY,
)
def images_list(ctx: Context) -> Result:
    """openai-python and openai-node send a list of images as repeated ``image[]``
    parts (a list of one too). A server that takes only ``image`` breaks every
    multi-image edit an app makes with the SDKs: LiteLLM 1.100-1.101 forwarded
    the list as a stray text part, which OpenAI refuses with 400 invalid_type."""
    case = _case(ctx)
    if 200 <= ctx.status < 300:
        return passed(f"{case.images_sent} images sent as image[] parts: answered {ctx.status}")
    return failed(
        f"{case.images_sent} images sent as image[] parts, as both SDKs send a list, were "
        f"refused: HTTP {ctx.status} {error_text(ctx.response)!r}"
    )


@check(
    "edits.stream-events",
    title="an edit stream's events are image_edit.*, with their required fields",
    severity="must",
    applies=lambda p: (c := _edit(p)) is not None and c.stream,
    operations=EDITS_ONLY,
    needs=(STREAM,),
)
def stream_events(ctx: Context) -> Result:
    """Spec ``ImageEditStreamEvent``: ``image_edit.partial_image`` (with
    ``partial_image_index``) and ``image_edit.completed`` (with ``usage``).
    Apps wait for ``event.type == "image_edit.completed"``; a stream of
    ``image_generation.*`` events gives them no image and no error
    (openai-python's default mode even parses them as partial images)."""
    events = [e for e in STREAM.of(ctx).events if not e.done]
    foreign = [e for e in events if isinstance(e.type, str) and e.type not in EDIT_EVENTS]
    if foreign:
        kinds = sorted({str(e.type) for e in foreign})
        return failed(
            f"{len(foreign)} event(s) of type {', '.join(kinds)} on an edit stream; an edit "
            f"streams {EDIT_PARTIAL} and {EDIT_COMPLETED}: apps waiting for the completed edit "
            "never get the image"
        )
    done = [e for e in events if e.type == EDIT_COMPLETED]
    if not done:
        return failed(f"no {EDIT_COMPLETED} event in {len(events)} event(s)")
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        extra = "partial_image_index" if event.type == EDIT_PARTIAL else "usage"
        missing = [k for k in (*_REQUIRED, extra) if payload.get(k) is None]
        if missing:
            return failed(f"{event.shown} lacks {', '.join(missing)}")
    partials = len(events) - len(done)
    return passed(f"{partials} {EDIT_PARTIAL} and {len(done)} {EDIT_COMPLETED}, every field")


def _shape_follows(width: int, height: int, given: tuple[int, int]) -> bool:
    want = given[0] / given[1]
    return abs(width / height - want) <= ASPECT_TOLERANCE * want


@check(
    "edits.size",
    title="the edited image has the size asked, or the input's shape for auto",
    severity="should",
    applies=lambda p: (c := _edit(p)) is not None and c.expected_size is not None,
    operations=EDITS_ONLY,
    needs=(EDIT_IMAGES,),
)
def size(ctx: Context) -> Result:
    """``size`` sets the output's size; ``auto`` follows the first input's shape
    (OpenAI's guide). An app that asks for a banner and gets a square lays it out wrong."""
    case = _case(ctx)
    images = EDIT_IMAGES.of(ctx)
    for index, data in enumerate(images):
        picture = ctx.answer.picture(data)
        if picture.error is not None:
            return skipped(f"image {index} is no image (judged by images.b64)")
        width, height = picture.width, picture.height
        got = f"{width}x{height}"
        if got == case.expected_size:
            continue
        if case.size == "auto" and _shape_follows(width, height, case.input_size):
            continue
        asked = "auto, the input being " if case.size == "auto" else ""
        shape = "x".join(map(str, case.input_size)) if case.size == "auto" else case.size
        return failed(
            f"image {index} is {got}; size was {asked}{shape} (expected {case.expected_size})"
        )
    return passed(f"{len(images)} image(s) of {case.expected_size} (size {case.size})")


def _usage(answer: dict[str, Any]) -> dict[str, Any] | None:
    usage = answer.get("usage")
    return usage if isinstance(usage, dict) else None


@check(
    "edits.usage",
    title="usage counts the input image tokens of every image sent",
    severity="should",
    applies=lambda p: _edit(p) is not None,
    operations=EDITS_ONLY,
    needs=(GPT_ANSWER,),
)
def usage(ctx: Context) -> Result:
    """An edit bills its input images as image tokens, on top of the prompt and
    the output (``input_tokens_details.image_tokens``, 0 on generations). A usage
    that leaves them out under-reports the cost of every edit."""
    case = _case(ctx)
    found = _usage(GPT_ANSWER.of(ctx))
    if found is None:
        return skipped("no usage (judged by gpt-image.usage)")
    details = found.get("input_tokens_details")
    tokens = details.get("image_tokens") if isinstance(details, dict) else None
    if isinstance(tokens, bool) or not isinstance(tokens, int):
        return failed(f"input_tokens_details.image_tokens is {tokens!r}, not a count")
    model = ctx.model
    per_image = model.edits.input_image_tokens if model and model.edits else 1
    floor = int(USAGE_SHARE * per_image * case.images_sent)
    if tokens <= 0 or tokens < floor:
        return failed(
            f"input_tokens_details.image_tokens {tokens} for {case.images_sent} input image(s); "
            f"at least {floor} expected ({per_image} per image documented)"
        )
    total = found.get("input_tokens")
    if isinstance(total, int) and total < tokens:
        return failed(f"input_tokens {total} is less than its image_tokens {tokens}")
    return passed(f"{tokens} input image tokens for {case.images_sent} image(s)")


@check(
    "edits.count",
    title="as many edited images as n asked for",
    severity="should",
    applies=lambda p: _edit(p) is not None,
    operations=EDITS_ONLY,
    needs=(EDIT_IMAGES,),
)
def count(ctx: Context) -> Result:
    """``n`` edits of the same inputs; a server that returns one bills the app
    for fewer images than it planned around, or leaves its layout short."""
    case = _case(ctx)
    images = EDIT_IMAGES.of(ctx)
    if len(images) != case.n:
        return failed(f"{len(images)} image(s) for n = {case.n}")
    return passed(f"{len(images)} image(s), n = {case.n}")


@check(
    "edits.mask-effect",
    title="the mask has an effect: the masked area changed more than the rest",
    severity="may",
    applies=lambda p: (c := _edit(p)) is not None and c.mask,
    operations=EDITS_ONLY,
    needs=(EDIT_IMAGES,),
)
def mask_effect(ctx: Context) -> Result:
    """``may``: GPT masking is prompt-guided, not pixel-exact, so a real model
    may repaint outside the mask too; but the mean change inside the opening
    must clearly exceed the change outside. A gateway that drops the mask
    regenerates the whole image evenly (seen in the wild)."""
    case = _case(ctx)
    images = EDIT_IMAGES.of(ctx)
    first = case.form.images[0].data
    try:
        found = effect.change(first, images[0])
    except (OSError, ValueError, Image.DecompressionBombError):
        return skipped("the edited image cannot be decoded (judged by images.b64)")
    if found.masked:
        return passed(found.describe())
    return failed(
        f"{found.describe()}: the mask seems ignored (inside must change at least "
        f"{effect.RATIO:g}x as much as outside, and by {effect.MIN_CHANGE:g} levels)"
    )
