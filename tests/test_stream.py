"""Streaming: planned and billed with partial images, parsed, judged, recorded for replay."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.clients.python import replay_client
from conformance.exchange import RecordedResponse
from conformance.gpt.pricing import request_price
from conformance.plan import build_plan
from conformance.probes import potential_images
from conformance.profile import bundled_profiles, load_profile
from conformance.recording import read_recording
from conformance.sse import COMPLETED, PARTIAL, StreamProgress, parse_stream
from conformance.transport.client import billed_images
from tests.conftest import SuiteRun

OPENAI = load_profile("openai")
RunSuite = Callable[..., SuiteRun]
MINI = ("--profile", "openai", "--models", "gpt-image-2", "--probes", "fixed")


def _event(kind: str, **data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


STREAM = _event(PARTIAL, b64_json="AAAA", partial_image_index=0) + _event(
    COMPLETED, b64_json="AAAA"
)

# --- planning and billing -----------------------------------------------------------


def test_every_streaming_gpt_model_streams_its_two_cheapest_covering_requests() -> None:
    for model in OPENAI.models:
        # Alone in its run: a run's second streaming model asks n = 2 instead of a
        # partial image (tests/test_gpt_plan.py), streaming once.
        plan = build_plan(OPENAI, [model])
        spec = OPENAI.models[model]
        billable = [p for p in plan.billable if p.model == model and p.operation == "generations"]
        streams = [p for p in billable if p.expect.stream]
        # Streams are covering requests, not requests of their own: each carries its
        # row's values, and the one with a partial image is the cheapest request.
        assert len(streams) == 2
        # One request per value of the longest list: quality's, 6 on the 2.5 models.
        assert spec.gpt is not None
        assert len(billable) == max(4, len(spec.gpt.values("quality")))
        partial, plain = streams
        assert (partial.body or {})["partial_images"] == 1
        assert "partial_images" not in (plain.body or {})
        assert [p.expect.images for p in streams] == [2, 1]
        assert [p.potential_images for p in streams] == [2, 1]
        for probe in streams:
            body = dict(probe.body or {})
            assert body["stream"] is True
            assert {"size", "output_format"} <= set(body)
        assert (partial.body or {})["quality"] == "low"
        prices = [request_price(spec, p.body, 1) or 0 for p in billable]
        assert request_price(spec, partial.body, 1) == min(prices)


def test_a_partial_image_is_reserved_like_an_image() -> None:
    assert potential_images({"stream": True, "partial_images": 2, "n": 2}) == 6
    assert potential_images({"stream": True, "partial_images": 4}) == 5  # refused, if accepted
    assert potential_images({"partial_images": 2}) == 1  # no stream: no partial images


def test_billing_counts_every_partial_and_completed_image_of_a_stream() -> None:
    answer = RecordedResponse(200, [("content-type", "text/event-stream")], STREAM)
    assert billed_images(answer, 1) == 2


def test_plan_lists_the_streams_with_their_partial_images_in_the_cost(
    run_cli: Callable[..., SuiteRun],
) -> None:
    run = run_cli("run", "--plan", "--models", "gpt-image-2", "--fuzz-examples", "0")
    assert run.exit_code == 0, run.output
    lines = {line.split()[0]: line for line in run.output.splitlines() if line.startswith("    ")}
    partial = lines["gen-1536x1024-low-transparent-png-low-stream-p1"]
    assert "1 image(s) + 1 partial(s)" in partial
    assert "$0.010" in partial  # two images at $0.005
    assert "stream=true, partial_images=1" in partial
    plain = lines["gen-1024x1536-high-opaque-jpeg-auto-stream"]
    assert "stream=true, partial_images=0 (default)" in plain


# --- parsing --------------------------------------------------------------------------


def test_recorded_streams_parse_as_the_clients_read_them() -> None:
    crlf = STREAM.replace(b"\n", b"\r\n") + b"data: [DONE]\r\n\r\n"
    parsed = parse_stream(b": ping\n\n" + crlf)
    assert [e.type for e in parsed.events] == [PARTIAL, COMPLETED, None]
    assert parsed.events[-1].done
    assert len(parsed.read_by_clients) == 2
    ping = parse_stream(b"event: ping\n\n" + STREAM)
    assert ping.events[0].problem == "no data: line (the data is empty)"
    cut = parse_stream(STREAM.rstrip(b"\n"))
    assert cut.unterminated is not None
    assert cut.unterminated.type == COMPLETED
    assert len(cut.events) == 1


def test_progress_counts_what_the_parser_finds_however_the_bytes_arrive() -> None:
    body = (b": keep-alive\r\n\r\n" + STREAM.replace(b"\n", b"\r\n")) * 3 + STREAM
    rng = random.Random(12)
    for _ in range(20):
        progress = StreamProgress()
        at = 0
        while at < len(body):
            step = rng.randint(1, 40)
            progress.feed(body[at : at + step])
            at += step
        assert progress.events == {PARTIAL: 4, COMPLETED: 4}
        assert progress.comments == 3
        assert "no image_generation.completed" not in progress.describe()


def test_progress_keeps_a_short_prefix_of_a_huge_line() -> None:
    progress = StreamProgress()
    progress.feed(b'data: {"type":"image_generation.partial_image","b64_json":"')
    for _ in range(10):
        progress.feed(b"A" * 1024 * 1024)
    assert progress.line_bytes > 10 * 1024 * 1024
    assert len(progress._prefix) <= 512
    assert "bytes into an unfinished line (one event's whole image" in progress.describe()


# --- a model that declares no streaming ----------------------------------------------


def _no_stream_profile(tmp_path: Path) -> Path:
    raw = yaml.safe_load(bundled_profiles()["openai"].read_text())
    raw["name"] = "no-stream"
    model = raw["models"]["gpt-image-2"]
    raw["models"] = {"gpt-image-2": model}
    raw["default_model"] = "gpt-image-2"
    params = dict(model["parameters"])
    del params["stream"], params["partial_images"]
    model["parameters"] = params
    model["rules"] = [r for r in model["rules"] if r != "partial-images-need-stream"]
    path = tmp_path / "no-stream.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_model_without_streaming_is_asked_to_refuse_stream_true(
    tmp_path: Path, run_suite: RunSuite
) -> None:
    path = _no_stream_profile(tmp_path)
    plan = build_plan(load_profile(str(path)))
    [probe] = [p for p in plan.probes if (p.body or {}).get("stream") is True]
    assert (probe.id, probe.kind, probe.expect.param) == ("stream-unsupported", "invalid", "stream")
    assert probe.expect.statuses == (400,)
    assert not [p for p in plan.billable if p.expect.stream]
    clean = run_suite("--profile", str(path), "--probes", "fixed")
    assert clean.exit_code == 0
    checks = {c["id"]: c for c in clean.results["checks"]}
    assert checks["validation.rejected[stream-unsupported]"]["outcome"] == "passed"
    assert checks["stream.is-stream[stream-unsupported]"]["outcome"] == "passed"
    wrong = run_suite("--profile", str(path), "--probes", "fixed", "--fault", "stream-as-json")
    assert wrong.exit_code == 1
    checks = {c["id"]: c for c in wrong.results["checks"]}
    assert checks["validation.rejected[stream-unsupported]"]["outcome"] == "failed"
    verdict = checks["stream.is-stream[stream-unsupported]"]
    assert verdict["outcome"] == "failed"
    assert "yield zero events without raising any error" in verdict["message"]


# --- one thing wrong ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "check", "exit_code"),
    [
        ("stream-as-json", "stream.is-stream", 1),
        ("stream-no-completed", "stream.completed", 1),
        # A finding (may): reported, but the official clients tolerate it.
        ("stream-done", "stream.done", 0),
    ],
)
def test_a_stream_with_one_thing_wrong_is_named_in_the_report(
    run_suite: RunSuite, fault: str, check: str, exit_code: int
) -> None:
    run = run_suite(*MINI, "--fault", fault)
    assert run.exit_code == exit_code
    bad = {c["id"].split("[")[0] for c in run.results["checks"] if c["outcome"] != "passed"}
    assert check in bad
    assert "failed" in run.outcomes(check)
    # The real clients fed the same stream fail with it (client.*); nothing else does
    # (the checks of the image itself skip an answer that has none).
    failed = {c["id"].split("[")[0] for c in run.results["checks"] if c["outcome"] == "failed"}
    assert {c for c in failed if not c.startswith(("stream.", "client."))} == set()


# --- recorded for any client -------------------------------------------------------


def _replay(recorded: RecordedResponse, strict: bool, body: dict[str, Any]) -> list[Any]:
    """The recorded answer fed to openai-python's images.generate(stream=True)."""
    sent: list[bytes] = []
    with replay_client(recorded, strict=strict, sent=sent) as client:
        events = list(client.images.generate(**body))
    assert json.loads(sent[0])["stream"] is True  # the SDK streams from the request
    return events


@pytest.mark.parametrize("fault", [None, "stream-done"])
def test_recorded_streams_replay_into_openai_python(
    tmp_path: Path, run_suite: RunSuite, fault: str | None
) -> None:
    faults = ("--fault", fault) if fault else ()
    run = run_suite(*MINI, "--record", str(tmp_path), *faults, "-k", "stream.completed")
    assert run.exit_code == 0
    exchanges = read_recording(tmp_path).exchanges
    replayed = 0
    for key, exchange in exchanges.items():
        if exchange.request.url.endswith("/images/edits"):
            continue  # multipart, replayed into images.edit by tests/test_edits_replay.py
        body = json.loads(exchange.request.body)
        assert body["stream"] is True, key
        recorded = exchange.response
        assert recorded is not None
        assert recorded.content_type == "text/event-stream"
        for strict in (False, True):
            events = _replay(recorded, strict, body)
            partials = body.get("partial_images", 0)
            assert [type(e).__name__ for e in events] == (
                ["ImageGenPartialImageEvent"] * partials + ["ImageGenCompletedEvent"]
            )
            assert events[-1].usage.output_tokens > 0
            replayed += 1
    assert replayed == 4
