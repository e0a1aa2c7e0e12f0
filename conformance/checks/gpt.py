"""Answers of the GPT image models: base64 only, echoed settings, real formats, usage.

What OpenAI sends for gpt-image-* (spec 2026-08-21, SDK 3.57, live capture):
``b64_json`` and never a ``url``; the ``size``, ``quality``, ``background`` and
``output_format`` used, with every ``auto`` resolved; the image really in the
format asked for, with an alpha channel when ``transparent`` was asked; the
size asked, or one of the model's sizes for ``auto``; and token ``usage``.
These checks apply to GPT-family probes only; the DALL·E checks of the same
concerns (generation.format, images.dimensions, generation.usage) to the others.
A streamed request is judged on its ``image_generation.completed`` event, which
carries the same image, echo and usage as a JSON answer (the events themselves
are the ``stream.*`` checks' business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.checks.base import (
    EDITS_TOO,
    Context,
    Need,
    Result,
    answer_of,
    check,
    failed,
    not_a_success,
    passed,
    skipped,
)
from conformance.checks.usage import shape_problems
from conformance.params.spec import AUTO, ECHOED
from conformance.probes import Probe
from conformance.profile import ModelSpec, openai_baseline

_gpt_valid = answer_of("gpt", "valid")


# A GPT-form answer, sent or printed in the docs: its shape is judged, as
# generation.format and generation.usage judge a DALL·E-form one; the image itself
# only where the server sent one.
_gpt_answer = answer_of("gpt", "valid", "example")


def _answer(ctx: Context) -> dict[str, Any] | Result:
    """The answer as an app reads it: the JSON object, or a stream's completed event(s)
    shaped like one (``data`` of their images; echo and usage of the last)."""
    if (refused := not_a_success(ctx)) is not None:
        return refused
    if not ctx.probe.expect.stream:
        if not isinstance(ctx.payload, dict):
            return skipped("no JSON object to judge (judged by generation.schema)")
        return ctx.payload
    if ctx.payload is not None:
        return skipped("a JSON body, not an event stream (judged by stream.is-stream)")
    answer = ctx.completed
    if answer is None:
        return skipped(f"no {ctx.event_types[1]} event to judge (judged by stream.completed)")
    return answer


def _items(ctx: Context) -> list[Any] | Result:
    """The ``data`` items of the answer, or why there are none to judge."""
    answer = ctx.found(GPT_ANSWER)
    if isinstance(answer, Result):
        return answer
    # A stream's completed events are shaped as OpenAI's answer; a JSON one as documented.
    items = answer.get("data" if ctx.probe.expect.stream else ctx.shape.list_key)
    if not isinstance(items, list):
        return skipped("no data array in the answer (judged by generation.schema)")
    return items


GPT_ANSWER: Need[dict[str, Any]] = Need("gpt answer", _answer)
GPT_ITEMS: Need[list[Any]] = Need("gpt data items", _items)


def _gpt_raster(probe: Probe) -> bool:
    """A GPT answer Pillow can open (an SVG is judged by gpt-image.svg)."""
    return _gpt_valid(probe) and probe.expect.output_format != "svg"


def _asked_transparent(probe: Probe) -> bool:
    return _gpt_valid(probe) and probe.expect.background == "transparent"


@dataclass(frozen=True)
class Opened:
    index: int
    format: str | None  # by magic bytes
    pil_format: str | None
    width: int
    height: int
    has_alpha: bool
    see_through: bool  # some pixel with alpha below 255
    problem: str | None = None
    # The first bytes (a GIF's version), an animation's frames and their delays (ms).
    head: bytes = b""
    frames: int = 1
    frame_delays: tuple[int | None, ...] = ()

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def _opened(ctx: Context, index: int, value: str) -> Opened:
    """One b64_json image of the answer, from its one decode."""
    raw = ctx.answer.b64(value)
    if isinstance(raw, str):
        return Opened(index, None, None, 0, 0, False, False, f"b64_json: {raw}")
    pic = ctx.answer.picture(raw)
    if pic.error is not None:
        return Opened(index, pic.kind, None, 0, 0, False, False, f"cannot decode: {pic.error}")
    return Opened(
        index,
        pic.kind,
        pic.pil_format,
        pic.width,
        pic.height,
        pic.has_alpha,
        pic.see_through,
        head=pic.head,
        frames=pic.frames,
        frame_delays=pic.frame_delays,
    )


def _images(ctx: Context) -> list[Opened] | Result:
    """Every b64_json image of the answer, opened; or why there is nothing to judge."""
    items = ctx.found(GPT_ITEMS)
    if isinstance(items, Result):
        return items
    out = []
    for i, item in enumerate(items):
        value = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            continue
        out.append(_opened(ctx, i, value))
    if not out:
        return skipped("no b64_json image in the answer (judged by gpt-image.b64-only)")
    return out


# Every b64_json image of a GPT answer, decoded.
GPT_IMAGES: Need[list[Opened]] = Need("gpt images", _images)


def _model_sizes(ctx: Context) -> tuple[str, ...]:
    """The sizes ``auto`` may resolve to: the model's listed sizes in this view's rules."""
    model: ModelSpec | None = ctx.model
    if ctx.view == "drop-in":
        model = openai_baseline("gpt").models.get(ctx.probe.model) or model
    return model.sizes if model is not None else ("1024x1024", "1536x1024", "1024x1536")


@check(
    "gpt-image.b64-only",
    title="GPT image answer carries b64_json only, never a url",
    severity="must",
    applies=_gpt_answer,
    needs=(GPT_ITEMS,),
    operations=EDITS_TOO,
)
def b64_only(ctx: Context) -> Result:
    """The official example code reads data[0].b64_json: a url instead breaks it."""
    items = GPT_ITEMS.of(ctx)
    if not items:
        return failed("data is empty: no image to read")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return failed(f"data[{i}] is {type(item).__name__}, not an object")
        value = item.get("b64_json")
        if not isinstance(value, str) or not value:
            got = "a url" if item.get("url") else "no image"
            return failed(
                f"data[{i}] carries {got} and no b64_json: GPT image models return "
                f"base64 only (b64decode(data[{i}].b64_json) fails)"
            )
        if item.get("url") is not None:
            return failed(f"data[{i}] also carries a url ({str(item['url'])[:60]!r})")
    return passed(f"{len(items)} image(s) as b64_json, no url")


def _echo_problem(ctx: Context, key: str, value: Any, decoded: str | None) -> str | None:
    expect = ctx.probe.expect
    if value is None:
        return f"{key} is missing (OpenAI echoes the {key} it used)"
    if not isinstance(value, str):
        return f"{key} is {value!r}, not a string"
    if value == AUTO:
        return f'{key} is "auto": the answer must say what auto resolved to'
    if key == "output_format":
        return (
            None
            if value == expect.output_format
            else f"{key} {value!r}; asked {expect.output_format!r}"
        )
    if key == "background":
        if expect.background in ("transparent", "opaque"):
            return (
                None
                if value == expect.background
                else f"background {value!r}; asked {expect.background!r}"
            )
        return (
            None
            if value in ("transparent", "opaque")
            else f"background {value!r} is no resolution of auto"
        )
    if key == "quality":
        model = ctx.model
        legal = [str(q) for q in (model.qualities if model else ()) if q != AUTO] or [
            "low",
            "medium",
            "high",
        ]
        if expect.quality not in (None, AUTO):
            return (
                None if value == expect.quality else f"quality {value!r}; asked {expect.quality!r}"
            )
        return None if value in legal else f"quality {value!r} is none of {', '.join(legal)}"
    if expect.size not in (None, AUTO) and value != expect.size:
        return f"size {value!r}; asked {expect.size!r}"
    if decoded is not None and value != decoded:
        return f"size {value!r} but the image is {decoded}"
    return None


@check(
    "gpt-image.echo",
    title="size, quality, background and output_format echoed, auto resolved",
    severity="should",
    applies=_gpt_answer,
    needs=(GPT_ANSWER,),
    operations=EDITS_TOO,
)
def echo(ctx: Context) -> Result:
    """Typed clients (the SDK's strict mode, LiteLLM) reject "auto" in an answer."""
    payload = GPT_ANSWER.of(ctx)
    if not ctx.shape.echo and not any(key in payload for key in ECHOED):
        return skipped("no echoed settings, as the vendor documents (response.shape.echo: false)")
    images = ctx.found(GPT_IMAGES)
    decoded = None
    if isinstance(images, list) and images and images[0].problem is None:
        decoded = images[0].size
    problems = [p for key in ECHOED if (p := _echo_problem(ctx, key, payload.get(key), decoded))]
    if problems:
        return failed("; ".join(problems))
    return passed(", ".join(f"{k} {payload[k]}" for k in ECHOED))


@check(
    "gpt-image.output-format",
    title="the image is encoded as the output_format asked for",
    severity="should",
    applies=_gpt_raster,
    needs=(GPT_IMAGES,),
    operations=EDITS_TOO,
)
def output_format(ctx: Context) -> Result:
    """A client that saves ``image.<output_format>`` must get that format."""
    images = GPT_IMAGES.of(ctx)
    want = ctx.probe.expect.output_format or "png"
    for img in images:
        if img.problem is not None:
            return failed(f"data[{img.index}]: {img.problem}")
        if img.format != want or (img.pil_format or "").lower() != want:
            return failed(
                f"data[{img.index}] is {img.format or 'no known format'}; output_format was {want}"
            )
    return passed(f"{len(images)} {want} image(s) (magic bytes and Pillow agree)")


@check(
    "gpt-image.transparency",
    title="background transparent yields see-through pixels",
    severity="should",
    applies=_asked_transparent,
    needs=(GPT_IMAGES,),
)
def transparency(ctx: Context) -> Result:
    images = GPT_IMAGES.of(ctx)
    for img in images:
        if img.problem is not None:
            return failed(f"data[{img.index}]: {img.problem}")
        if not img.has_alpha:
            return failed(
                f"data[{img.index}] ({img.format}) has no alpha channel; transparent was asked"
            )
        if not img.see_through:
            return failed(f"data[{img.index}] has an alpha channel but every pixel is opaque")
    return passed(f"{len(images)} image(s) with transparent pixels")


@check(
    "gpt-image.dimensions",
    title="image is the size asked, or one of the model's sizes for auto",
    severity="must",
    applies=_gpt_raster,
    needs=(GPT_IMAGES,),
    operations=EDITS_TOO,
)
def dimensions(ctx: Context) -> Result:
    images = GPT_IMAGES.of(ctx)
    want = ctx.probe.expect.size or AUTO
    allowed = _model_sizes(ctx) if want == AUTO else (want,)
    for img in images:
        if img.problem is not None:
            return skipped(f"data[{img.index}]: {img.problem} (judged by gpt-image.output-format)")
        if img.size not in allowed:
            what = (
                f"auto must resolve to one of {', '.join(allowed)}"
                if want == AUTO
                else f"asked {want}"
            )
            return failed(f"data[{img.index}] is {img.size}; {what}")
    return passed(f"{len(images)} image(s) of {', '.join(sorted({i.size for i in images}))}")


@check(
    "gpt-image.usage",
    title="token usage: present, typed, adds up, output tokens counted",
    severity="should",
    applies=_gpt_answer,
    needs=(GPT_ANSWER,),
    operations=EDITS_TOO,
)
def usage(ctx: Context) -> Result:
    """OpenAI bills GPT images by tokens; cost accounting reads this usage."""
    payload = GPT_ANSWER.of(ctx)
    found = payload.get("usage")
    # The docs view honours the vendor's usage (response.usage, shape.usage).
    documented = "openai" if ctx.view == "drop-in" else ctx.profile.gpt_usage
    if found is None:
        if documented == "none":
            return skipped("no usage, as the vendor documents (none in every answer)")
        if documented != "openai":
            return failed(f"no usage, but the docs promise a {documented}-style usage")
        return failed("no usage: OpenAI sends input/output token usage with every GPT image")
    if documented in ("chat", "cost"):
        problems = shape_problems(found, documented)
        if problems:
            return failed("; ".join(problems))
        return passed(f"{documented}-style usage, as documented")
    problems = shape_problems(found, "openai")
    if not problems:
        if found["output_tokens"] <= 0:
            problems.append(
                f"usage.output_tokens is {found['output_tokens']} for generated image(s)"
            )
        details = found.get("output_tokens_details")
        if details is not None and not (
            isinstance(details, dict)
            and all(isinstance(details.get(k), int) for k in ("image_tokens", "text_tokens"))
        ):
            problems.append("usage.output_tokens_details lacks integer image_tokens/text_tokens")
    if problems:
        return failed("; ".join(problems))
    return passed(
        f"input {found['input_tokens']} + output {found['output_tokens']} = "
        f"{found['total_tokens']} tokens"
    )
