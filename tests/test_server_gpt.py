"""The reference server emulating the GPT image models: their rules, answers and faults."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.lifecycle.dates import TODAY_ENV
from conformance.profile import load_profile
from conformance.server import ReferenceServer
from conformance.server.faults import ACCEPT_RULE_FAULTS, FAULTS
from conformance.server.gpt_contract import GPT_TOLERATED, model_rules
from conformance.sse import COMPLETED, PARTIAL, is_event_stream, parse_stream

PROFILE = load_profile("openai")
Json = dict[str, Any]
ServerFactory = Callable[..., ReferenceServer]


def post(srv: ReferenceServer, body: Json) -> httpx.Response:
    return httpx.post(
        srv.base_url + "/images/generations",
        json=body,
        headers={"Authorization": f"Bearer {srv.api_key}"},
        timeout=30,
    )


def image(r: httpx.Response, index: int = 0) -> Image.Image:
    assert r.status_code == 200, r.text
    data = base64.b64decode(r.json()["data"][index]["b64_json"], validate=True)
    opened = Image.open(io.BytesIO(data))
    opened.load()
    return opened


def gpt2(**fields: Any) -> Json:
    return {"model": "gpt-image-2", "prompt": "a red cube", "quality": "low", **fields}


@pytest.fixture(scope="module")
def servers() -> Iterator[ServerFactory]:
    started: dict[tuple[str, ...], ReferenceServer] = {}

    def get(*faults: str) -> ReferenceServer:
        if faults not in started:
            started[faults] = ReferenceServer(PROFILE, faults=faults)
            started[faults].start()
        return started[faults]

    yield get
    for srv in started.values():
        srv.request_stop()
    for srv in started.values():
        srv.stop()


# --- the contract -------------------------------------------------------------


def test_an_answer_is_base64_only_with_the_settings_echoed_and_usage(
    servers: ServerFactory,
) -> None:
    r = post(servers(), gpt2(size="1536x1024", n=2))
    body = r.json()
    assert set(body) == {
        "created",
        "data",
        "background",
        "output_format",
        "quality",
        "size",
        "usage",
    }
    assert [set(item) for item in body["data"]] == [{"b64_json"}, {"b64_json"}]
    assert (body["size"], body["quality"], body["output_format"]) == ("1536x1024", "low", "png")
    assert body["background"] == "opaque"  # auto, resolved
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["output_tokens"] > 0
    assert set(usage["input_tokens_details"]) == {"text_tokens", "image_tokens"}
    assert image(r).size == (1536, 1024)


@pytest.mark.parametrize(("fmt", "pil"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_images_are_really_in_the_format_asked(servers: ServerFactory, fmt: str, pil: str) -> None:
    assert image(post(servers(), gpt2(output_format=fmt))).format == pil


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_transparent_images_have_see_through_pixels(servers: ServerFactory, fmt: str) -> None:
    drawn = image(post(servers(), gpt2(background="transparent", output_format=fmt)))
    assert drawn.mode == "RGBA"
    low, high = drawn.getchannel("A").getextrema()
    assert (low, high) == (0, 255)


def test_auto_and_null_resolve_to_a_listed_size_and_a_real_quality(servers: ServerFactory) -> None:
    body = post(servers(), gpt2(size=None, quality="auto", background=None, n=None)).json()
    assert body["size"] in PROFILE.models["gpt-image-2"].sizes
    assert body["quality"] in ("low", "medium", "high")
    assert "auto" not in (body["size"], body["quality"], body["background"])


def test_gpt_image_2_takes_any_size_its_rule_allows(servers: ServerFactory) -> None:
    assert image(post(servers(), gpt2(size="1536x864"))).size == (1536, 864)
    # A model shut down on 2026-12-01 is answered as OpenAI answers it from that day.
    gone = post(servers(), {**gpt2(size="1536x864"), "model": "gpt-image-1.5"})
    assert gone.status_code == 400
    assert (gone.json()["error"]["param"], gone.json()["error"]["code"]) == (
        "model",
        "model_not_found",
    )


# One body breaking each GPT-only rule of gpt-image-2, and the param its error names.
GPT_INVALID: dict[str, tuple[Json, str | None]] = {
    "size-unsupported": (gpt2(size="huge"), "size"),
    "size-multiple": (gpt2(size="1000x1000"), "size"),
    "size-ratio": (gpt2(size="3200x640"), "size"),
    "size-edge": (gpt2(size="4096x1536"), "size"),
    "size-pixels-min": (gpt2(size="512x512"), "size"),
    "size-pixels-max": (gpt2(size="3840x2176"), "size"),
    "quality-unknown": (gpt2(quality="hd"), "quality"),
    "background-unknown": (gpt2(background="none"), "background"),
    "output-format-unknown": (gpt2(output_format="bmp"), "output_format"),
    "output-compression-range": (
        gpt2(output_format="jpeg", output_compression=101),
        "output_compression",
    ),
    "moderation-unknown": (gpt2(moderation="high"), "moderation"),
    "stream-unknown": (gpt2(stream="yes"), "stream"),
    "partial-images-range": (gpt2(stream=True, partial_images=4), "partial_images"),
    "response-format-unsupported": (gpt2(response_format="b64_json"), "response_format"),
    "style-unsupported": (gpt2(style="vivid"), "style"),
    "transparent-needs-png-or-webp": (
        gpt2(background="transparent", output_format="jpeg"),
        "background",
    ),
    "compression-needs-jpeg-or-webp": (gpt2(output_format="png", output_compression=50), None),
    "user-type": (gpt2(user=7), "user"),
    "safety-identifier-type": (gpt2(safety_identifier=7), "safety_identifier"),
}


def gpt26(**fields: Any) -> Json:
    return {**gpt2(**fields), "model": "gpt-image-2.6-flare"}


# The 2.6 models' own rules (complexity, GIF, SVG).
GPT_INVALID.update(
    {
        "complexity-unknown": (gpt26(complexity="extreme"), "complexity"),
        "frame-count-range": (gpt26(output_format="gif", frame_count=17), "frame_count"),
        "svg-type": (gpt26(output_format="svg", svg="gpt-5.5"), "svg"),
        "gif-no-stream": (gpt26(output_format="gif", stream=True), "stream"),
        "gif-no-partial-images": (gpt26(output_format="gif", partial_images=1), "partial_images"),
        "gif-no-compression": (
            gpt26(output_format="gif", output_compression=50),
            "output_compression",
        ),
        "frames-need-gif": (gpt26(frame_count=2), "frame_count"),
        "frame-duration-ms-range": (
            gpt26(output_format="gif", frame_duration_ms="slow"),
            "frame_duration_ms",
        ),
        "svg-no-stream": (gpt26(output_format="svg", stream=True), "stream"),
        "svg-no-partial-images": (gpt26(output_format="svg", partial_images=1), "partial_images"),
        "svg-no-compression": (
            gpt26(output_format="svg", output_compression=50),
            "output_compression",
        ),
        "svg-single-image": (gpt26(output_format="svg", n=2), "n"),
        "svg-object-needs-svg": (gpt26(svg={"model": "gpt-5.5"}), "svg"),
    }
)


def test_every_gpt_rule_has_an_invalid_body() -> None:
    shared = {"prompt-missing", "prompt-type", "prompt-empty", "prompt-too-long"}
    shared |= {"n-type", "n-zero", "n-above-max", "size-unicode-x"}
    rules = {name for name, _ in model_rules(PROFILE.models["gpt-image-2"])}
    rules |= {name for name, _ in model_rules(PROFILE.models["gpt-image-2.6-flare"])}
    assert set(GPT_INVALID) == rules - shared
    assert set(GPT_TOLERATED) <= set(GPT_INVALID)


@pytest.mark.parametrize("rule", list(GPT_INVALID))
def test_each_gpt_rule_refuses_with_its_param(servers: ServerFactory, rule: str) -> None:
    body, param = GPT_INVALID[rule]
    r = post(servers(), body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == param
    assert error["message"]
    if rule.endswith("-unsupported") and rule != "size-unsupported":
        assert error["code"] == "unknown_parameter"
    if rule == "compression-needs-jpeg-or-webp":
        assert error["code"] == "invalid_png_output_compression"


def test_partial_images_without_stream_is_not_refused(servers: ServerFactory) -> None:
    # Not established at OpenAI: the server tolerates it and the suite never probes it.
    assert post(servers(), gpt2(partial_images=2)).status_code == 200


@pytest.mark.parametrize(
    "fault", [f for f, rule in ACCEPT_RULE_FAULTS.items() if rule in GPT_TOLERATED]
)
def test_gpt_accept_fault_serves_what_the_rule_refuses(servers: ServerFactory, fault: str) -> None:
    r = post(servers(fault), GPT_INVALID[ACCEPT_RULE_FAULTS[fault]][0])
    assert r.status_code == 200, r.text
    if is_event_stream(r.headers["content-type"]):
        # stream: true with partial_images out of range: streamed, the partials ignored.
        [event] = parse_stream(r.content).events
        assert event.type == COMPLETED
        assert event.payload["b64_json"]
    else:
        assert r.json()["data"][0]["b64_json"]
    assert FAULTS[fault].profile == "openai"


# --- faults -------------------------------------------------------------------


def _case_url(srv: ReferenceServer) -> None:
    [item] = post(srv, gpt2()).json()["data"]
    assert set(item) == {"url"}
    assert httpx.get(item["url"], timeout=10).status_code == 200


def _case_usage_missing(srv: ReferenceServer) -> None:
    assert "usage" not in post(srv, gpt2()).json()


def _case_usage_no_output(srv: ReferenceServer) -> None:
    usage = post(srv, gpt2()).json()["usage"]
    assert usage["output_tokens"] == 0
    assert usage["total_tokens"] == usage["input_tokens"]


def _case_png_for_jpeg(srv: ReferenceServer) -> None:
    r = post(srv, gpt2(output_format="jpeg"))
    assert r.json()["output_format"] == "jpeg"
    assert image(r).format == "PNG"


def _case_opaque(srv: ReferenceServer) -> None:
    r = post(srv, gpt2(background="transparent"))
    assert r.json()["background"] == "transparent"
    assert image(r).mode == "RGB"


def _case_echo_auto(srv: ReferenceServer) -> None:
    body = post(srv, gpt2(quality="auto")).json()
    assert (body["size"], body["quality"], body["background"]) == ("auto", "auto", "auto")
    assert post(srv, gpt2(size="1024x1024")).json()["size"] == "1024x1024"


def _case_auto_size(srv: ReferenceServer) -> None:
    assert image(post(srv, gpt2(size="auto"))).size == (1344, 768)
    assert image(post(srv, gpt2(size="1024x1536"))).size == (1024, 1536)


def _case_n_ignored(srv: ReferenceServer) -> None:
    assert len(post(srv, gpt2(n=2)).json()["data"]) == 1


def _case_usage_malformed(srv: ReferenceServer) -> None:
    assert post(srv, gpt2()).json()["usage"] == {"total_tokens": "many"}


def _case_usage_sum(srv: ReferenceServer) -> None:
    usage = post(srv, gpt2()).json()["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] + 1


def _case_data_missing(srv: ReferenceServer) -> None:
    body = post(srv, gpt2()).json()
    assert "data" not in body
    assert body["size"] == "1024x1024"


def _case_null_fields(srv: ReferenceServer) -> None:
    [item] = post(srv, gpt2()).json()["data"]
    assert item["url"] is None
    assert item["revised_prompt"] is None
    assert item["b64_json"]


def _case_b64_data_uri(srv: ReferenceServer) -> None:
    [item] = post(srv, gpt2(output_format="webp")).json()["data"]
    assert item["b64_json"].startswith("data:image/webp;base64,")


def _case_b64_not_image(srv: ReferenceServer) -> None:
    [item] = post(srv, gpt2()).json()["data"]
    assert base64.b64decode(item["b64_json"], validate=True).startswith(b"not an image")


GPT_FAULT_CASES: dict[str, Callable[[ReferenceServer], None]] = {
    "gpt-n-ignored": _case_n_ignored,
    "gpt-usage-malformed": _case_usage_malformed,
    "gpt-usage-sum": _case_usage_sum,
    "gpt-data-missing": _case_data_missing,
    "gpt-null-fields": _case_null_fields,
    "gpt-b64-data-uri": _case_b64_data_uri,
    "gpt-b64-not-image": _case_b64_not_image,
    "gpt-url": _case_url,
    "gpt-usage-missing": _case_usage_missing,
    "gpt-usage-no-output": _case_usage_no_output,
    "gpt-png-for-jpeg": _case_png_for_jpeg,
    "gpt-opaque": _case_opaque,
    "gpt-echo-auto": _case_echo_auto,
    "gpt-auto-size": _case_auto_size,
}


@pytest.mark.parametrize("fault", list(GPT_FAULT_CASES))
def test_gpt_fault_changes_behaviour(servers: ServerFactory, fault: str) -> None:
    GPT_FAULT_CASES[fault](servers(fault))


# --- today's parameters and outputs (issue 20): each fault, then the clean server ----


def _flare(**fields: Any) -> Json:
    return gpt2(model="gpt-image-2.6-flare", size="1024x1024", **fields)


def _frames(r: httpx.Response) -> tuple[int, list[int]]:
    assert r.status_code == 200, r.text
    gif = Image.open(io.BytesIO(base64.b64decode(r.json()["data"][0]["b64_json"])))
    assert gif.format == "GIF"
    delays = []
    for index in range(gif.n_frames):
        gif.seek(index)
        delays.append(int(gif.info.get("duration", 0)))
    return gif.n_frames, delays


def _gif(srv: ReferenceServer) -> tuple[int, list[int]]:
    return _frames(post(srv, _flare(output_format="gif", frame_count=3, frame_duration_ms=120)))


def _svg(srv: ReferenceServer) -> httpx.Response:
    r = post(srv, _flare(output_format="svg", svg={"model": "gpt-5.5"}))
    assert r.status_code == 200, r.text
    return r


def _svg_bytes(r: httpx.Response) -> bytes:
    return base64.b64decode(r.json()["data"][0]["b64_json"])


def _long_prompt() -> Json:
    return gpt2(prompt="a red cube on a white table " * 160)  # 4480 characters


def _identifiers(srv: ReferenceServer) -> tuple[Any, Any]:
    given = post(srv, gpt2(safety_identifier="hashed-user-1")).json()
    fallback = post(srv, gpt2(user="app-user-7")).json()
    return given.get("safety_identifier"), fallback.get("safety_identifier")


TODAY_FAULT_CASES: dict[str, tuple[Callable[[ReferenceServer], object], object, object]] = {
    # fault: (what to observe, on the faulty server, on the clean one)
    "gpt-quality-downgrade": (
        lambda srv: post(srv, gpt2(model="gpt-image-2.5-flare", quality="xhigh")).json()["quality"],
        "high",
        "xhigh",
    ),
    "safety-identifier-missing": (_identifiers, (None, None), ("hashed-user-1", "app-user-7")),
    "safety-identifier-no-fallback": (
        _identifiers,
        ("hashed-user-1", None),
        ("hashed-user-1", "app-user-7"),
    ),
    "prompt-limit-4000": (lambda srv: post(srv, _long_prompt()).status_code, 400, 200),
    "gif-still": (lambda srv: _gif(srv)[0], 1, 3),
    "gif-delay-ignored": (lambda srv: set(_gif(srv)[1]), {200}, {120}),
    "svg-not-xml": (lambda srv: _svg_bytes(_svg(srv))[:5], b"\x89PNG\r", b"<?xml"),
    "svg-usage-missing": (lambda srv: "svg_usage" in _svg(srv).json(), False, True),
    "stream-no-event-lines": (
        # Without an event: line, SSE names every event "message".
        lambda srv: {e.name for e in _streamed(srv)[1].events},
        {"message"},
        {PARTIAL, COMPLETED},
    ),
    "stream-no-partials": (
        lambda srv: [e.type for e in _streamed(srv)[1].events],
        [COMPLETED],
        [PARTIAL, COMPLETED],
    ),
}


@pytest.mark.parametrize("fault", list(TODAY_FAULT_CASES))
def test_todays_fault_changes_behaviour(servers: ServerFactory, fault: str) -> None:
    observe, faulty, clean = TODAY_FAULT_CASES[fault]
    assert observe(servers(fault)) == faulty
    assert observe(servers()) == clean


# --- the stream faults, seen on the wire ------------------------------------------------


def _streamed(srv: ReferenceServer) -> tuple[httpx.Response, Any]:
    r = post(srv, gpt2(size="1024x1024", stream=True, partial_images=1))
    assert r.status_code == 200, r.text
    return r, parse_stream(r.content)


def _case_stream_as_json(srv: ReferenceServer) -> None:
    r = post(srv, gpt2(size="1024x1024", stream=True, partial_images=1))
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["data"][0]["b64_json"]


def _case_stream_content_type_text(srv: ReferenceServer) -> None:
    r, parsed = _streamed(srv)
    assert r.headers["content-type"].startswith("text/plain")
    assert [e.type for e in parsed.events] == [PARTIAL, COMPLETED]


def _case_stream_event_without_data(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    assert [(e.name, e.data) for e in parsed.events][1] == ("ping", "")


def _case_stream_flat_error(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    assert [e.type for e in parsed.events] == [PARTIAL, "error"]
    assert "error" not in parsed.events[-1].payload  # flat, not {"error": {...}}


def _case_stream_partial_index_one_based(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    assert parsed.of_type(PARTIAL)[0].payload["partial_image_index"] == 1


def _case_stream_no_completed(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    assert [e.type for e in parsed.events] == [PARTIAL]


def _case_stream_completed_no_usage(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    [done] = parsed.of_type(COMPLETED)
    assert "usage" not in done.payload
    assert done.payload["b64_json"]


def _case_stream_done(srv: ReferenceServer) -> None:
    _, parsed = _streamed(srv)
    assert [e.type for e in parsed.events[:2]] == [PARTIAL, COMPLETED]
    assert parsed.events[-1].done


def _case_stream_done_padded(srv: ReferenceServer) -> None:
    r, parsed = _streamed(srv)
    assert [e.type for e in parsed.events[:2]] == [PARTIAL, COMPLETED]
    assert r.content.endswith(b"data: [DONE] \n\n")


STREAM_FAULT_CASES: dict[str, Callable[[ReferenceServer], None]] = {
    "stream-as-json": _case_stream_as_json,
    "stream-content-type-text": _case_stream_content_type_text,
    "stream-event-without-data": _case_stream_event_without_data,
    "stream-flat-error": _case_stream_flat_error,
    "stream-partial-index-one-based": _case_stream_partial_index_one_based,
    "stream-no-completed": _case_stream_no_completed,
    "stream-completed-no-usage": _case_stream_completed_no_usage,
    "stream-done": _case_stream_done,
    "stream-done-padded": _case_stream_done_padded,
}


@pytest.mark.parametrize("fault", list(STREAM_FAULT_CASES))
def test_stream_fault_changes_behaviour(servers: ServerFactory, fault: str) -> None:
    _, clean = _streamed(servers())
    assert [e.type for e in clean.events] == [PARTIAL, COMPLETED]  # what each fault changes
    STREAM_FAULT_CASES[fault](servers(fault))


# --- GET /v1/models and its faults, as of the day gpt-image-1-mini and -1.5 shut down

SHUTDOWN_DAY = "2026-12-01"


def _listed(srv: ReferenceServer) -> dict[str, Any]:
    r = httpx.get(
        srv.base_url + "/models", headers={"Authorization": f"Bearer {srv.api_key}"}, timeout=30
    )
    assert r.status_code == 200, r.text
    assert r.json()["object"] == "list"
    return {m["id"]: m["shutdown_date"] for m in r.json()["data"]}


_TODAY_S = tuple(PROFILE.models)
MODELS_FAULT_CASES: dict[str, Json] = {
    "models-list-omits": {m: None for m in _TODAY_S if m != "gpt-image-2"},
    "models-list-shut-down": dict.fromkeys(_TODAY_S, "2026-11-30"),
    "models-list-shutdown-soon": dict.fromkeys(_TODAY_S, "2026-12-16"),
    # On openai-legacy (the fault's profile): its models, past their shutdown, as live.
    "models-list-serves-shut-down": {"gpt-image-1-mini": None, "gpt-image-1.5": None},
}


def test_the_model_list_leaves_out_what_is_shut_down_and_needs_the_key(
    servers: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    srv = servers()
    generated = srv.stats()["generations"]
    assert _listed(srv) == dict.fromkeys(_TODAY_S)
    assert httpx.get(srv.base_url + "/models", timeout=30).status_code == 401
    assert srv.stats()["generations"] == generated  # free: nothing generated


@pytest.mark.parametrize("fault", list(MODELS_FAULT_CASES))
def test_models_fault_changes_the_list(
    servers: ServerFactory, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    if FAULTS[fault].profile == PROFILE.name:
        assert _listed(servers(fault)) == MODELS_FAULT_CASES[fault]
        return
    with ReferenceServer(load_profile(FAULTS[fault].profile), faults=(fault,)) as srv:
        assert _listed(srv) == MODELS_FAULT_CASES[fault]


def test_the_legacy_list_leaves_out_its_shut_down_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    with ReferenceServer(load_profile("openai-legacy")) as clean:
        assert _listed(clean) == {}
