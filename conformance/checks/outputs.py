"""What the 2.5/2.6 models added: the safety_identifier echo, GIF and SVG output,
SVG usage, and the valid side of the prompt limit.

- ``safety_identifier`` is echoed exactly: the request's non-empty value, else
  ``user`` (the SDK's ``ImagesResponse.safety_identifier``).
- A GIF is a real animated GIF89a with ``frame_count`` frames of the size asked,
  each delayed ``frame_duration_ms`` rounded to the nearest 10 ms.
- An SVG answer is an SVG document (XML whose root is ``<svg>``); with
  ``svg.model`` sent, ``svg_usage`` carries five typed fields and names it.
- A prompt the model's limit allows is accepted: a refusal of one just over
  1000 or 4000 characters is a DALL·E-era limit applied by mistake.

``complexity`` is echoed nowhere, so only what shows is judged: a request with
each value is accepted (the covering set's checks) and an unknown value is
refused naming it (``validation.*``). Quality ``xhigh``/``max`` is judged by
``gpt-image.echo``: the echo must say what was asked, a downgrade fails.
"""

from __future__ import annotations

import xml.parsers.expat
from typing import Any

from conformance.checks.base import (
    Context,
    Need,
    Result,
    answer_of,
    check,
    error_text,
    failed,
    passed,
    skipped,
)
from conformance.checks.gpt import GPT_ANSWER, GPT_IMAGES, GPT_ITEMS, Opened
from conformance.gpt.covering import MISTAKEN_PROMPT_LIMITS
from conformance.probes import Probe

_SVG_NS = "http://www.w3.org/2000/svg"
_SVG_USAGE_INTS = ("input_tokens", "output_tokens", "reasoning_tokens", "total_tokens")

_gpt_valid = answer_of("gpt", "valid")


def _identified(probe: Probe) -> bool:
    return _gpt_valid(probe) and probe.expect.safety_identifier is not None


@check(
    "gpt-image.safety-identifier",
    title="safety_identifier echoed: the one sent, else user",
    severity="should",
    applies=_identified,
    needs=(GPT_ANSWER,),
)
def safety_identifier(ctx: Context) -> Result:
    """Abuse reports are keyed on this id: an app that reads it back must get its own."""
    payload = GPT_ANSWER.of(ctx)
    want = ctx.probe.expect.safety_identifier
    body = ctx.probe.body or {}
    sent = "an empty safety_identifier and user" if body.get("safety_identifier") == "" else "it"
    if "safety_identifier" not in payload:
        return failed(f"no safety_identifier in the answer; the request sent {sent}: {want!r}")
    got = payload["safety_identifier"]
    if got != want:
        why = " (user is the fallback for an empty one)" if want == body.get("user") else ""
        return failed(f"safety_identifier is {got!r}; expected {want!r}{why}")
    return passed(f"safety_identifier {got!r}")


def _asks(fmt: str) -> Any:
    return lambda probe: _gpt_valid(probe) and probe.expect.output_format == fmt


def _files(ctx: Context) -> list[tuple[int, bytes]] | Result:
    """The b64_json files of the answer, from their one decode (an SVG is no image
    Pillow opens, so it is read as bytes)."""
    items = ctx.found(GPT_ITEMS)
    if isinstance(items, Result):
        return items
    out = []
    for i, item in enumerate(items):
        value = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            continue
        raw = ctx.answer.b64(value)
        if isinstance(raw, str):
            return failed(f"data[{i}].b64_json: {raw}")
        out.append((i, raw))
    if not out:
        return skipped("no b64_json file in the answer (judged by gpt-image.b64-only)")
    return out


# Every b64_json file of a GPT answer, as bytes.
GPT_FILES: Need[list[tuple[int, bytes]]] = Need("gpt files", _files)


def _gif_problem(img: Opened, frames: int, delay: int | None, size: str | None) -> str | None:
    if img.problem is not None:
        return img.problem
    if not img.head.startswith(b"GIF89a"):
        return f"not a GIF89a file (starts {img.head[:6]!r})"
    if img.frames != frames:
        return f"{img.frames} frame(s); frame_count asked {frames}"
    if size not in (None, "auto") and img.size != size:
        return f"the frames are {img.size}; size asked {size}"
    delays = img.frame_delays or (None,)
    for index, got in enumerate(delays):
        if delay is not None and got != delay:
            return f"frame {index} lasts {got} ms; {delay} ms expected (rounded to 10 ms)"
    return None


@check(
    "gpt-image.gif",
    title="GIF output: animated GIF89a, frame_count frames, delay rounded to 10 ms",
    severity="should",
    applies=_asks("gif"),
    needs=(GPT_IMAGES,),
)
def gif(ctx: Context) -> Result:
    """An app that asked for an animation must get one, timed as asked."""
    files = GPT_IMAGES.of(ctx)
    expect = ctx.probe.expect
    for img in files:
        problem = _gif_problem(img, expect.frames, expect.frame_delay_ms, expect.size)
        if problem is not None:
            return failed(f"data[{img.index}]: {problem}")
    delay = f", {expect.frame_delay_ms} ms each" if expect.frame_delay_ms is not None else ""
    return passed(f"{len(files)} GIF(s) of {expect.frames} frames{delay}")


def _svg_root(data: bytes) -> str | None:
    """The root element's (namespace, name) as 'ns name', or raise ValueError."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    roots: list[str] = []

    def start(name: str, attrs: Any) -> None:
        if not roots:
            roots.append(name)

    def no_entities(*args: Any) -> None:
        # Entity declarations are how an XML bomb expands: an SVG answer needs none.
        raise ValueError("the document declares entities")

    parser.StartElementHandler = start
    parser.EntityDeclHandler = no_entities
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None
    return roots[0] if roots else None


@check(
    "gpt-image.svg",
    title="SVG output: an XML document whose root is <svg>",
    severity="should",
    applies=_asks("svg"),
    needs=(GPT_FILES,),
)
def svg(ctx: Context) -> Result:
    files = GPT_FILES.of(ctx)
    for index, data in files:
        try:
            root = _svg_root(data)
        except ValueError as exc:
            return failed(f"data[{index}] is no SVG document: {exc}; starts {data[:16]!r}")
        if root not in (f"{_SVG_NS} svg", "svg"):
            return failed(f"data[{index}]: the root element is {root!r}, not svg")
    return passed(f"{len(files)} SVG document(s)")


def _svg_model_sent(probe: Probe) -> bool:
    return _gpt_valid(probe) and probe.expect.svg_model is not None


@check(
    "gpt-image.svg-usage",
    title="svg_usage with svg.model: five typed fields, naming the model sent",
    severity="should",
    applies=_svg_model_sent,
    needs=(GPT_ANSWER,),
)
def svg_usage(ctx: Context) -> Result:
    """SVG authoring is billed apart from rendering: cost accounting reads this."""
    payload = GPT_ANSWER.of(ctx)
    found = payload.get("svg_usage")
    want = ctx.probe.expect.svg_model
    if not isinstance(found, dict):
        return failed(f"svg_usage is {found!r}; svg.model {want!r} was sent")
    problems = [
        f"{key} is {found.get(key)!r}"
        for key in _SVG_USAGE_INTS
        if not isinstance(found.get(key), int) or isinstance(found.get(key), bool)
    ]
    if found.get("model") != want:
        problems.append(f"model is {found.get('model')!r}, not {want!r}")
    if problems:
        return failed("svg_usage: " + "; ".join(problems))
    return passed(f"svg_usage of {want}: {found['total_tokens']} tokens")


def _long_prompt(probe: Probe) -> bool:
    prompt = (probe.body or {}).get("prompt")
    return (
        probe.kind == "valid"
        and isinstance(prompt, str)
        and len(prompt) > min(MISTAKEN_PROMPT_LIMITS)
    )


@check(
    "gpt-image.prompt-limit",
    title="a prompt within the model's limit is accepted, however long",
    severity="should",
    applies=_long_prompt,
)
def prompt_limit(ctx: Context) -> Result:
    """Gateways that map the model to a DALL·E-era backend cut prompts at 1000 or 4000."""
    length = len(str((ctx.probe.body or {}).get("prompt")))
    limit = ctx.model.prompt_max_chars if ctx.model is not None else None
    if 200 <= ctx.status < 300:
        return passed(f"a prompt of {length} characters accepted (limit {limit})")
    if ctx.status >= 500:
        # A crash is no limit: LiteLLM answers every stream 500, whatever its prompt.
        return skipped(f"answered {ctx.status}, a server error (judged by generation.status)")
    payload = ctx.payload
    err = payload.get("error") if isinstance(payload, dict) else None
    named = err.get("param") if isinstance(err, dict) else None
    if isinstance(named, str) and named != "prompt":
        return skipped(f"refused for {named!r}, not for the prompt (judged by generation.status)")
    below = [m for m in MISTAKEN_PROMPT_LIMITS if m < length]
    guess = f"; a limit of {below[-1]} or less, as DALL·E's" if below else ""
    return failed(
        f"a prompt of {length} characters answered {ctx.status} "
        f"({error_text(ctx.response, 100)!r}); the documented limit is {limit}{guess}"
    )
