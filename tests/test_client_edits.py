"""openai-node and the AI SDK as oracles for edits: ``client.<client>.edits``.

Hand-written edit answers are replayed into each Node client's edit call (openai-node's
``images.edit`` with ``toFile``, the AI SDK's ``generateImage`` with ``prompt: {text,
images, mask}``; both majors of each), through the registered checks, exactly as a run
replays a recorded answer. A conformant answer passes; an answer with fewer images than
``n``, a refusal, and an edit stream of ``image_generation.*`` events fail; the AI SDK,
which does not stream edits, is never asked to. The reference-server faults that break
these checks are in the fault matrix (tests/test_checks_catch_faults.py): edit-image-only
fails all four, edit-stream-generation-events the two openai-node majors, edit-n-ignored
all six edit clients.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import REGISTRY
from conformance.checks.base import Context, Result
from conformance.clients import CLIENTS, node_process
from conformance.clients.observation import NotRun, edit_call
from conformance.clients.replay import prime_calls
from conformance.edits.cases import valid_cases
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.probes import Expectation, Probe
from conformance.profile import load_profile
from conformance.server.images import render_png
from conformance.server.runner import ReferenceServer
from tests.conftest import SuiteRun

NODE = [name for name, c in CLIENTS.items() if c.runtime == "node"]
STREAMING_NODE = [name for name in NODE if CLIENTS[name].streams]
PROFILE = load_profile("openai")
MODEL = "gpt-image-2"
SPEC = PROFILE.models[MODEL].edits
assert SPEC is not None
MULTI, STREAM = valid_cases(MODEL, SPEC, PROFILE.models[MODEL].sizes, "low")
B64 = base64.b64encode(render_png(8, 8, "edit")).decode()
JSON = [("content-type", "application/json")]
SSE = [("content-type", "text/event-stream")]
USAGE = {
    "input_tokens": 1600,
    "output_tokens": 196,
    "total_tokens": 1796,
    "input_tokens_details": {"text_tokens": 20, "image_tokens": 1580},
}
EVENT = {
    "b64_json": B64,
    "created_at": 1789847650,
    "size": "1024x1024",
    "quality": "low",
    "background": "opaque",
    "output_format": "png",
}


def _answer(images: int) -> RecordedResponse:
    body = {"created": 1, "data": [{"b64_json": B64}] * images, "usage": USAGE}
    return RecordedResponse(200, JSON, json.dumps(body).encode())


def _stream(family: str) -> RecordedResponse:
    partial = {**EVENT, "type": f"{family}.partial_image", "partial_image_index": 0}
    done = {**EVENT, "type": f"{family}.completed", "usage": USAGE}
    raw = b"".join(
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in (partial, done)
    )
    return RecordedResponse(200, SSE, raw)


REFUSAL = RecordedResponse(
    400,
    JSON,
    json.dumps(
        {
            "error": {
                "message": "Invalid type for 'image[0]': expected a file, but got a string.",
                "type": "invalid_request_error",
                "param": "image[0]",
                "code": "invalid_type",
            }
        }
    ).encode(),
)
ANSWERS: dict[str, tuple[Any, RecordedResponse]] = {
    "two-images": (MULTI, _answer(2)),
    "one-image-for-n-2": (MULTI, _answer(1)),
    "refused": (MULTI, REFUSAL),
    "edit-events": (STREAM, _stream("image_edit")),
    "generation-events": (STREAM, _stream("image_generation")),
}


def _probe(case: Any) -> Probe:
    return Probe(
        case.id, MODEL, case.title, "valid", Expectation(statuses=(200,)), "edits", edit=case
    )


@pytest.fixture(scope="module")
def node() -> None:
    """Both Node projects installed, and fed every answer here in one process each; else skip."""
    for project in ("node", "node7"):
        if isinstance(found := node_process.setup(project), NotRun):
            pytest.skip(found.reason)
    prime_calls(
        (client, edit_call(case, answer))
        for client in NODE
        for case, answer in ANSWERS.values()
        if CLIENTS[client].streams or not case.stream
    )


def _verdict(client: str, answer: str) -> Result:
    case, response = ANSWERS[answer]
    probe = _probe(case)
    check = REGISTRY[f"client.{client}.edits"]
    assert check.judges(probe)
    request = RecordedRequest("POST", "http://127.0.0.1/v1/images/edits", [])
    exchange = Exchange(probe.key, request, response)
    return check.run(Context(probe, exchange, PROFILE, "docs"))


def test_the_cases_are_a_list_with_a_mask_and_a_stream() -> None:
    assert [p.name for p in MULTI.form.files] == ["image[]", "image[]", "mask"]
    assert (MULTI.n, STREAM.stream, STREAM.n) == (2, True, 1)


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", NODE)
def test_every_node_client_gets_both_edited_images(client: str) -> None:
    result = _verdict(client, "two-images")
    assert result.outcome == "passed", result.message
    where = "data[1].b64_json" if "openai-node" in client else "images[1].uint8Array"
    assert f"{where}: png" in result.message


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", NODE)
def test_fewer_images_than_n_fail(client: str) -> None:
    result = _verdict(client, "one-image-for-n-2")
    assert (result.outcome, result.message) == ("failed", "the app got 1 image(s) for n = 2")


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", NODE)
def test_a_refused_edit_fails_with_the_clients_error(client: str) -> None:
    result = _verdict(client, "refused")
    assert result.outcome == "failed"
    error = "BadRequestError" if "openai-node" in client else "APICallError"
    assert result.message.startswith(f"the call raised {error}"), result.message


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", STREAMING_NODE)
def test_openai_node_iterates_an_edit_stream_to_image_edit_completed(client: str) -> None:
    result = _verdict(client, "edit-events")
    assert result.outcome == "passed", result.message
    assert result.message.startswith("image_edit.completed.b64_json: png")


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", STREAMING_NODE)
def test_generation_events_on_an_edit_stream_give_the_app_no_image(client: str) -> None:
    result = _verdict(client, "generation-events")
    assert result.outcome == "failed"
    assert result.message == (
        "the stream ended after 2 event(s) (image_generation.partial_image, "
        "image_generation.completed) without image_edit.completed: no image and no error"
    )


def test_the_ai_sdk_is_not_asked_to_stream_an_edit() -> None:
    for client in ("vercel-ai", "vercel-ai-7"):
        check = REGISTRY[f"client.{client}.edits"]
        assert check.judges(_probe(MULTI))
        assert not check.judges(_probe(STREAM))


def test_the_replayed_edit_carries_the_files_and_typed_fields() -> None:
    call = edit_call(MULTI, _answer(2))
    assert call.call == "edit"
    assert (call.params["n"], call.params["model"]) == (2, MODEL)
    assert [(f.name, f.content_type) for f in call.files] == [
        ("image[]", "image/png"),
        ("image[]", "image/jpeg"),
        ("mask", "image/png"),
    ]
    streamed = edit_call(STREAM, _stream("image_edit"))
    assert (streamed.call, streamed.params["stream"]) == ("edit-stream", True)
    # Another answer, or other files, is another observation.
    assert call.digest != edit_call(MULTI, _answer(1)).digest


@pytest.mark.usefixtures("node")
def test_recorded_edits_replay_into_the_node_clients_and_send_nothing(
    tmp_path: Path, run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "rec"
    with ReferenceServer(PROFILE) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        target = ("--profile", "openai", "--models", MODEL, "--probes", "fixed")
        target += ("--base-url", server.base_url, "-k", "client.")
        run = run_suite(*target, "--record", str(record))
        assert run.exit_code == 0
        after_recording = server.stats()
        replay = run_suite(*target, "--replay", str(record))
        assert server.stats() == after_recording  # the replay sent nothing
    verdicts = {c["id"]: c["outcome"] for c in replay.results["checks"]}
    assert verdicts == {c["id"]: c["outcome"] for c in run.results["checks"]}
    edits = {k: v for k, v in verdicts.items() if ".edits[" in k and "python" not in k}
    assert edits == {
        f"client.{client}.edits[{probe}]": "passed"
        for client in NODE
        for probe in ("edit-multi-mask", "edit-stream")
        if CLIENTS[client].streams or probe != "edit-stream"
    }
