"""A successful generation: status, media type, schema, timestamps, count, format."""

from __future__ import annotations

import time
from typing import Any

from conformance.checks.base import (
    Context,
    Result,
    check,
    describe_status,
    error_text,
    failed,
    kind_is,
    passed,
    redirect_note,
    skipped,
)
from conformance.spec import schema_errors

DAY_S = 24 * 3600
VALID = kind_is("valid")


def _needs_items(ctx: Context) -> list[Any] | Result:
    """The ``data`` items of a 2xx JSON answer, or why there are none to judge."""
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    items = ctx.items()
    if items is None:
        return skipped("no data array in the answer (judged by generation.schema)")
    return items


@check("generation.status", title="valid request answered 200", severity="must", applies=VALID)
def status(ctx: Context) -> Result:
    if ctx.status == 200:
        return passed("answered 200")
    return failed(
        f"answered {ctx.status} to a valid request ({ctx.probe.title}): "
        f"{error_text(ctx.response, 120)!r}{redirect_note(ctx)}"
    )


@check(
    "generation.content-type", title="answer is application/json", severity="must", applies=VALID
)
def content_type(ctx: Context) -> Result:
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    if ctx.response.content_type == "application/json":
        return passed("application/json")
    return failed(f"{describe_status(ctx.response)}: OpenAI clients expect application/json")


def _for_schema(ctx: Context, payload: Any) -> Any:
    """Leave out what other checks judge, so one deviation is reported once.

    Explicit nulls in an image object are generation.nulls' finding (the SDK
    reads them as absent); a usage shape the vendor documents differently is
    judged by the usage check.
    """
    if not isinstance(payload, dict):
        return payload
    body = dict(payload)
    if ctx.profile.usage == "chat":
        body.pop("usage", None)
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
    applies=VALID,
)
def schema(ctx: Context) -> Result:
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    if ctx.payload is None:
        return failed("the body is not JSON")
    problems = schema_errors("ImagesResponse", _for_schema(ctx, ctx.payload))
    if problems:
        return failed("; ".join(problems))
    return passed("matches specs/openai-images.yaml#/components/schemas/ImagesResponse")


@check(
    "generation.created", title="created is Unix time in seconds", severity="should", applies=VALID
)
def created(ctx: Context) -> Result:
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    payload = ctx.payload
    if not isinstance(payload, dict) or "created" not in payload:
        return failed("no created field")
    value = payload["created"]
    if isinstance(value, bool) or not isinstance(value, int):
        return failed(f"created is {value!r} ({type(value).__name__}), not an integer")
    sent = ctx.exchange.sent_at or time.time()
    if abs(value - sent) > DAY_S:
        hint = " (milliseconds?)" if value > 10**11 else ""
        return failed(f"created {value} is more than a day from the request time {int(sent)}{hint}")
    return passed(f"created {value}, {abs(value - int(sent))} s from the request")


@check("generation.count", title="as many images as n asked for", severity="must", applies=VALID)
def count(ctx: Context) -> Result:
    items = _needs_items(ctx)
    if isinstance(items, Result):
        return items
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
    applies=VALID,
)
def response_format(ctx: Context) -> Result:
    items = _needs_items(ctx)
    if isinstance(items, Result):
        return items
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


@check("generation.nulls", title="unused fields left out, not null", severity="may", applies=VALID)
def nulls(ctx: Context) -> Result:
    items = _needs_items(ctx)
    if isinstance(items, Result):
        return items
    found = sorted(
        {
            f"data[].{k}"
            for item in items
            if isinstance(item, dict)
            for k, v in item.items()
            if v is None
        }
    )
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
    applies=VALID,
)
def revised_prompt(ctx: Context) -> Result:
    items = _needs_items(ctx)
    if isinstance(items, Result):
        return items
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
