"""A successful generation: status, media type, schema, timestamps, count, format."""

from __future__ import annotations

import time
from typing import Any

from conformance.checks.base import (
    EDITS_TOO,
    ITEMS,
    Context,
    Result,
    answer_of,
    check,
    describe_status,
    error_text,
    failed,
    kind_is,
    not_a_success,
    passed,
    redirect_note,
    skipped,
)
from conformance.probes import Probe
from conformance.profile.shape import OPENAI_SHAPE, AnswerShape
from conformance.spec import schema_errors

DAY_S = 24 * 3600
VALID = kind_is("valid")


def ANSWERS(probe: Probe) -> bool:
    """JSON answers, sent or printed in the vendor's docs: the body checks judge both.
    An answer to ``stream: true`` is events, judged by stream.*."""
    return probe.kind in ("valid", "example") and not probe.expect.stream


# Answers of the DALL·E family; GPT image answers have checks of their own (gpt-image.*).
dalle_answers = answer_of("dalle", "valid", "example")


# Before this, a "created" in seconds is implausible for an image API.
_EPOCH_2000 = 946_684_800


@check(
    "generation.status",
    title="valid request answered 200",
    severity="must",
    applies=VALID,
    operations=EDITS_TOO,
)
def status(ctx: Context) -> Result:
    if ctx.status == 200:
        return passed("answered 200")
    return failed(
        f"answered {ctx.status} to a valid request ({ctx.probe.title}): "
        f"{error_text(ctx.response, 120)!r}{redirect_note(ctx)}"
    )


@check(
    "generation.content-type",
    title="answer is application/json",
    severity="must",
    applies=lambda p: p.kind == "valid" and not p.expect.stream,
    operations=EDITS_TOO,
)
def content_type(ctx: Context) -> Result:
    if (refused := not_a_success(ctx)) is not None:
        return refused
    if ctx.response.content_type == "application/json":
        return passed("application/json")
    return failed(f"{describe_status(ctx.response)}: OpenAI clients expect application/json")


def _for_schema(payload: Any, shape: AnswerShape = OPENAI_SHAPE) -> Any:
    """Leave out what other checks judge, so one deviation is reported once.

    Explicit nulls in an image object are generation.nulls' finding (the SDK
    reads them as absent); the usage object is generation.usage's. A documented
    shape (docs view) is read as OpenAI's: its list as ``data``, and a missing
    ``created`` where the docs show none filled in, so the schema judges the rest.
    """
    if not isinstance(payload, dict):
        return payload
    body = {k: v for k, v in payload.items() if k != "usage"}
    if shape.list_key != "data":
        body.pop("data", None)
        if shape.list_key in body:
            body["data"] = body.pop(shape.list_key)
    if not shape.created and "created" not in body:
        body["created"] = 0
    if isinstance(body.get("data"), list):
        body["data"] = [
            {k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item
            for item in body["data"]
        ]
    return body


@check(
    "generation.schema",
    title="answer matches the ImagesResponse schema",
    severity="must",
    applies=ANSWERS,
    operations=EDITS_TOO,
)
def schema(ctx: Context) -> Result:
    if (refused := not_a_success(ctx)) is not None:
        return refused
    if ctx.payload is None:
        return failed("the body is not JSON")
    shape = ctx.shape
    problems = [
        _in_vendor_terms(p, shape)
        for p in schema_errors("ImagesResponse", _for_schema(ctx.payload, shape))
    ]
    problems += _missing_fields(ctx.payload, shape)
    if problems:
        return failed("; ".join(problems))
    if shape.is_openai:
        return passed("matches specs/openai-images.yaml#/components/schemas/ImagesResponse")
    return passed(f"matches the documented shape ({_shape_words(shape)})")


def _in_vendor_terms(problem: str, shape: AnswerShape) -> str:
    """A schema problem about ``data`` named by the vendor's list key."""
    if shape.list_key == "data":
        return problem
    problem = problem.replace("'data'", repr(shape.list_key))
    return f"{shape.list_key}{problem[4:]}" if problem.startswith("data") else problem


def _shape_words(shape: AnswerShape) -> str:
    words = [f"images under {shape.list_key!r}", "created" if shape.created else "no created"]
    if shape.fields:
        words.append(f"fields {', '.join(shape.fields)}")
    if shape.item_fields:
        words.append(f"item fields {', '.join(shape.item_fields)}")
    return ", ".join(words)


def _missing_fields(payload: Any, shape: AnswerShape) -> list[str]:
    """The extra fields the docs show in every answer (and image) that are missing."""
    if not isinstance(payload, dict):
        return []
    problems = [f"no {name!r}, which the docs show" for name in shape.fields if name not in payload]
    items = payload.get(shape.list_key)
    for i, item in enumerate(items if isinstance(items, list) else ()):
        missing = [n for n in shape.item_fields if not isinstance(item, dict) or n not in item]
        if missing:
            names = ", ".join(repr(n) for n in missing)
            problems.append(f"{shape.list_key}[{i}] lacks {names}, which the docs show")
            break
    return problems


@check(
    "generation.created",
    title="created is Unix time in seconds",
    severity="should",
    applies=ANSWERS,
    operations=EDITS_TOO,
)
def created(ctx: Context) -> Result:
    if (refused := not_a_success(ctx)) is not None:
        return refused
    payload = ctx.payload
    if not ctx.shape.created and isinstance(payload, dict) and "created" not in payload:
        return skipped("no created, as the vendor documents (response.shape.created: false)")
    if not isinstance(payload, dict) or "created" not in payload:
        return failed("no created field")
    value = payload["created"]
    if isinstance(value, bool) or not isinstance(value, int):
        return failed(f"created is {value!r} ({type(value).__name__}), not an integer")
    if ctx.probe.kind == "example":
        # A printed example was made long ago: judge only that it is seconds.
        if _EPOCH_2000 <= value <= time.time() + DAY_S:
            return passed(f"created {value}: Unix seconds")
        hint = " (milliseconds?)" if value > 10**11 else ""
        return failed(f"created {value} is not a plausible Unix time in seconds{hint}")
    sent = ctx.exchange.sent_at or time.time()
    if abs(value - sent) > DAY_S:
        hint = " (milliseconds?)" if value > 10**11 else ""
        return failed(f"created {value} is more than a day from the request time {int(sent)}{hint}")
    return passed(f"created {value}, {abs(value - int(sent))} s from the request")


@check(
    "generation.count",
    title="as many images as n asked for",
    severity="must",
    applies=ANSWERS,
    needs=(ITEMS,),
    operations=EDITS_TOO,
)
def count(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    want = ctx.probe.expect.n or 1
    if len(items) == want:
        return passed(f"{want} image(s)")
    return failed(f"{len(items)} image(s) for n = {want}")


def _present(item: dict[str, Any], key: str) -> bool:
    return isinstance(item.get(key), str) and item[key] != ""


@check(
    "generation.format",
    title="exactly the requested one of url / b64_json",
    severity="must",
    applies=dalle_answers,
    needs=(ITEMS,),
)
def response_format(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    want = ctx.probe.expect.response_format or "url"
    other = "b64_json" if want == "url" else "url"
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return failed(f"data[{i}] is {type(item).__name__}, not an object")
        if not _present(item, want):
            got = "empty" if item.get(want) == "" else repr(item.get(want, "absent"))[:40]
            return failed(f"data[{i}].{want} is {got}; response_format was {want}")
        if other in item and item[other] is not None:
            return failed(
                f"data[{i}] also carries {other} ({str(item[other])[:40]!r}); "
                f"only {want} was asked for"
            )
    return passed(f"every item carries {want} only")


@check(
    "generation.nulls",
    title="unused fields left out, not null",
    severity="may",
    applies=ANSWERS,
    needs=(ITEMS,),
    operations=EDITS_TOO,
)
def nulls(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    in_items = {
        f"data[].{k}"
        for item in items
        if isinstance(item, dict)
        for k, v in item.items()
        if v is None
    }
    # Gateways add the GPT-image keys (background, size, ...) as null at the top
    # too; a null created or data is another check's finding.
    shown = ("created", ctx.shape.list_key)
    top = {k for k, v in ctx.payload.items() if v is None and k not in shown}
    found = sorted(top) + sorted(in_items)
    if not found:
        return passed("no explicit nulls")
    if ctx.profile.null_fields:
        return passed(f"explicit nulls ({', '.join(found)}), as the vendor documents")
    return failed(
        f"explicit nulls instead of absent keys: {', '.join(found)} "
        "(breaks clients that test `key in item` and strict typed decoders)"
    )


@check(
    "generation.revised-prompt",
    title="revised_prompt is a string where present",
    severity="should",
    applies=ANSWERS,
    needs=(ITEMS,),
    operations=EDITS_TOO,
)
def revised_prompt(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    for i, item in enumerate(items):
        if (
            isinstance(item, dict)
            and item.get("revised_prompt") is not None
            and not isinstance(item["revised_prompt"], str)
        ):
            value = item["revised_prompt"]
            return failed(
                f"data[{i}].revised_prompt is {value!r} ({type(value).__name__}), not a string"
            )
    present = sum(
        1
        for item in items
        if isinstance(item, dict) and isinstance(item.get("revised_prompt"), str)
    )
    return passed(f"{present} of {len(items)} item(s) carry a revised_prompt string")
