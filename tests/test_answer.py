"""One decoded view per answer; a check's needs are looked for once, by the registry."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from conformance.checks.base import ITEMS, REGISTRY, Context
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.plan import build_plan
from conformance.profile import load_profile


def _png(mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (4, 2), (0, 0, 0, 0) if mode == "RGBA" else 0).save(out, "PNG")
    return out.getvalue()


def _context(status: int, body: bytes) -> Context:
    profile = load_profile("openai-dalle")
    probe = next(p for p in build_plan(profile, ["dall-e-2"]).probes if p.kind == "valid")
    request = RecordedRequest(method="POST", url="http://127.0.0.1/v1", headers=[], body=b"")
    response = RecordedResponse(status, [("content-type", "application/json")], body)
    exchange = Exchange(probe_key=probe.key, request=request, response=response)
    return Context(probe=probe, exchange=exchange, profile=profile, view="docs")


def test_an_image_is_decoded_once_with_format_size_and_alpha() -> None:
    value = base64.b64encode(_png()).decode()
    ctx = _context(200, json.dumps({"created": 1, "data": [{"b64_json": value}]}).encode())
    raw = ctx.answer.b64(value)
    assert isinstance(raw, bytes)
    picture = ctx.answer.picture(raw)
    assert picture is ctx.answer.picture(raw)
    assert (picture.kind, picture.width, picture.height) == ("png", 4, 2)
    assert picture.has_alpha
    assert picture.see_through
    assert ctx.answer.b64("data:image/png;base64,AAAA") == (
        "starts with a data: URI prefix ('data:image/png;base64,AAAA')"
    )


def test_a_check_whose_need_is_unmet_says_why_without_running() -> None:
    refused = _context(400, b'{"error": {"message": "no"}}')
    result = REGISTRY["generation.count"].run(refused)
    assert (result.outcome, result.message) == (
        "skipped",
        "answered 400 (judged by generation.status)",
    )
    no_data = _context(200, b'{"created": 1}')
    result = REGISTRY["generation.count"].run(no_data)
    assert result.message == "no data array in the answer (judged by generation.schema)"
    fine = _context(200, b'{"created": 1, "data": [{"url": "https://x.example/a.png"}]}')
    assert ITEMS.of(fine) == [{"url": "https://x.example/a.png"}]
    assert fine.found(ITEMS) is fine.found(ITEMS)
