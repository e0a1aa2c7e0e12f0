"""The golden comparison and the loopback guard the peer tests rely on, offline.

The peer tests are skipped where the registries cannot be reached; what decides
their verdicts is tested here on made-up results.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from tests.peers.golden import Golden, mismatches, probes
from tests.peers.network import REFUSAL, loopback_only

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
