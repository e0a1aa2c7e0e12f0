"""The golden comparison and the loopback guard the peer tests rely on, offline.

The peer tests are skipped where the registries cannot be reached; what decides
their verdicts is tested here on made-up results, and the upstream tap on the
reference server itself.
"""

from __future__ import annotations

import io
import socket
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.peers.golden import Golden, clients, mismatches, probes
from tests.peers.network import REFUSAL, loopback_only
from tests.peers.tap import EDITS, Tap, UpstreamExchange

FIRST, SECOND, *_ = sorted(probes("valid"))
GOLDEN = Golden(
    failed={"generation.status": frozenset({FIRST})},
    passed={"generation.status": probes("valid") - {FIRST}},
)


def results(outcomes: dict[str, str], message: str = "") -> dict[str, Any]:
    """generation.status on every valid probe: passed, unless ``outcomes`` says otherwise."""
    checks = []
    for key in sorted(probes("valid")):
        model, probe = key.split("/")
        outcome = outcomes.get(key, "passed")
        checks.append(
            {
                "id": f"generation.status[{probe}]",
                "check": "generation.status",
                "probe": {"id": probe, "kind": "valid", "origin": "fixed"},
                "model": model,
                "outcome": outcome,
                "message": message,
            }
        )
    return {"checks": checks}


def test_the_golden_run_matches() -> None:
    assert mismatches(results({FIRST: "failed"}), GOLDEN) == []


def test_a_missing_failure_is_blindness() -> None:
    [problem] = mismatches(results({}), GOLDEN)
    assert "golden says failed, the run did not" in problem


def test_an_extra_failure_is_a_false_alarm() -> None:
    problems = mismatches(results({FIRST: "failed", SECOND: "failed"}), GOLDEN)
    assert "failed, not in the golden" in problems[0]
    assert SECOND.split("/")[1] in problems[0]


def test_a_skip_where_a_pass_is_due_is_caught() -> None:
    [problem] = mismatches(results({FIRST: "failed", SECOND: "skipped"}), GOLDEN)
    assert "golden says passed, the run did not" in problem


def test_errors_must_name_their_cause() -> None:
    golden = Golden(
        failed={},
        passed={},
        error={"generation.status": frozenset({FIRST})},
        error_says={FIRST: "timeout"},
    )
    assert mismatches(results({FIRST: "error"}, "timeout: no answer"), golden) == []
    [problem] = mismatches(results({FIRST: "error"}, "connection refused"), golden)
    assert "not naming 'timeout'" in problem


def test_only_loopback_is_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo("localhost", 80)
    for host in ("example.com", "93.184.215.14", "10.0.0.1"):
        with pytest.raises(socket.gaierror, match=REFUSAL):
            socket.getaddrinfo(host, 80)
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://example.com/", timeout=2)


def test_client_rows_cover_both_majors() -> None:
    """A golden's client rows name every client the suite runs, both majors of each
    family; the AI SDK (either major) only ever judges its base64 answers."""
    keys = probes("valid")
    rows = clients("generates", keys)
    assert {"client.openai-node.generates", "client.openai-node-7.generates"} <= set(rows)
    assert {"client.vercel-ai.generates", "client.vercel-ai-7.generates"} <= set(rows)
    assert rows["client.vercel-ai-7.generates"] == rows["client.vercel-ai.generates"] < keys
    only = clients("authentication", keys, only=("openai-node",))
    assert set(only) == {"client.openai-node.authentication", "client.openai-node-7.authentication"}


def test_the_tap_records_an_edit_as_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the edit peers' upstream side rests on: a stray text part named image[]
    among the files is recorded as text, each file with its name and Content-Type."""
    loopback_only(monkeypatch)
    seen: list[UpstreamExchange] = []
    upstream = ReferenceServer(load_profile("openai"))
    upstream.app.add_middleware(Tap, seen=seen)
    png = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    out = io.BytesIO()
    png.save(out, "PNG")
    with upstream:
        httpx.post(
            f"{upstream.base_url}/images/edits",
            headers={"Authorization": f"Bearer {upstream.api_key}"},
            data={"model": "gpt-image-2.6-flare", "prompt": "red", "image[]": "stray"},
            files=[("image[]", ("a.png", out.getvalue(), "image/png"))],
            timeout=30,
        )
    [exchange] = seen
    assert exchange.path == EDITS
    images = [
        (p.is_file, p.filename, p.content_type, p.text)
        for p in exchange.parts
        if p.name == "image[]"
    ]
    assert images == [(False, None, None, "stray"), (True, "a.png", "image/png", None)]
    assert exchange.text("model") == "gpt-image-2.6-flare"
    assert exchange.request is None  # multipart, not JSON
