"""The images themselves: real image bytes, fetchable links, the requested size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.checks.base import (
    EDITS_TOO,
    ITEMS,
    Context,
    Result,
    answer_of,
    check,
    errored,
    failed,
    passed,
    skipped,
)
from conformance.checks.placeholders import is_placeholder, placeholder_note
from conformance.imaging import Decoded
from conformance.probes import Probe
from conformance.profile import openai_baseline


def _expects(fmt: str) -> Any:
    return lambda p: p.kind == "valid" and p.expect.response_format == fmt


@check(
    "images.b64",
    title="b64_json is strict base64 of a real image",
    severity="must",
    # An SVG document is no raster image: gpt-image.svg decodes and parses it.
    applies=lambda p: _expects("b64_json")(p) and p.expect.output_format != "svg",
    needs=(ITEMS,),
    operations=EDITS_TOO,
)
def b64(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    seen = []
    for i, item in enumerate(items):
        value = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            continue
        raw = ctx.answer.b64(value)
        if isinstance(raw, str):
            return failed(f"data[{i}].b64_json: {raw}")
        try:
            decoded = ctx.answer.picture(raw).decoded()
        except ValueError as exc:
            return failed(f"data[{i}].b64_json: {exc}")
        seen.append(f"{decoded.format} {decoded.size}")
    if not seen:
        return skipped("no b64_json in the answer (judged by generation.format)")
    return passed("decoded: " + ", ".join(seen))


_gpt_answer = answer_of("gpt", "valid", "example")


def _b64_answer(probe: Probe) -> bool:
    """A JSON answer whose images come as b64_json, sent or printed in the docs (a
    stream's events are the stream checks' to judge)."""
    if probe.expect.stream:
        return False
    asked = probe.kind in ("valid", "example") and probe.expect.response_format == "b64_json"
    return asked or _gpt_answer(probe)


_LINK = re.compile(r"\s*(https?|ftp|s3|gs)://", re.IGNORECASE)


@check(
    "images.b64-bare",
    title="b64_json holds bare base64, not a data: URI or a link",
    severity="must",
    applies=_b64_answer,
    needs=(ITEMS,),
)
def b64_bare(ctx: Context) -> Result:
    """Clients base64-decode b64_json as it is: a data: prefix or a URL there fails
    with a decoding error ("Incorrect padding") that does not say why."""
    items = ITEMS.of(ctx)
    judged, notes = 0, []
    for i, item in enumerate(items):
        value = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            continue
        where = f"data[{i}].b64_json"
        if ctx.probe.kind == "example" and is_placeholder(value):
            notes.append(placeholder_note(where, value))
            continue
        judged += 1
        if value.lstrip()[:5].lower() == "data:":
            return failed(
                f"{where} is a data: URI ({value[:40]!r}...): clients decode the field as "
                "base64 as it is, and the data: prefix breaks that; send the base64 alone"
            )
        if _LINK.match(value):
            return failed(
                f"{where} is a link ({value[:80]!r}), not the image: clients decode it as "
                "base64 and fail; a link belongs in url (response_format url)"
            )
    if not judged:
        return skipped(
            "; ".join(notes) or "no b64_json in the answer (judged by generation.format)"
        )
    return passed(f"{judged} b64_json value(s) with no data: prefix and no link")


@check(
    "images.url",
    title="url is absolute http(s) and serves an image",
    severity="must",
    applies=_expects("url"),
    needs=(ITEMS,),
)
def url(ctx: Context) -> Result:
    items = ITEMS.of(ctx)
    seen = []
    for i, item in enumerate(items):
        link = item.get("url") if isinstance(item, dict) else None
        if not isinstance(link, str) or not link:
            continue
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return failed(f"data[{i}].url {link[:80]!r} is not an absolute http(s) URL")
        fetch = ctx.exchange.fetch_for(link)
        if fetch is None:
            return errored(f"data[{i}].url was not fetched by this run")
        if fetch.refused:
            return failed(f"data[{i}].url not fetched: {fetch.refused}")
        if fetch.error or fetch.response is None:
            return errored(f"data[{i}].url could not be fetched: {fetch.error}")
        resp = fetch.response
        if resp.status != 200:
            return failed(f"GET data[{i}].url answered {resp.status}")
        if not resp.content_type.startswith("image/"):
            return failed(f"GET data[{i}].url is {resp.content_type or 'untyped'}, not image/*")
        try:
            decoded = ctx.answer.picture(resp.body).decoded()
        except ValueError as exc:
            return failed(f"GET data[{i}].url: {exc}")
        seen.append(f"{resp.content_type} {decoded.size}")
    if not seen:
        return skipped("no url in the answer (judged by generation.format)")
    return passed("fetched: " + ", ".join(seen))


@dataclass(frozen=True)
class FoundImage:
    index: int
    source: str
    data: bytes
    decoded: Decoded | None
    problem: str | None


def _streamed_items(ctx: Context) -> list[Any] | None:
    """The completed images of a 2xx event stream, as ``data`` items."""
    if not ctx.probe.expect.stream or ctx.payload is not None or not 200 <= ctx.status < 300:
        return None
    answer = ctx.completed
    return answer["data"] if answer is not None else None


def found_images(ctx: Context) -> list[FoundImage]:
    """Every image an answer carries (a stream: its completed images), as bytes,
    decoded where possible."""
    items = ctx.items()
    streamed = items is None and (items := _streamed_items(ctx)) is not None
    out = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            continue
        data: bytes | None = None
        source = ""
        if isinstance(item.get("b64_json"), str) and item["b64_json"]:
            source = f"{ctx.event_types[1]}.b64_json" if streamed else "b64_json"
            raw = ctx.answer.b64(item["b64_json"])
            data = raw if isinstance(raw, bytes) else None
        elif isinstance(item.get("url"), str) and item["url"]:
            source = "url"
            fetch = ctx.exchange.fetch_for(item["url"])
            if fetch and fetch.response is not None and fetch.response.status == 200:
                data = fetch.response.body
        if data is None:
            continue
        try:
            out.append(FoundImage(i, source, data, ctx.answer.picture(data).decoded(), None))
        except ValueError as exc:
            out.append(FoundImage(i, source, data, None, str(exc)))
    return out


@check(
    "images.dimensions",
    title="image has the requested width and height",
    severity="must",
    applies=answer_of("dalle", "valid"),
    needs=(ITEMS,),
)
def dimensions(ctx: Context) -> Result:
    """What was asked: a size, width and height, or an aspect ratio and tier whose
    pixels the docs print; an aspect ratio alone is checked as a ratio."""
    want = ctx.probe.expect.size
    decoded = [img for img in found_images(ctx) if img.decoded is not None]
    if not decoded:
        return skipped("no image could be decoded (judged by images.b64 / images.url)")
    if want is None:
        return _ratio(ctx, decoded)
    wrong = [
        f"data[{img.index}] is {img.decoded.size}"
        for img in decoded
        if img.decoded is not None and img.decoded.size != want
    ]
    if wrong:
        return failed(f"requested {want}: " + ", ".join(wrong))
    return passed(f"{len(decoded)} image(s) of {want}")


def _ratio(ctx: Context, decoded: list[FoundImage]) -> Result:
    ratio = ctx.probe.expect.ratio
    if ratio is None:
        return skipped("the request asks no size the docs give (dimensions kind none)")
    dims = ctx.model.dimensions if ctx.model is not None else None
    wrong = [
        f"data[{img.index}] is {img.decoded.size}"
        for img in decoded
        if img.decoded is not None
        and (dims is None or not dims.matches_ratio(ratio, *_sides(img.decoded.size)))
    ]
    if wrong:
        return failed(f"requested aspect ratio {ratio}: " + ", ".join(wrong))
    return passed(f"{len(decoded)} image(s) of ratio {ratio}")


def _sides(size: str) -> tuple[int, int]:
    width, _, height = size.partition("x")
    return int(width), int(height)


# Sizes OpenAI's DALL·E models produce: a model OpenAI does not have may produce any.
_DALL_E_SIZES = ("256x256", "512x512", "1024x1024", "1792x1024", "1024x1792")


def openai_sizes(model: str) -> tuple[str, ...]:
    baseline = openai_baseline("dalle").models.get(model)
    return baseline.sizes if baseline is not None else _DALL_E_SIZES


@check(
    "images.openai-size",
    title="image size is one OpenAI's DALL·E API produces",
    severity="may",
    applies=answer_of("dalle", "valid"),
    needs=(ITEMS,),
)
def openai_size(ctx: Context) -> Result:
    """An extension beyond OpenAI's sizes is fine for the vendor's own clients, but
    a client written for OpenAI never asks for it nor expects it. The docs view
    also accepts the sizes the vendor documents."""
    allowed = set(openai_sizes(ctx.probe.model))
    documented = ctx.model.sizes if ctx.model is not None else ()
    other = ctx.model is not None and ctx.model.dimensions.kind != "size"
    if ctx.view == "docs" and other:
        return skipped(
            "the vendor documents dimensions other than a size list (images.dimensions judges them)"
        )
    if ctx.view == "docs":
        allowed |= set(documented)
    decoded = [img.decoded for img in found_images(ctx) if img.decoded is not None]
    if not decoded:
        return skipped("no image could be decoded (judged by images.b64 / images.url)")
    odd = sorted({d.size for d in decoded} - allowed)
    if odd:
        where = "OpenAI's or the vendor's documented" if ctx.view == "docs" else "OpenAI's"
        return failed(
            f"{', '.join(odd)} is not among {where} sizes for {ctx.probe.model} "
            f"({', '.join(sorted(allowed))})"
        )
    return passed(", ".join(sorted({d.size for d in decoded})))
