"""The reference server: the contract it serves, and every fault it can break it with."""

from __future__ import annotations

import base64
import dataclasses
import io
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.profile import Profile, load_profile
from conformance.server import (
    FAULTS,
    ReferenceServer,
    ReferenceState,
    UnknownFaultError,
    create_app,
)
from conformance.server import faults as registry
from conformance.server.contract import MALFORMED_JSON, RULES
from conformance.server.faults import ACCEPT_RULE_FAULTS, unknown_faults
from conformance.server.images import render_png

PROFILE = load_profile("openai-dalle")
GENERATIONS = "/images/generations"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

Json = dict[str, Any]
ServerFactory = Callable[..., ReferenceServer]


# --- helpers and fixtures -------------------------------------------------


def auth(srv: ReferenceServer, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or srv.api_key}"}


def post(
    srv: ReferenceServer,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.post(
        srv.base_url + GENERATIONS,
        json=body if content is None else None,
        content=content,
        headers=auth(srv) if headers is None else headers,
        timeout=10,
    )


def dimensions(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return image.size


def fetch(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(PROFILE) as srv:
        yield srv


@pytest.fixture(scope="module")
def servers() -> Iterator[ServerFactory]:
    """Servers with faults (or another profile), started once each per module.

    uvicorn takes ~0.2 s to stop; stopping them all together keeps the file fast.
    """
    started: dict[tuple[int, tuple[str, ...]], ReferenceServer] = {}

    def get(*faults: str, profile: Profile = PROFILE) -> ReferenceServer:
        key = (id(profile), faults)
        if key not in started:
            srv = ReferenceServer(profile, faults=faults)
            srv.start()
            started[key] = srv
        return started[key]

    yield get
    for srv in started.values():
        srv.request_stop()
    for srv in started.values():
        srv.stop()


# --- the contract ---------------------------------------------------------


def test_dalle2_urls_are_fetchable_pngs(server: ReferenceServer) -> None:
    r = post(
        server,
        {
            "model": "dall-e-2",
            "prompt": "a red cube",
            "n": 2,
            "size": "256x256",
            "response_format": "url",
        },
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    data = r.json()["data"]
    assert len(data) == 2
    for item in data:
        assert set(item) == {"url"}
        image = fetch(item["url"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert dimensions(image.content) == (256, 256)


def test_b64_json_decodes_to_the_requested_size(server: ReferenceServer) -> None:
    r = post(server, {"prompt": "a red cube", "size": "512x512", "response_format": "b64_json"})
    assert r.status_code == 200
    [item] = r.json()["data"]
    assert set(item) == {"b64_json"}
    assert dimensions(base64.b64decode(item["b64_json"], validate=True)) == (512, 512)


def test_dalle3_has_revised_prompt_and_exact_size(server: ReferenceServer) -> None:
    r = post(
        server,
        {
            "model": "dall-e-3",
            "prompt": "a red cube",
            "size": "1792x1024",
            "quality": "hd",
            "style": "natural",
            "response_format": "b64_json",
        },
    )
    assert r.status_code == 200
    [item] = r.json()["data"]
    assert isinstance(item["revised_prompt"], str)
    assert item["revised_prompt"].startswith("a red cube")
    assert dimensions(base64.b64decode(item["b64_json"])) == (1792, 1024)


def test_defaults_and_envelope(server: ReferenceServer) -> None:
    r = post(
        server,
        {"prompt": "a red cube", "n": None, "size": None, "user": "u-1", "unknown_extra": True},
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"created", "data"}  # the openai profile documents no usage
    assert isinstance(body["created"], int)
    assert 10**9 < body["created"] < 10**10
    [item] = body["data"]
    assert dimensions(fetch(item["url"]).content) == (1024, 1024)


# One invalid body per validation rule, and the param its error must name.
INVALID: dict[str, tuple[Json, str]] = {
    "model-unknown": ({"model": "dall-e-9", "prompt": "x"}, "model"),
    "prompt-missing": ({"n": 1}, "prompt"),
    "prompt-type": ({"prompt": 123}, "prompt"),
    "prompt-empty": ({"prompt": "   "}, "prompt"),
    "prompt-too-long": ({"prompt": "x" * 1001}, "prompt"),
    "n-type": ({"prompt": "x", "n": "2", "size": "256x256"}, "n"),
    "n-zero": ({"prompt": "x", "n": 0}, "n"),
    "n-above-max": ({"prompt": "x", "n": 11, "size": "256x256"}, "n"),
    "size-unicode-x": ({"prompt": "x", "size": "256\u00d7256"}, "size"),
    "size-unsupported": ({"prompt": "x", "size": "320x240"}, "size"),
    "response-format-unknown": (
        {"prompt": "x", "size": "256x256", "response_format": "png"},
        "response_format",
    ),
    "quality-unknown": ({"prompt": "x", "size": "256x256", "quality": "hd"}, "quality"),
    "style-unknown": ({"prompt": "x", "size": "256x256", "style": "vivid"}, "style"),
    "user-type": ({"prompt": "x", "user": 7}, "user"),
}


def test_every_rule_has_an_invalid_body() -> None:
    assert set(INVALID) == set(RULES)


@pytest.mark.parametrize("rule", list(INVALID))
def test_each_rule_refuses_with_its_param(server: ReferenceServer, rule: str) -> None:
    body, param = INVALID[rule]
    r = post(server, body)
    kind = "unknown_model" if rule == "model-unknown" else "invalid_request"
    assert r.status_code == PROFILE.errors[kind].status[0]
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert error["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"prompt": "x", "n": True}, "n"),
        ({"prompt": "x", "n": 2.0}, "n"),
        ({"prompt": "x", "n": -1}, "n"),
        ({"prompt": "x", "model": "dall-e-3", "n": 2}, "n"),
        ({"prompt": "x", "size": 256}, "size"),
        ({"prompt": "x", "model": "dall-e-3", "size": "256x256"}, "size"),
        ({"prompt": "x" * 4001, "model": "dall-e-3"}, "prompt"),
        ({"prompt": "x", "model": 2}, "model"),
    ],
)
def test_edge_values_are_refused(server: ReferenceServer, body: Json, param: str) -> None:
    r = post(server, body)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_malformed_json_is_refused(server: ReferenceServer, content: bytes) -> None:
    r = post(server, content=content, headers={**auth(server), "Content-Type": "application/json"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["param"] is None
    assert error["code"] is None
    assert "JSON" in error["message"]


def test_unknown_model_status_and_code_come_from_the_profile(server: ReferenceServer) -> None:
    r = post(server, {"model": "dall-e-9", "prompt": "x"})
    assert r.status_code in PROFILE.errors["unknown_model"].status
    assert r.json()["error"]["code"] == "model_not_found"


@pytest.mark.parametrize("key", [None, "sk-wrong"])
def test_missing_or_wrong_key_is_401(server: ReferenceServer, key: str | None) -> None:
    headers = {} if key is None else auth(server, key)
    r = post(server, {"prompt": "x"}, headers=headers)
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key"
    assert error["param"] is None
    assert server.api_key not in r.text


def test_stats_count_images_exactly(server: ReferenceServer) -> None:
    srv = server
    before = srv.stats()
    post(srv, {"prompt": "x", "n": 3, "size": "256x256"})
    post(srv, {"prompt": "x", "model": "dall-e-3"})
    post(srv, {"prompt": "x", "n": 0})
    post(srv, {"prompt": "x"}, headers={})
    after = httpx.get(f"{srv.root_url}/_reference/stats").json()
    assert after == srv.stats()
    assert after["requests"] - before["requests"] == 4
    assert after["billed_requests"] - before["billed_requests"] == 2
    assert after["generations"] - before["generations"] == 4
    assert after["faults"] == []


def test_unknown_file_is_404(server: ReferenceServer) -> None:
    assert fetch(f"{server.root_url}/v1/files/{'0' * 32}.png").status_code == 404


def test_store_is_bounded() -> None:
    state = ReferenceState(PROFILE, "k", store_limit=2)
    first, *_ = [state.store(b"png") for _ in range(3)]
    assert state.image(first) is None


# --- profile quirks -------------------------------------------------------

PROFILE_USAGE_OPENAI = dataclasses.replace(PROFILE, usage="openai")
PROFILE_CHAT_NULLS = dataclasses.replace(PROFILE, usage="chat", null_fields=True)


def test_usage_openai_shape(servers: ServerFactory) -> None:
    r = post(
        servers(profile=PROFILE_USAGE_OPENAI), {"prompt": "a red cube", "n": 2, "size": "256x256"}
    )
    usage = r.json()["usage"]
    assert usage["input_tokens"] == 3
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens_details"] == {"text_tokens": 3, "image_tokens": 0}


def test_an_empty_balance_is_refused_as_the_profile_documents(servers: ServerFactory) -> None:
    openai = servers()
    before = openai.stats()["generations"]
    r = post(openai, {"prompt": "x"}, headers=auth(openai, openai.zero_balance_key))
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "insufficient_quota"
    assert openai.stats()["generations"] == before
    modelmax = servers(profile=load_profile("modelmax"))
    r = post(modelmax, {"prompt": "x"}, headers=auth(modelmax, modelmax.zero_balance_key))
    assert r.status_code == 402


def test_chat_usage_and_null_fields_quirks(servers: ServerFactory) -> None:
    r = post(servers(profile=PROFILE_CHAT_NULLS), {"prompt": "a cube", "size": "256x256"})
    body = r.json()
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    [item] = body["data"]
    assert item["b64_json"] is None
    assert item["revised_prompt"] is None
    assert item["url"].startswith("http://")


# --- faults ---------------------------------------------------------------


def _first_item(r: httpx.Response) -> Json:
    assert r.status_code == 200, r.text
    item: Json = r.json()["data"][0]
    return item


def _refused(srv: ReferenceServer) -> httpx.Response:
    return post(srv, {"prompt": "x", "n": 0})


def _ok(srv: ReferenceServer, **extra: Any) -> httpx.Response:
    return post(srv, {"prompt": "x", "size": "256x256", **extra})


def _case_missing_key(srv: ReferenceServer) -> None:
    assert post(srv, {"prompt": "x", "size": "256x256"}, headers={}).status_code == 200


def _case_wrong_key(srv: ReferenceServer) -> None:
    assert (
        post(srv, {"prompt": "x", "size": "256x256"}, headers=auth(srv, "sk-wrong")).status_code
        == 200
    )
    assert post(srv, {"prompt": "x"}, headers={}).status_code == 401


def _case_auth_403(srv: ReferenceServer) -> None:
    r = post(srv, {"prompt": "x"}, headers=auth(srv, "sk-wrong"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


def _case_validation_500(srv: ReferenceServer) -> None:
    r = _refused(srv)
    assert r.status_code == 500
    assert r.json()["error"]["type"] == "server_error"
    assert post(srv, content=b"{").status_code == 500


def _case_validation_422(srv: ReferenceServer) -> None:
    assert _refused(srv).status_code == 422


def _case_wrong_param(srv: ReferenceServer) -> None:
    r = _refused(srv)
    assert r.status_code == 400
    assert r.json()["error"]["param"] is None


def _case_error_flat(srv: ReferenceServer) -> None:
    body = _refused(srv).json()
    assert "error" not in body
    assert body["object"] == "error"
    assert body["code"] == 400
    assert body["param"] == "n"
    assert post(srv, {"prompt": "x"}, headers={}).json()["code"] == 401


def _case_error_no_param_code(srv: ReferenceServer) -> None:
    assert set(_refused(srv).json()["error"]) == {"message", "type"}


def _case_error_html(srv: ReferenceServer) -> None:
    r = _refused(srv)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>400 Bad Request</title>" in r.text
    assert post(srv, {"prompt": "x"}, headers={}).status_code == 401


def _case_reject_hd(srv: ReferenceServer) -> None:
    r = post(srv, {"model": "dall-e-3", "prompt": "x", "quality": "hd"})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "quality"


def _case_content_type_text(srv: ReferenceServer) -> None:
    r = _ok(srv)
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(r.json()["data"]) == 1


def _case_usage_malformed(srv: ReferenceServer) -> None:
    assert _ok(srv).json()["usage"] == {"total_tokens": "many"}


def _case_data_missing(srv: ReferenceServer) -> None:
    body = _ok(srv).json()
    assert "data" not in body
    assert isinstance(body["created"], int)


def _case_usage_sum(srv: ReferenceServer) -> None:
    usage = _ok(srv).json()["usage"]
    assert usage["total_tokens"] != usage["input_tokens"] + usage["output_tokens"]


def _case_usage_missing(srv: ReferenceServer) -> None:
    # The fault is shown on a profile that documents usage in every answer.
    modelmax = load_profile("modelmax")
    with ReferenceServer(modelmax) as clean, ReferenceServer(modelmax, ["usage-missing"]) as bad:
        body = {"model": "imagen-3", "prompt": "x"}
        assert "usage" in post(clean, body).json()
        assert "usage" not in post(bad, body).json()


def _case_balance_403(srv: ReferenceServer) -> None:
    r = post(srv, {"prompt": "x"}, headers=auth(srv, srv.zero_balance_key))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "insufficient_user_quota"


def _case_json_truncated(srv: ReferenceServer) -> None:
    r = _ok(srv)
    assert r.headers["content-type"] == "application/json"
    assert r.text.startswith('{"created":')
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        r.json()


def _case_usage_zero(srv: ReferenceServer) -> None:
    assert _ok(srv).json()["usage"]["total_tokens"] == 0


def _case_error_stringly(srv: ReferenceServer) -> None:
    err = post(srv, {"prompt": ""}).json()["error"]
    assert err["code"] == "400"
    assert err["param"] == "prompt"
    assert post(srv, {"prompt": "x", "n": "2"}).json()["error"]["code"] == "400"


def _case_created_ms(srv: ReferenceServer) -> None:
    assert _ok(srv).json()["created"] > 10**11


def _case_created_null(srv: ReferenceServer) -> None:
    body = _ok(srv).json()
    assert "created" in body
    assert body["created"] is None


def _case_quality_auto(srv: ReferenceServer) -> None:
    body = _ok(srv).json()
    assert body["quality"] == "auto"
    assert body["data"]


def _case_n_ignored(srv: ReferenceServer) -> None:
    before = srv.stats()["generations"]
    assert len(_ok(srv, n=3).json()["data"]) == 1
    assert srv.stats()["generations"] - before == 1


def _case_format_ignored(srv: ReferenceServer) -> None:
    assert set(_first_item(_ok(srv, response_format="b64_json"))) == {"url"}


def _case_both_formats(srv: ReferenceServer) -> None:
    assert set(_first_item(_ok(srv))) == {"url", "b64_json"}


def _case_null_fields(srv: ReferenceServer) -> None:
    item = _first_item(_ok(srv))
    assert item["b64_json"] is None
    assert item["revised_prompt"] is None
    assert item["url"]


def _case_null_top_level(srv: ReferenceServer) -> None:
    body = _ok(srv).json()
    assert [body[k] for k in ("background", "output_format", "quality", "size")] == [None] * 4
    assert None not in body["data"][0].values()


def _case_b64_data_uri(srv: ReferenceServer) -> None:
    value = _first_item(_ok(srv, response_format="b64_json"))["b64_json"]
    assert value.startswith("data:image/png;base64,")


def _case_b64_url(srv: ReferenceServer) -> None:
    value = _first_item(_ok(srv, response_format="b64_json"))["b64_json"]
    # The image's own link where its base64 belongs: it serves the image.
    assert value.startswith("http")
    got = fetch(value)
    assert got.status_code == 200
    assert got.content.startswith(PNG_MAGIC)


def _case_b64_not_image(srv: ReferenceServer) -> None:
    value = _first_item(_ok(srv, response_format="b64_json"))["b64_json"]
    assert not base64.b64decode(value, validate=True).startswith(PNG_MAGIC)


def _case_url_404(srv: ReferenceServer) -> None:
    assert fetch(_first_item(_ok(srv))["url"]).status_code == 404


def _case_url_relative(srv: ReferenceServer) -> None:
    url = _first_item(_ok(srv))["url"]
    assert url.startswith("/v1/files/")
    assert fetch(srv.root_url + url).status_code == 200


def _case_wrong_dimensions(srv: ReferenceServer) -> None:
    value = _first_item(_ok(srv, response_format="b64_json"))["b64_json"]
    assert dimensions(base64.b64decode(value)) == (128, 128)


def _case_revised_prompt_number(srv: ReferenceServer) -> None:
    assert _first_item(_ok(srv))["revised_prompt"] == 42


FAULT_CASES: dict[str, Callable[[ReferenceServer], None]] = {
    "accept-missing-key": _case_missing_key,
    "accept-wrong-key": _case_wrong_key,
    "auth-403": _case_auth_403,
    "validation-500": _case_validation_500,
    "validation-422": _case_validation_422,
    "wrong-param": _case_wrong_param,
    "error-flat": _case_error_flat,
    "error-no-param-code": _case_error_no_param_code,
    "error-html": _case_error_html,
    "reject-hd": _case_reject_hd,
    "content-type-text": _case_content_type_text,
    "usage-malformed": _case_usage_malformed,
    "data-missing": _case_data_missing,
    "usage-sum": _case_usage_sum,
    "usage-missing": _case_usage_missing,
    "balance-403": _case_balance_403,
    "json-truncated": _case_json_truncated,
    "usage-zero": _case_usage_zero,
    "error-stringly": _case_error_stringly,
    "created-ms": _case_created_ms,
    "created-null": _case_created_null,
    "quality-auto": _case_quality_auto,
    "n-ignored": _case_n_ignored,
    "format-ignored": _case_format_ignored,
    "both-formats": _case_both_formats,
    "null-fields": _case_null_fields,
    "null-top-level": _case_null_top_level,
    "b64-data-uri": _case_b64_data_uri,
    "b64-url": _case_b64_url,
    "b64-not-image": _case_b64_not_image,
    "url-404": _case_url_404,
    "url-relative": _case_url_relative,
    "wrong-dimensions": _case_wrong_dimensions,
    "revised-prompt-number": _case_revised_prompt_number,
}


def test_every_fault_is_tested() -> None:
    # the GPT models' faults, their streams', the model list's and the edits'
    from tests.test_dimensions import DIMENSION_FAULT_CASES
    from tests.test_edits_server import EDIT_FAULT_CASES
    from tests.test_server_gpt import (
        GPT_FAULT_CASES,
        MODELS_FAULT_CASES,
        STREAM_FAULT_CASES,
        TODAY_FAULT_CASES,
    )

    tested = set(FAULT_CASES) | set(ACCEPT_RULE_FAULTS) | set(GPT_FAULT_CASES)
    tested |= set(DIMENSION_FAULT_CASES) | set(TODAY_FAULT_CASES)
    from tests.test_answer_shape import SHAPE_FAULTS_SEEN
    from tests.test_error_envelope import ENVELOPE_FAULTS_SEEN

    tested |= set(SHAPE_FAULTS_SEEN) | set(ENVELOPE_FAULTS_SEEN)
    streams_lists_edits = set(STREAM_FAULT_CASES) | set(MODELS_FAULT_CASES) | set(EDIT_FAULT_CASES)
    assert set(FAULTS) == tested | streams_lists_edits
    assert all(FAULTS[name].breaks for name in FAULTS)


@pytest.mark.parametrize("fault", list(FAULT_CASES))
def test_fault_changes_behaviour(servers: ServerFactory, fault: str) -> None:
    FAULT_CASES[fault](servers(fault))


# The GPT models' own rules: tests/test_server_gpt.py.
@pytest.mark.parametrize(
    "fault",
    [f for f, rule in ACCEPT_RULE_FAULTS.items() if rule in INVALID or rule == MALFORMED_JSON],
)
def test_accept_fault_serves_what_the_rule_refuses(servers: ServerFactory, fault: str) -> None:
    rule = ACCEPT_RULE_FAULTS[fault]
    srv = servers(fault)
    r = post(srv, content=b"{not json") if rule == MALFORMED_JSON else post(srv, INVALID[rule][0])
    assert r.status_code == 200, r.text
    assert r.json()["data"]
    assert FAULTS[fault].breaks == "validation.rejected"


@pytest.mark.parametrize(
    ("fault", "body", "expected"),
    [
        ("accept-n-above-max", {"prompt": "x", "n": 50, "size": "256x256"}, (10, (256, 256))),
        ("accept-n-type", {"prompt": "x", "n": "3", "size": "256x256"}, (3, (256, 256))),
        ("accept-size-unsupported", {"prompt": "x", "size": "320x240"}, (1, (320, 240))),
        ("accept-size-unsupported", {"prompt": "x", "size": "9x99999"}, (1, (64, 2048))),
        ("accept-size-unicode-x", {"prompt": "x", "size": "256\u00d7256"}, (1, (256, 256))),
    ],
)
def test_accept_faults_coerce_tolerantly(
    servers: ServerFactory, fault: str, body: Json, expected: tuple[int, tuple[int, int]]
) -> None:
    r = post(servers(fault), {**body, "response_format": "b64_json"})
    data = r.json()["data"]
    count, size = expected
    assert len(data) == count
    assert dimensions(base64.b64decode(data[0]["b64_json"])) == size


def test_accept_size_unicode_x_still_checks_the_size(servers: ServerFactory) -> None:
    r = post(servers("accept-size-unicode-x"), {"prompt": "x", "size": "999\u00d7999"})
    assert r.json()["error"]["param"] == "size"


def test_faults_combine(servers: ServerFactory) -> None:
    srv = servers("accept-n-zero", "created-ms", "wrong-param")
    assert _ok(srv, n=0).json()["created"] > 10**11
    assert post(srv, {"prompt": ""}).json()["error"]["param"] is None


# --- construction ---------------------------------------------------------


def test_create_app_rejects_unknown_fault() -> None:
    with pytest.raises(UnknownFaultError, match="no-such-fault") as raised:
        create_app(PROFILE, "k", ["n-ignored", "no-such-fault", "n-ignord"])
    # One line naming every misspelt fault.
    assert str(raised.value) == (
        "unknown faults 'no-such-fault', 'n-ignord'; "
        "see `python -m conformance serve --list-faults`"
    )
    assert unknown_faults(["x", "n-ignored", "x"]) == ["x"]


def test_a_fault_the_server_asks_about_is_a_declared_one() -> None:
    state = ReferenceState(PROFILE, "k", frozenset({"n-ignored"}))
    assert state.has(registry.N_IGNORED)
    assert not state.has(registry.CREATED_MS)
    # A Fault that is not the registry's own (a typo'd copy) fails loudly.
    stray = dataclasses.replace(registry.N_IGNORED, name="n-ignore")
    with pytest.raises(KeyError, match="n-ignore"):
        state.has(stray)


def test_every_fault_is_declared_once_and_every_switch_names_one() -> None:
    # Each fault constant of faults.py is in the registry under its own name,
    # and the server's modules ask about faults only through those constants.
    constants = [v for v in vars(registry).values() if isinstance(v, registry.Fault)]
    assert all(registry.FAULTS[c.name] is c for c in constants)
    assert len(registry.FAULTS) == len(constants) + len(registry.ACCEPT_RULE_FAULTS)
    server = Path(registry.__file__).parent
    for module in server.glob("*.py"):
        assert 'has("' not in module.read_text(), f"{module.name} asks for a fault by string"


def test_server_api_key_and_urls() -> None:
    srv = ReferenceServer(PROFILE)
    assert srv.api_key.startswith("sk-ref-")
    assert ReferenceServer(PROFILE, api_key="sk-mine").api_key == "sk-mine"
    with pytest.raises(RuntimeError):
        _ = srv.base_url


def test_startup_timeout_fails_loudly() -> None:
    never = types.SimpleNamespace(started=False)
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            ReferenceServer._await_startup(never, thread, 0.05)  # type: ignore[arg-type]
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize(("width", "height"), [(1792, 1024), (256, 256), (1, 1)])
def test_render_png_is_an_rgb_png_of_the_exact_size(width: int, height: int) -> None:
    png = render_png(width, height, f"dall-e-3 {width}x{height}")
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (width, height)
        assert image.mode == "RGB"
    assert len(png) < 100_000


def test_serve_prints_its_url_and_serves() -> None:
    code = (
        "from conformance.profile import load_profile\n"
        "from conformance.server.runner import serve\n"
        "serve(load_profile('openai-dalle'), '127.0.0.1', 0, 'sk-ref-local', ['n-ignored'])\n"
    )
    root = Path(__file__).resolve().parent.parent
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=root
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "OPENAI_API_KEY=sk-ref-local" in line
            assert "n-ignored" in line
            url = next(word for word in line.split() if word.startswith("http://"))
            r = httpx.post(
                url + GENERATIONS,
                json={"prompt": "x", "n": 2, "size": "256x256"},
                headers={"Authorization": "Bearer sk-ref-local"},
                timeout=10,
            )
            assert len(r.json()["data"]) == 1
        finally:
            proc.terminate()


# --- server options ---------------------------------------------------------------


def test_latency_applies_to_generations_only() -> None:
    with ReferenceServer(PROFILE, latency_s=0.3) as srv:
        started = time.monotonic()
        assert _refused(srv).status_code == 400
        refused_s = time.monotonic() - started
        started = time.monotonic()
        assert _ok(srv).status_code == 200
        assert time.monotonic() - started >= 0.3
    assert refused_s < 0.3


def test_flaky_answers_are_429_with_retry_after_or_503_and_bill_nothing() -> None:
    with ReferenceServer(PROFILE, flaky=1.0, seed=7) as srv:
        answers = [_ok(srv) for _ in range(12)]
        stats = srv.stats()
    assert {r.status_code for r in answers} == {429, 503}
    assert all(r.headers["retry-after"] == "1" for r in answers if r.status_code == 429)
    assert stats["flaky_answers"] == 12
    assert stats["generations"] == 0
    with pytest.raises(ValueError, match="flaky"):
        create_app(PROFILE, "k", flaky=1.5)
