"""A flaky server never changes a verdict: retries absorb 429s and 503s, within budget.

The reference server's ``flaky`` option answers a fraction of generation
requests 429 (Retry-After: 1) or 503 at random, and bills nothing for them.
Ten runs in a row against it must judge exactly as a run against a clean one.
"""

from __future__ import annotations

import pytest

from conformance.config import resolve
from conformance.profile import load_profile
from conformance.server import ReferenceServer
from conformance.session import SuiteSession

PROFILE = load_profile("openai-dalle")
KEY_ENV = "IGC_FLAKY_KEY"


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "sk-flaky-0123456789"
    monkeypatch.setenv(KEY_ENV, key)
    return key


def _run(server: ReferenceServer, **options: str) -> SuiteSession:
    # The rate limiter is tested on its own; here it would only add waiting. The
    # fixed probes are the transport's test; fuzzing has its own.
    config = resolve(
        {
            "base_url": server.base_url,
            "profile": PROFILE.name,
            "api_key_env": KEY_ENV,
            "rate_limit": "none",
            "probes": "fixed",
            **options,
        }
    )
    session = SuiteSession(config)
    session.run()
    return session


def _outcomes(session: SuiteSession) -> dict[str, str]:
    return {key: v.result("docs").outcome for key, v in session.verdicts.items()}


@pytest.mark.slow  # eleven runs of the fixed probes
def test_ten_runs_against_a_flaky_server_judge_like_a_clean_one(key: str) -> None:
    with ReferenceServer(PROFILE, api_key=key) as clean_server:
        clean = _run(clean_server)
    expected = _outcomes(clean)
    assert set(expected.values()) == {"passed"}

    with ReferenceServer(PROFILE, api_key=key, flaky=0.2) as server:
        sessions = [_run(server) for _ in range(10)]
        stats = server.stats()
    for number, session in enumerate(sessions, 1):
        differing = {
            k: (o, session.verdicts[k].result("docs").message)
            for k, o in _outcomes(session).items()
            if o != expected[k]
        }
        assert differing == {}, f"run {number}"
        assert session.counters.billed == clean.counters.billed <= session.config.budget
        assert session.counters.uncertain == 0
        assert session.stopped is None  # 429s and 503s are answers: never "down"
    assert stats["flaky_answers"] > 0
    assert sum(s.counters.retries for s in sessions) >= stats["flaky_answers"]
    # Only the answers that generated were billed, and the suite counted exactly those.
    assert stats["generations"] == sum(s.counters.billed for s in sessions)


def test_a_server_that_is_down_gets_errors_never_failures(key: str) -> None:
    with ReferenceServer(PROFILE, api_key=key, flaky=1.0) as server:
        session = _run(server, retries="1")
    outcomes = set(_outcomes(session).values())
    assert outcomes == {"error"}
    assert session.counters.billed == 0
    assert session.stopped is None  # it answers, if only 503: every probe was tried
