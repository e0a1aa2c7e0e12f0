"""The clients as oracles: each client's verdict on hand-made answers, streams included.

The answers here are bytes written by hand (JSON bodies, SSE streams), replayed
into openai-python (default and strict), openai-node and the Vercel AI SDK
exactly as a run replays recorded answers. Where Node or the install is missing
the checks skip with the reason, never pass or fail: shown with a PATH that has
no node, and with an npm that cannot reach its registry.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import client_judge as judge
from conformance.checks.base import Result
from conformance.clients import CLIENTS, NOT_RUN, node_process, with_major
from conformance.clients.observation import NotRun, ReplayCall
from conformance.clients.replay import observe, prime_calls
from conformance.exchange import RecordedResponse
from conformance.resources import app_schema_path
from conformance.server.images import render_png
from tests.conftest import REPO, SuiteRun

PNG = render_png(8, 8, "replay")
B64 = base64.b64encode(PNG).decode()
JSON = [("content-type", "application/json")]
SSE = [("content-type", "text/event-stream")]
USAGE = {
    "input_tokens": 3,
    "output_tokens": 272,
    "total_tokens": 275,
    "input_tokens_details": {"text_tokens": 3, "image_tokens": 0},
}
COMPLETED = {
    "type": "image_generation.completed",
    "b64_json": B64,
    "created_at": 1789847650,
    "size": "1024x1024",
    "quality": "low",
    "background": "opaque",
    "output_format": "png",
    "usage": USAGE,
}
PARTIAL = {
    **{k: v for k, v in COMPLETED.items() if k != "usage"},
    "type": "image_generation.partial_image",
    "partial_image_index": 0,
}
STREAMERS = [name for name, client in CLIENTS.items() if client.streams]


def _generate(body: Any, headers: list[tuple[str, str]] = JSON, status: int = 200) -> ReplayCall:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    params = {"model": "dall-e-2", "prompt": "a cat", "response_format": "b64_json"}
    return ReplayCall("generate", params, "b64_json", RecordedResponse(status, headers, raw))


def _stream(raw: bytes, headers: list[tuple[str, str]] = SSE) -> ReplayCall:
    params = {"model": "gpt-image-1", "prompt": "a cat", "stream": True, "partial_images": 1}
    return ReplayCall("stream", params, "b64_json", RecordedResponse(200, headers, raw))


def _event(data: dict[str, Any]) -> bytes:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()


ANSWER = {"created": 1789847570, "data": [{"b64_json": B64}]}
REFUSAL = {"error": {"message": "no", "type": "invalid_request_error", "param": "prompt"}}
CLEAN = _generate(ANSWER)
TEXT_PLAIN = _generate(ANSWER, [("content-type", "text/plain; charset=utf-8")])
QUALITY_AUTO = _generate({**ANSWER, "quality": "auto"})
URL_ONLY = _generate({"created": 1, "data": [{"url": "https://x.test/a.png"}]})
REFUSED_400 = _generate(REFUSAL, status=400)
REFUSED_422 = _generate(REFUSAL, status=422)
# Partial then completed, with event: lines and CRLF line ends, no [DONE].
STREAMED = _stream((_event(PARTIAL) + _event(COMPLETED)).replace(b"\n", b"\r\n"))
STREAM_AS_JSON = _stream(json.dumps(ANSWER).encode(), JSON)
PING_WITHOUT_DATA = _stream(b"event: ping\n\n" + _event(COMPLETED))
GENERATED = (CLEAN, TEXT_PLAIN, QUALITY_AUTO, URL_ONLY, REFUSED_400, REFUSED_422)
STREAMS = (STREAMED, STREAM_AS_JSON, PING_WITHOUT_DATA)


@pytest.fixture(scope="module")
def node() -> None:
    """The Node clients installed, and fed every answer below in one process; else skip."""
    found = node_process.setup()
    if isinstance(found, NotRun):
        pytest.skip(found.reason)
    prime_calls(
        [(client, call) for client in CLIENTS for call in GENERATED]
        + [(client, call) for client in STREAMERS for call in STREAMS]
    )


def _verdict(client: str, call: ReplayCall) -> Result:
    return judge.generates(observe(client, call), call.call)


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_every_client_decodes_a_conformant_answer(client: str) -> None:
    result = _verdict(client, CLEAN)
    assert result.outcome == "passed", result.message
    assert f"png, {len(PNG)} bytes" in result.message


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", STREAMERS)
def test_every_streaming_client_iterates_to_the_completed_image(client: str) -> None:
    result = _verdict(client, STREAMED)
    assert result.outcome == "passed", result.message
    assert "image_generation.completed.b64_json: png" in result.message


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", STREAMERS)
def test_a_json_answer_to_a_stream_is_no_image_and_no_error_for_every_client(client: str) -> None:
    result = _verdict(client, STREAM_AS_JSON)
    assert result.outcome == "failed"
    assert "ended after 0 event(s) (none) without image_generation.completed" in result.message


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", STREAMERS)
def test_an_event_line_without_data_crashes_every_client(client: str) -> None:
    result = _verdict(client, PING_WITHOUT_DATA)
    assert result.outcome == "failed"
    assert "iterating the stream raised" in result.message


@pytest.mark.usefixtures("node")
def test_json_served_as_text_plain_breaks_node_only() -> None:
    outcomes = {client: _verdict(client, TEXT_PLAIN) for client in CLIENTS}
    # Both majors of openai-node read only a JSON content type as JSON.
    for node in ("openai-node", "openai-node-7"):
        assert outcomes[node].outcome == "failed"
        assert outcomes[node].message.startswith("returned a string (")
        assert outcomes[node].message.endswith("); .data is undefined")
    assert {c: r.outcome for c, r in outcomes.items() if not c.startswith("openai-node")} == {
        "openai-python": "passed",
        "openai-python-strict": "passed",
        "vercel-ai": "passed",
        "vercel-ai-7": "passed",
    }


@pytest.mark.usefixtures("node")
def test_quality_auto_breaks_strict_mode_only() -> None:
    outcomes = {client: _verdict(client, QUALITY_AUTO) for client in CLIENTS}
    strict = outcomes["openai-python-strict"]
    assert strict.outcome == "failed"
    assert "APIResponseValidationError" in strict.message
    assert "(quality: Input should be" in strict.message
    assert [c for c, r in outcomes.items() if r.outcome != "passed"] == ["openai-python-strict"]


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_missing_b64_json_breaks_the_app_in_every_client(client: str) -> None:
    assert _verdict(client, URL_ONLY).outcome == "failed"


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_refusal_raises_the_documented_error(client: str) -> None:
    wanted = ("APICallError",) if client.startswith("vercel-ai") else ("BadRequestError",)
    assert judge.refusal(observe(client, REFUSED_400), wanted, (400,)).outcome == "passed"
    verdict = judge.refusal(observe(client, REFUSED_422), wanted, (400,))
    assert verdict.outcome == "failed"
    assert "the app expects" in verdict.message


def test_a_client_that_cannot_run_is_skipped_with_the_reason() -> None:
    result = judge.generates(NotRun("node is not installed (not found on PATH)"), "generate")
    assert (result.outcome, result.message) == (
        "skipped",
        f"{NOT_RUN}node is not installed (not found on PATH)",
    )


def test_the_node_clients_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(node_process.ENV, "off")
    node_process.setup.cache_clear()
    try:
        found = node_process.setup()
    finally:
        node_process.setup.cache_clear()
    assert found == NotRun(f"the Node clients are switched off ({node_process.ENV}=off)")


def test_the_app_schema_names_every_client() -> None:
    schema = json.loads(app_schema_path().read_text())
    names = schema["properties"]["clients"]["items"]["enum"]
    # Every client, and the ones named with their major (openai-node-6 is openai-node).
    assert set(CLIENTS) <= set(names)
    assert {n: with_major(n) for n in set(names) - set(CLIENTS)} == {
        "openai-node-6": "openai-node",
        "vercel-ai-6": "vercel-ai",
    }


def _run_without(tmp_path: Path, path: str, cache: Path) -> dict[str, Any]:
    report = tmp_path / "report"
    env = {
        **os.environ,
        "PATH": path,
        "IMAGEGEN_CONFORMANCE_PEERS": str(cache),
        "PYTHONPATH": str(REPO),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--probes",
            "fixed",
            "--report-dir",
            str(report),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    data: dict[str, Any] = json.loads((report / "results.json").read_text())
    return data


def _client_outcomes(results: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for c in results["checks"]:
        if c["id"].startswith("client.") and c["probe"]["kind"] != "example":
            found.setdefault(c["id"].split(".")[1], set()).add((c["outcome"], c["message"]))
    return found


@pytest.mark.slow  # a whole run in a subprocess
def test_without_node_the_node_clients_skip_and_python_still_runs(tmp_path: Path) -> None:
    # Only the venv's bin on PATH: no node, no npm.
    results = _run_without(tmp_path, str(Path(sys.executable).parent), tmp_path / "cache")
    found = _client_outcomes(results)
    reason = f"{NOT_RUN}node is not installed (not found on PATH)"
    assert found["openai-node"] == found["vercel-ai"] == {("skipped", reason)}
    for python_client in ("openai-python", "openai-python-strict"):
        assert {outcome for outcome, _ in found[python_client]} == {"passed"}
    assert not list((tmp_path / "cache").glob("node-clients-*"))


@pytest.mark.slow  # a whole run in a subprocess
def test_a_failed_install_skips_the_node_clients_with_the_installers_words(
    tmp_path: Path,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    node = subprocess.run(["which", "node"], capture_output=True, text=True, check=False)
    if node.returncode != 0:
        pytest.skip("node is not installed: nothing to install for")
    (bin_dir / "node").symlink_to(node.stdout.strip())
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND registry.invalid' >&2\nexit 1\n")
    npm.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
    results = _run_without(tmp_path, path, tmp_path / "cache")
    found = _client_outcomes(results)
    for name in ("openai-node", "vercel-ai"):
        [(outcome, message)] = found[name]
        assert outcome == "skipped"
        assert message.startswith(f"{NOT_RUN}cannot install the Node clients with npm")
        assert "ENOTFOUND" in message
    assert {outcome for outcome, _ in found["openai-python"]} == {"passed"}


def test_every_client_passes_on_every_profile_against_the_reference_server(
    profile_runs: dict[str, SuiteRun],
) -> None:
    for profile, run in profile_runs.items():
        outcomes: dict[str, set[str]] = {}
        for c in run.results["checks"]:
            if c["id"].startswith("client.") and c["probe"]["kind"] != "example":
                outcomes.setdefault(c["id"].split("[")[0], set()).add(c["outcome"])
        assert len(outcomes) == 3 * len(CLIENTS), profile
        # Their docs' answers have no created, which openai-python's strict mode
        # requires: a documented deviation (known) in this drop-in run.
        strict = "client.openai-python-strict.generates"
        known = {strict} if profile in ("modelmax", "together") else set()
        for check, found in outcomes.items():
            assert found == ({"known"} if check in known else {"passed"}), (profile, check)


@pytest.mark.usefixtures("node")
def test_the_report_shows_which_client_breaks_with_links_to_the_evidence(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite(
        "--profile", "openai-dalle", "--fault", "content-type-text", "--probes", "fixed"
    )
    html = (run.report_dir / "report.html").read_text()
    table = html[html.index("Clients: which client code breaks") :]
    assert '<a href="#igc-client-openai-node-generates">✗ 6 failed</a>' in table
    assert '<a href="#igc-client-openai-python-generates">✓ 6 passed</a>' in table
    assert '<a href="#igc-client-vercel-ai-generates">✓ 2 passed</a>' in table
    evidence = table[table.index('<details id="igc-client-openai-node-generates" open>') :]
    evidence = evidence[: evidence.index("</details>")]
    assert ".data is undefined" in evidence
    assert "text/plain; charset=utf-8" in evidence  # the answer the client was fed
