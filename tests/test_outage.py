"""A server that is down gets a clear verdict fast; one that answers, however slowly or
flakily, never looks down.

Behaviour only (timings are in `nox -s bench -- outage`): short --refusal-timeout
values keep each run to seconds. Every server here is on loopback.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest

from conformance.config import resolve
from conformance.errors import ConfigError
from conformance.plan import build_plan
from conformance.profile import load_profile
from conformance.server import ReferenceServer
from conformance.session import SuiteSession
from conformance.transport.breaker import NOT_SENT, Breaker
from conformance.transport.client import expects_refusal
from conformance.transport.slots import DOUBT_SLOTS, Slots
from tests import hostile
from tests.conftest import SuiteRun
from tests.hostile import Answer, RawServer, Request, scripted

KEY_ENV = "IGC_OUTAGE_KEY"
STOPPED = "the server stopped answering (2 in a row: "


KEY = "sk-outage-0123456789"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


def _session(base_url: str, **options: str) -> SuiteSession:
    session = SuiteSession(
        resolve(
            {
                "base_url": base_url,
                "api_key_env": KEY_ENV,
                "probes": "fixed",
                "rate_limit": "none",
                **options,
            }
        )
    )
    session.run()
    return session


def _outcomes(session: SuiteSession) -> set[str]:
    return {v.result("docs").outcome for v in session.verdicts.values()}


# --- the circuit opens --------------------------------------------------------


@pytest.mark.slow  # two refusal limits of a whole run each
@pytest.mark.parametrize(
    "behaviour", [hostile.silent, hostile.trickling(0.1)], ids=["never-answers", "trickles"]
)
def test_a_stalled_server_is_given_up_after_two_requests_in_a_row(
    run_cli: Callable[..., SuiteRun], behaviour: hostile.Behaviour
) -> None:
    """Default options but a short refusal limit: the generations in flight (300 s read
    timeout) are abandoned, the rest is never sent, and the terminal says why once."""
    with RawServer(behaviour) as server:
        run = run_cli(
            "run",
            *("--base-url", server.base_url, "--api-key-env", KEY_ENV),
            *("--probes", "fixed", "--refusal-timeout", "0.5"),
        )
        received = len(server.seen)
    cause = "did not finish answering within the 0.5 s refusal limit (--refusal-timeout"
    assert run.exit_code == 1
    assert "Traceback" not in run.output
    assert run.output.count(f"stopped: {STOPPED}") == 1
    assert cause in run.output
    assert " not sent in " in run.output  # pytest's own tally, not one line per test
    results = run.results
    checks = results["checks"]
    assert {c["outcome"] for c in checks} == {"error"}  # never `failed`
    not_sent = [c for c in checks if c["message"].startswith(NOT_SENT + STOPPED)]
    assert len(not_sent) > len(checks) / 2
    assert all(cause in c["message"] for c in not_sent)
    # Two refusals, one after the other, and the generations in flight beside them.
    assert results["requests"]["total"] == received <= 2 + 3
    assert results["requests"]["retries"] == 0
    assert results["requests"]["billable"] == 0


def test_a_refused_connection_twice_in_a_row_stops_the_run() -> None:
    with RawServer(scripted(lambda r: (200, {}, b""))) as server:
        url = server.base_url  # closed on leaving: nothing listens there any more
    session = _session(url)
    assert session.stopped is not None
    assert "connection refused" in session.stopped
    assert session.counters.total <= 2 * 4  # at most two rounds of the four slots
    assert _outcomes(session) == {"error"}


def test_a_server_that_resets_every_connection_stops_the_run_without_retries() -> None:
    with RawServer(hostile.reset) as server:
        session = _session(server.base_url)
        received = len(server.seen)
    assert session.stopped is not None
    assert "connection reset by peer" in session.stopped
    # Nothing is retried: no request reaches the server twice. The suite counts every
    # request it began, so one abandoned while still connecting (the breaker opens
    # within milliseconds here) is counted though the server never read it.
    # The model list goes first and alone (it is read before anything else), so its
    # one retry is the second reset in a row that opens the breaker: that is the
    # only request the server sees twice.
    listing = [r for r in server.seen if r.path.endswith("/models")]
    others = [r for r in server.seen if not r.path.endswith("/models")]
    distinct = {(r.path, r.headers.get("authorization"), r.body) for r in others}
    assert len(listing) <= 2
    assert len(distinct) == len(others)
    assert received <= session.counters.total < 30
    assert session.counters.retries <= 1
    assert _outcomes(session) == {"error"}
    assert session.counters.billed == 0
    assert session.counters.billed + session.counters.uncertain <= session.config.budget


# --- the circuit stays closed -------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "model"), [("openai-dalle", "dall-e-2"), ("openai", "gpt-image-2")]
)
def test_a_slow_server_that_answers_never_trips_the_breaker(profile: str, model: str) -> None:
    """Generations slower than the refusal limit are judged like any others; on a GPT
    model that includes its event streams (a stream generates: a generation's limits)."""
    with ReferenceServer(load_profile(profile), api_key=KEY, latency_s=1.0) as server:
        session = _session(server.base_url, profile=profile, refusal_timeout="0.5", models=model)
    assert session.stopped is None
    assert all(e.error is None for e in session.exchanges.values())
    assert _outcomes(session) <= {"passed", "skipped"}
    assert "passed" in _outcomes(session)
    if profile == "openai":
        streams = [p for p in session.plan.probes if p.expect.stream and p.kind == "valid"]
        assert streams
        for probe in streams:
            exchange = session.exchanges[probe.key]
            assert exchange.response is not None
            assert exchange.response.content_type.startswith("text/event-stream")
            assert exchange.elapsed_s > 0.5  # longer than a refusal may take


def _refusal(request: Request) -> Answer:
    error = {"error": {"message": "no", "type": "invalid_request_error", "param": None}}
    return 400, {"Content-Type": "application/json"}, json.dumps(error).encode()


async def _hangs_on_malformed_json(request: Request, writer: asyncio.StreamWriter) -> None:
    """Refuses everything at once, except a body that is not JSON: then, like Prism,
    it never answers."""
    try:
        json.loads(request.body)
    except ValueError:
        await hostile.silent(request, writer)
    await scripted(_refusal)(request, writer)


def test_a_refusal_over_its_limit_is_an_error_that_says_so() -> None:
    with RawServer(_hangs_on_malformed_json) as server:
        session = _session(
            server.base_url, profile="openai-dalle", refusal_timeout="0.5", models="dall-e-2"
        )
    exchange = session.exchanges["dall-e-2/malformed-json"]
    assert exchange.error is not None
    assert "did not finish answering within the 0.5 s refusal limit (--refusal-timeout" in (
        exchange.error
    )
    assert len(exchange.attempts) == 1  # a refusal that hangs once hangs again
    verdicts = [v for v in session.verdicts.values() if v.probe.id == "malformed-json"]
    assert verdicts
    assert {v.result("docs").outcome for v in verdicts} == {"error"}
    assert session.stopped is None  # the server answers everything else
    others = [e for k, e in session.exchanges.items() if k != "dall-e-2/malformed-json"]
    assert all(e.response is not None and e.error is None for e in others)


def test_refusal_and_image_timeouts_are_options() -> None:
    default = resolve({}).timeouts
    assert (default.read_s, default.refusal_s, default.image_s) == (300, 30, 60)
    chosen = resolve({"refusal_timeout": "5", "image_timeout": "7.5"}).timeouts
    assert (chosen.refusal_s, chosen.image_s) == (5, 7.5)
    assert chosen.refusal().read_option == "--refusal-timeout"
    assert resolve({"refusal_timeout": "900"}).timeouts.refusal().read_option == "--read-timeout"
    for option in ("refusal_timeout", "image_timeout"):
        with pytest.raises(ConfigError, match="more than 0 seconds"):
            resolve({option: "0"})


# --- the parts ------------------------------------------------------------------


def test_requests_in_flight_together_count_once() -> None:
    breaker = Breaker()
    began = time.monotonic()
    for _ in range(4):  # four requests sent together, all lost together
        breaker.no_answer(began, "timeout")
    assert (breaker.streak, breaker.open) == (1, False)
    breaker.answer()  # an answer in between: the count starts again
    assert (breaker.streak, breaker.in_doubt) == (0, False)
    breaker.no_answer(time.monotonic(), "connection refused")
    assert (breaker.streak, breaker.open) == (1, False)
    breaker.no_answer(time.monotonic(), "connection refused")
    assert breaker.open
    assert breaker.not_sent() == f"{NOT_SENT}{STOPPED}connection refused)"


def test_a_retry_wait_ends_when_the_breaker_opens() -> None:
    async def scenario() -> float:
        breaker = Breaker(limit=1)
        began = time.monotonic()
        asyncio.get_running_loop().call_later(0.05, breaker.no_answer, began, "timeout")
        await breaker.sleep(30)
        return time.monotonic() - began

    assert asyncio.run(scenario()) < 5


def test_one_slot_is_kept_for_refusals_while_the_server_is_in_doubt() -> None:
    async def order(in_doubt: bool, size: int) -> list[str]:
        slots = Slots(size, quick=2, in_doubt=lambda: in_doubt)
        started: list[str] = []

        async def request(name: str, quick: bool) -> None:
            async with slots.hold(quick):
                started.append(name)
                await asyncio.sleep(0.01)
            if quick:
                slots.quick_done()

        names = [("g1", False), ("g2", False), ("g3", False), ("r1", True), ("r2", True)]
        await asyncio.gather(*(request(n, q) for n, q in names))
        return started

    # Three slots in doubt: two generations, then a refusal in the third.
    assert asyncio.run(order(True, 3))[:3] == ["g1", "g2", "r1"]
    # Once the server has answered, generations first, as planned.
    assert asyncio.run(order(False, 3))[:3] == ["g1", "g2", "g3"]
    # One slot: the refusals go first while in doubt.
    assert asyncio.run(order(True, 1))[:2] == ["r1", "r2"]


async def _hangs_on_a_multiplication_sign(request: Request, writer: asyncio.StreamWriter) -> None:
    """Refuses everything at once, except a size with the multiplication sign: no answer."""
    if "×" in request.body.decode(errors="replace"):
        await hostile.silent(request, writer)
    await scripted(_refusal)(request, writer)


def test_a_gpt_refusal_probe_gets_the_refusal_limit() -> None:
    """The GPT family's refusals are refusals too: answered in full within
    --refusal-timeout, never retried, an error when over it."""
    with RawServer(_hangs_on_a_multiplication_sign) as server:
        session = _session(
            server.base_url, profile="openai", refusal_timeout="0.5", models="gpt-image-2"
        )
    key = "gpt-image-2/size-unicode-x"
    probe = next(p for p in session.plan.probes if p.key == key)
    assert probe.expect.family == "gpt"
    exchange = session.exchanges[key]
    assert exchange.error is not None
    assert "did not finish answering within the 0.5 s refusal limit (--refusal-timeout" in (
        exchange.error
    )
    assert len(exchange.attempts) == 1
    assert session.stopped is None
    others = [e for k, e in session.exchanges.items() if k != key]
    assert all(e.response is not None and e.error is None for e in others)


def test_which_limit_each_request_gets() -> None:
    """By what the probe expects: refusals (fixed, GPT, fuzz; auth; balance) and the
    model list the refusal limit, generations (event streams included) the
    generation limits."""
    config = resolve({"profile": "openai", "fuzz_examples": "5", "fuzz_valid": "2"})
    plan = build_plan(config.profile, config.models, zero_balance=True, fuzz=config.fuzzed)
    sent = [p for p in plan.probes if p.sent]
    refusals = {p.kind for p in sent if expects_refusal(p)}
    generations = [p for p in sent if not expects_refusal(p)]
    # The model list (GET /v1/models, free) generates nothing: the refusal limit too.
    assert refusals == {"invalid", "auth", "balance", "listing"}
    assert {p.kind for p in generations} == {"valid"}
    assert any(p.expect.stream for p in generations)
    assert any(p.expect.family == "gpt" and expects_refusal(p) for p in sent)
    assert any(p.origin == "fuzz" and expects_refusal(p) for p in sent)


def test_in_doubt_no_more_are_in_flight_than_at_the_default_concurrency() -> None:
    """A profile may send 12 at once to a live vendor (openai); until the server has
    answered, a dead one gets no more requests, nor generations, than at 4."""

    async def peak(in_doubt: bool) -> tuple[int, int]:
        slots = Slots(12, quick=20, in_doubt=lambda: in_doubt)
        now = most = most_slow = slow = 0

        async def request(quick: bool) -> None:
            nonlocal now, most, most_slow, slow
            async with slots.hold(quick):
                now, slow = now + 1, slow + (not quick)
                most, most_slow = max(most, now), max(most_slow, slow)
                await asyncio.sleep(0.01)
                now, slow = now - 1, slow - (not quick)
            if quick:
                slots.quick_done()

        await asyncio.gather(*(request(i >= 20) for i in range(40)))
        return most, most_slow

    assert asyncio.run(peak(True)) == (DOUBT_SLOTS, DOUBT_SLOTS - 1) == (4, 3)
    assert asyncio.run(peak(False)) == (12, 12)
