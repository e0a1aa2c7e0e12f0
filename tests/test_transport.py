"""The transport's rules, each against a scripted loopback server: what is retried,
what is judged, what is charged to the budget, what is never fetched."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.checks import REGISTRY
from conformance.errors import ConfigError
from conformance.exchange import Exchange
from conformance.plan import build_plan
from conformance.probes import Expectation, Probe
from conformance.profile import load_profile
from conformance.redact import Redactor
from conformance.transport import Target, Timeouts, Transport
from conformance.transport.bodies import BodyTooLarge, BodyUndecodable, read_capped
from conformance.transport.budget import Budget
from conformance.transport.netguard import AddressGuard
from conformance.transport.ratelimit import Rate, RateLimiter, parse_rate
from conformance.transport.retry import RetryPolicy, retry_after
from conformance.verdict import judge, no_verdict_from_a_down_server, view_rules
from tests.hostile import Answer, RawServer, Request, scripted

PROFILE = load_profile("openai-dalle")
FAST = RetryPolicy(retries=2, backoff_s=0.01, max_backoff_s=0.02)
OK = (200, {"Content-Type": "application/json"}, b'{"created": 1, "data": [{"b64_json": "x"}]}')
BAD = (400, {"Content-Type": "application/json"}, b'{"error": {"message": "no"}}')


def _json(status: int, code: str | None = None, **headers: str) -> Answer:
    body = json.dumps({"error": {"message": "hiccup", "type": "x", "param": None, "code": code}})
    return status, {"Content-Type": "application/json", **headers}, body.encode()


def _probe(kind: str = "valid", n: int = 1, probe_id: str = "p") -> Probe:
    body = {"model": "dall-e-2", "prompt": "a cube", "n": n}
    return Probe(
        id=probe_id,
        model="dall-e-2",
        title=probe_id,
        kind=kind,  # type: ignore[arg-type]
        body=body,
        expect=Expectation(statuses=(400,) if kind == "invalid" else (200,), n=n),
        potential_images=n,
    )


def _run(
    answer: Callable[[Request], Answer],
    probes: list[Probe],
    *,
    budget: int = 20,
    policy: RetryPolicy = FAST,
    timeouts: Timeouts | None = None,
) -> tuple[dict[str, Exchange], Transport, RawServer]:
    with RawServer(scripted(answer)) as server:
        transport = Transport(
            Target(base_url=server.base_url, api_key="sk-test"),
            budget=Budget(budget),
            redactor=Redactor(),
            retry=policy,
            timeouts=timeouts,
        )
        return transport.run(probes), transport, server


def _is_valid(request: Request) -> bool:
    return b'"n": 0' not in request.body


def test_a_transient_answer_is_retried_and_only_the_answer_that_billed_counts() -> None:
    answers = iter([_json(503), _json(429, **{"retry-after-ms": "50"}), OK])
    exchanges, transport, _ = _run(lambda r: next(answers), [_probe()])
    exchange = exchanges["dall-e-2/p"]
    assert [a.status for a in exchange.attempts] == [503, 429, 200]
    assert exchange.attempts[1].wait_s is not None
    assert exchange.attempts[1].wait_s >= 0.05  # retry-after-ms honoured
    assert exchange.error is None
    assert exchange.billed == transport.counters.billed == transport.budget.spent == 1
    assert transport.counters.retries == 2


def test_a_valid_request_that_only_ever_gets_500_fails_from_a_healthy_server() -> None:
    """A 500 on every retry, while the server refuses other requests properly, is the
    server's answer to that request (LiteLLM answers every stream so): a failure, never
    an error of the run. The same from a server that answers nothing else is an error."""

    def answer(request: Request) -> Answer:
        return _json(500) if _is_valid(request) else BAD

    probes = [_probe(), _probe("invalid", 0, "n-zero")]
    exchanges, transport, _ = _run(answer, probes)
    exchange = exchanges["dall-e-2/p"]
    assert len(exchange.attempts) == 3  # one try and --retries 2
    assert exchange.error is None
    no_verdict_from_a_down_server(probes, exchanges, healthy=transport.counters.healthy)
    assert exchange.error is None
    verdict = judge(REGISTRY["generation.status"], _probe(), exchange, view_rules(PROFILE))
    assert verdict.result("docs").outcome == "failed"
    assert transport.budget.spent == 0

    down, transport, _ = _run(lambda r: _json(500), [_probe()])
    no_verdict_from_a_down_server([_probe()], down, healthy=transport.counters.healthy)
    assert "every request of this run got a 5xx or 429" in (down["dall-e-2/p"].error or "")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_valid_request_that_only_ever_gets_a_gateway_5xx_is_an_error(status: int) -> None:
    def answer(request: Request) -> Answer:
        return _json(status) if _is_valid(request) else BAD

    exchanges, transport, _ = _run(answer, [_probe(), _probe("invalid", 0, "n-zero")])
    exchange = exchanges["dall-e-2/p"]
    assert len(exchange.attempts) == 3
    assert (
        exchange.error
        == f"HTTP {status} on each of 3 attempts; retries exhausted (--retries), could not judge"
    )
    verdict = judge(REGISTRY["generation.status"], _probe(), exchange, view_rules(PROFILE))
    assert verdict.result("docs").outcome == "error"
    assert transport.budget.spent == 0


@pytest.mark.parametrize(("status", "attempts"), [(500, 2), (503, 3)])
def test_bad_input_answered_5xx_every_time_fails_its_check(status: int, attempts: int) -> None:
    """A 500 to bad input is asked once more; a 503 gets the full retries; either way,
    from a server that answers other requests, the 5xx is the verdict."""
    invalid = _probe("invalid", 0, "n-zero")

    def answer(request: Request) -> Answer:
        return OK if _is_valid(request) else _json(status)

    exchanges, _, _ = _run(answer, [_probe(), invalid])
    exchange = exchanges["dall-e-2/n-zero"]
    assert len(exchange.attempts) == attempts
    assert exchange.error is None
    verdict = judge(REGISTRY["validation.rejected"], invalid, exchange, view_rules(PROFILE))
    result = verdict.result("docs")
    assert result.outcome == "failed"
    assert f"answered {status} on each of {attempts} attempts" in result.message


def test_a_server_that_answers_everything_5xx_gets_errors_not_failures() -> None:
    invalid = _probe("invalid", 0, "n-zero")
    probes = [_probe(), invalid]
    exchanges, transport, _ = _run(lambda r: _json(500), probes)
    assert transport.counters.healthy == 0
    no_verdict_from_a_down_server(probes, exchanges, healthy=transport.counters.healthy)
    exchange = exchanges["dall-e-2/n-zero"]
    assert exchange.error is not None
    assert "every request of this run got a 5xx or 429" in exchange.error
    verdict = judge(REGISTRY["validation.rejected"], invalid, exchange, view_rules(PROFILE))
    assert verdict.result("docs").outcome == "error"


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    started = time.monotonic()
    exchanges, _, _ = _run(lambda r: _json(429, **{"Retry-After": "3600"}), [_probe()])
    assert time.monotonic() - started < 10
    error = exchanges["dall-e-2/p"].error
    assert error is not None
    assert "asks to retry after 3600 s, more than the 60 s a run waits" in error


def test_an_exhausted_quota_is_not_retried() -> None:
    exchanges, _, _ = _run(lambda r: _json(429, "insufficient_quota"), [_probe()])
    exchange = exchanges["dall-e-2/p"]
    assert len(exchange.attempts) == 1
    assert (
        exchange.error
        == "HTTP 429 (rate limited): HTTP 429 insufficient_quota: the quota is exhausted"
    )


def test_the_empty_balance_probe_takes_any_429_as_its_answer() -> None:
    html = (429, {"Content-Type": "text/html"}, b"<html>quota</html>")
    exchanges, _, _ = _run(lambda r: html, [_probe("balance")])
    exchange = exchanges["dall-e-2/p"]
    assert len(exchange.attempts) == 1
    assert exchange.error is None
    assert exchange.response is not None
    assert exchange.response.status == 429


def test_a_lost_request_is_charged_and_a_retry_must_fit_the_budget() -> None:
    """A timed-out generation may have been billed: it is charged, and its retry must
    reserve again — here the budget cannot cover it, so it is not sent."""
    requests: list[Request] = []

    def answer(request: Request) -> Answer:
        requests.append(request)
        time.sleep(0.5)  # longer than the deadline below
        return OK

    exchanges, transport, _ = _run(answer, [_probe(n=2)], budget=3, timeouts=Timeouts(1, 0.2, 0.2))
    exchange = exchanges["dall-e-2/p"]
    assert len(requests) == 1
    assert exchange.error is not None
    assert "the budget cannot cover a retry" in exchange.error
    assert transport.budget.spent == transport.counters.uncertain == 2
    assert transport.counters.billed == 0


def test_a_refused_connection_is_not_retried() -> None:
    with RawServer(scripted(lambda r: OK)) as server:
        url = server.base_url
    transport = Transport(
        Target(base_url=url, api_key="k"), budget=Budget(5), redactor=Redactor(), retry=FAST
    )
    exchange = transport.run([_probe()])["dall-e-2/p"]
    assert len(exchange.attempts) == 1
    assert exchange.error is not None
    assert exchange.error.endswith("connection refused")
    assert transport.budget.spent == 0  # never sent, never billed


def test_retry_after_forms() -> None:
    assert retry_after([("Retry-After", "2")]) == 2
    assert retry_after([("retry-after-ms", "1500"), ("Retry-After", "9")]) == 1.5
    assert retry_after([("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], now=1445412470) == 10
    assert retry_after([("Retry-After", "soon")]) is None


# --- concurrency and rate -------------------------------------------------------


def test_probes_run_concurrently_up_to_the_limit() -> None:
    in_flight, peak = 0, 0

    async def scenario() -> None:
        nonlocal in_flight, peak

        with RawServer(scripted(lambda r: BAD)) as server:
            transport = Transport(
                Target(base_url=server.base_url),
                budget=Budget(50),
                redactor=Redactor(),
                concurrency=3,
            )
            original = transport._try

            async def counting(*args: Any, **kwargs: Any) -> object:
                nonlocal in_flight, peak
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(0.05)
                try:
                    return await original(*args, **kwargs)
                finally:
                    in_flight -= 1

            transport._try = counting  # type: ignore[assignment,method-assign]
            await transport.run_async([_probe("invalid", 0, f"p{i}") for i in range(9)])

    asyncio.run(scenario())
    assert peak == 3


def test_the_rate_limit_is_a_sliding_window() -> None:
    async def starts() -> list[float]:
        limiter = RateLimiter(Rate(3, 0.3))
        began = time.monotonic()
        out = []
        for _ in range(7):
            await limiter.wait()
            out.append(time.monotonic() - began)
        return out

    times = asyncio.run(starts())
    assert max(times[:3]) < 0.1  # a burst up to the limit
    assert min(times[3:6]) >= 0.3  # then no more than 3 in any 0.3 s
    assert times[6] >= 0.6


def test_rate_limit_syntax() -> None:
    assert parse_rate("60/m") == Rate(60, 60.0, "60/m")
    assert parse_rate("none") is None
    half = parse_rate("0.5/s")
    assert half is not None
    assert (half.requests, half.period_s) == (1, 2.0)
    with pytest.raises(ConfigError, match="expected N/s, N/m or N/h"):
        parse_rate("fast")


# --- where the suite connects ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://10.0.0.7/a.png", "10.0.0.7 is a private address"),
        ("http://192.168.1.1/a.png", "private"),
        ("http://172.16.0.1/a.png", "private"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://127.0.0.2:8080/a.png", "loopback"),
        ("http://[::1]/a.png", "loopback"),
        ("http://0.0.0.0/a.png", "unspecified"),
        ("http://224.0.0.1/a.png", "multicast"),
        ("file:///etc/passwd", "not an absolute http(s) URL"),
        ("data:image/png;base64,AAAA", "not an absolute http(s) URL"),
        ("http://93.184.216.34/a.png", None),
        ("https://127.0.0.1:9999/own-host.png", None),
    ],
)
def test_image_link_address_rule(url: str, says: str | None) -> None:
    guard = AddressGuard("http://127.0.0.1:8080/v1")
    refusal = asyncio.run(guard.refusal(url))
    if says is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert says in refusal


# --- bodies -----------------------------------------------------------------------


def _read(body: bytes, cap: int, **headers: str) -> bytes:
    response = httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
    return asyncio.run(read_capped(response, cap))


def test_bodies_decode_within_the_cap() -> None:
    text = b'{"data": []}' * 100
    assert _read(zlib.compress(text), 10_000, **{"content-encoding": "deflate"}) == text
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflated = raw.compress(text) + raw.flush()
    assert _read(deflated, 10_000, **{"content-encoding": "deflate"}) == text
    with pytest.raises(BodyTooLarge, match="deflate-decoded"):
        _read(zlib.compress(bytes(100_000)), 50_000, **{"content-encoding": "deflate"})
    with pytest.raises(BodyUndecodable, match="Content-Encoding br"):
        _read(b"x", 10, **{"content-encoding": "br"})
    with pytest.raises(BodyUndecodable, match="not valid gzip"):
        _read(b"not gzip at all", 100, **{"content-encoding": "gzip"})


def test_the_reference_run_sends_the_plan_with_attempts_recorded() -> None:
    plan = build_plan(PROFILE, ["dall-e-2"])
    exchanges, transport, server = _run(
        lambda r: OK if _is_valid(r) else BAD, list(plan.probes)[:3]
    )
    assert all(len(e.attempts) == 1 for e in exchanges.values())
    assert all("authorization" in r.headers for r in server.seen)
    assert transport.counters.total == 3


# --- options ----------------------------------------------------------------------


def test_transport_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.config import resolve

    monkeypatch.setenv("IGC_KEY", "k")
    embedded = resolve({})
    assert embedded.rate_limit is None  # our own loopback server: nobody to be polite to
    assert embedded.max_body == 64 * 1024 * 1024
    assert embedded.retry.retries == 8
    vendor = resolve({"base_url": "https://api.example.com/v1", "api_key_env": "IGC_KEY"})
    assert vendor.rate_limit == Rate(60, 60.0, "60/m")  # the profile's
    custom = resolve({"rate_limit": "2/s", "max_body": "1MiB", "retries": "0"})
    assert (custom.rate_limit, custom.max_body, custom.retry.retries) == (
        Rate(2, 1.0, "2/s"),
        1024 * 1024,
        0,
    )
    insecure = {"base_url": "http://10.0.0.1/v1", "api_key_env": "IGC_KEY"}
    with pytest.raises(ConfigError, match="plain http"):
        resolve(insecure)
    assert resolve({**insecure, "allow_insecure_http": True}).base_url == "http://10.0.0.1/v1"
    assert resolve({"base_url": "http://localhost:8080/v1", "api_key_env": "IGC_KEY"})
    for option, value in [("max_body", "lots"), ("retries", "-1"), ("rate_limit", "9/week")]:
        with pytest.raises(ConfigError):
            resolve({option: value})


def test_image_links_are_fetched_without_the_key_through_redirects() -> None:
    png = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\nnot really")

    def answer(request: Request) -> Answer:
        if request.method == "POST":
            body = {"created": 1, "data": [{"url": f"http://127.0.0.1:{port}/hop"}]}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        if request.path == "/hop":
            return 302, {"Location": "/image.png"}, b""
        return png

    with RawServer(scripted(answer)) as server:
        port = server.port
        transport = Transport(
            Target(base_url=server.base_url, api_key="sk-secret"),
            budget=Budget(5),
            redactor=Redactor(),
            retry=FAST,
        )
        exchange = transport.run([_probe()])["dall-e-2/p"]
    [fetch] = exchange.fetches
    assert fetch.redirects == [f"http://127.0.0.1:{port}/hop"]
    assert fetch.response is not None
    assert fetch.response.body == png[2]
    gets = [r for r in server.seen if r.method == "GET"]
    assert len(gets) == 2
    assert all("authorization" not in r.headers for r in gets)
