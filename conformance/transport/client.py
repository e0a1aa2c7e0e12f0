"""The one way the suite talks to a server: httpx, recorded, redacted, budgeted.

Every probe goes through :meth:`Transport.run`: it reserves budget for what the
request could bill, sends it with bounded concurrency, reads the answer up to a
size cap, records the exchange with every secret redacted, counts what the
server billed, and fetches image URLs (without credentials) so the checks can
judge them offline.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from conformance import __version__
from conformance.exchange import Attempt, Exchange, Fetch, RecordedRequest, RecordedResponse
from conformance.probes import WRONG_KEY, Probe
from conformance.redact import Redactor
from conformance.sse import StreamProgress, is_event_stream
from conformance.sse import billed_images as stream_billed_images
from conformance.transport.bodies import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_BODY,
    BodyTooLarge,
    BodyUndecodable,
    read_capped,
)
from conformance.transport.budget import Budget
from conformance.transport.netguard import AddressGuard
from conformance.transport.ratelimit import Rate, RateLimiter
from conformance.transport.reasons import describe, gave_up, lost, root_cause
from conformance.transport.retry import Kind, RetryPolicy, after_answer, after_failure
from conformance.transport.values import Counters, Settings, Target, Timeouts

USER_AGENT = f"imagegen-conformance/{__version__}"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_IMAGE_REDIRECTS = 5


def _retry_kind(probe: Probe) -> Kind:
    """A request sent to be refused takes its refusal (even a 5xx) as the answer."""
    if probe.kind == "balance":
        return "empty-balance"
    return "bad-input" if probe.kind == "invalid" else "well-formed"


@dataclass
class _Try:
    """One attempt: an answer (status, headers, decoded body) or why there is none."""

    response: httpx.Response | None = None
    body: bytes = b""
    error: str | None = None
    transient: bool = False
    timeout: bool = False
    # Whether the request may have reached the server (so it may have been billed).
    reached: bool = True


class Transport:
    """Sends a batch of probes to one target and records what came back.

    httpx with bounded concurrency and a rate limit; retries only transient
    answers; reserves budget before anything billable goes out; caps bodies and
    time; redacts every exchange as it is recorded; fetches image links without
    credentials; counts what it sent in :attr:`counters`. The run uses one for
    its plan, and one per shrinking candidate.
    """

    def __init__(
        self,
        target: Target,
        *,
        budget: Budget,
        redactor: Redactor,
        concurrency: int = 4,
        timeouts: Timeouts | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        retry: RetryPolicy | None = None,
        rate: Rate | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.target = target
        self.budget = budget
        self.redactor = redactor
        self.concurrency = max(concurrency, 1)
        self.timeouts = timeouts or Timeouts()
        self.max_body = max_body
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate)
        self.guard = AddressGuard(target.base_url)
        self.rng = rng or random.Random()
        self.counters = Counters()
        for secret in (target.api_key, target.zero_balance_key):
            if secret:
                redactor.add(secret)

    @classmethod
    def for_run(
        cls,
        target: Target,
        settings: Settings,
        *,
        budget: int,
        redactor: Redactor,
        concurrency: int | None = None,
    ) -> Transport:
        """The transport a run's configuration asks for (a RunConfig is ``settings``).

        The one place a run hands over its concurrency, timeouts, body cap, retries
        and rate limit. ``budget``: the most images this transport may bill;
        ``concurrency`` overrides the run's (a shrinking candidate goes alone).
        """
        return cls(
            target,
            budget=Budget(budget),
            redactor=redactor,
            concurrency=settings.concurrency if concurrency is None else concurrency,
            timeouts=settings.timeouts,
            max_body=settings.max_body,
            retry=settings.retry,
            rate=settings.rate_limit,
        )

    # -- building requests -------------------------------------------------

    def _headers(self, probe: Probe) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        headers.update(self.target.headers)
        headers.update(probe.headers)
        if probe.auth == "key" and self.target.api_key:
            headers[self.target.auth_header] = self.target.auth_value(self.target.api_key)
        elif probe.auth == "wrong":
            headers[self.target.auth_header] = self.target.auth_value(WRONG_KEY)
        elif probe.auth == "zero" and self.target.zero_balance_key:
            headers[self.target.auth_header] = self.target.auth_value(self.target.zero_balance_key)
        return headers

    def _record_request(self, request: httpx.Request, body: bytes) -> RecordedRequest:
        return RecordedRequest(
            method=request.method,
            url=self.redactor.text(str(request.url)),
            headers=self.redactor.headers(request.headers.multi_items()),
            body=self.redactor.bytes(body),
        )

    def _record_response(self, response: httpx.Response, body: bytes) -> RecordedResponse:
        return RecordedResponse(
            status=response.status_code,
            headers=self.redactor.headers(response.headers.multi_items()),
            body=self.redactor.bytes(body),
        )

    # -- one attempt -------------------------------------------------------

    async def _send(
        self, client: httpx.AsyncClient, request: httpx.Request, progress: StreamProgress
    ) -> tuple[httpx.Response, bytes]:
        self.counters.total += 1
        response = await client.send(request, stream=True)
        # An event stream is read whole like any body; its progress names why it ended.
        streaming = is_event_stream(response.headers.get("content-type"))
        try:
            body = await read_capped(response, self.max_body, progress.feed if streaming else None)
        finally:
            await response.aclose()
        return response, body

    async def _try(self, client: httpx.AsyncClient, request: httpx.Request) -> _Try:
        url = str(request.url)
        progress = StreamProgress()
        try:
            response, body = await asyncio.wait_for(
                self._send(client, request, progress), timeout=self.timeouts.total_s
            )
        except (BodyTooLarge, BodyUndecodable) as exc:
            return _Try(error=self.redactor.text(str(exc) + progress.describe()))
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            timeout = isinstance(exc, (httpx.TimeoutException, TimeoutError))
            # A stream that stalls or trickles after its first bytes is not retried:
            # that is how it answers, and a retry would bill its images again.
            stalled = timeout and progress.started
            refused = isinstance(exc, httpx.ConnectError) and (
                root_cause(exc) != "connection reset by peer"
            )
            broken = (
                httpx.ConnectError,
                httpx.ReadError,
                httpx.WriteError,
                httpx.RemoteProtocolError,
            )
            transient = (timeout and not stalled) or (isinstance(exc, broken) and not refused)
            return _Try(
                error=self.redactor.text(describe(exc, url, self.timeouts) + progress.describe()),
                transient=transient,
                timeout=timeout,
                reached=not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)),
            )
        return _Try(response=response, body=body)

    async def _attempts(
        self,
        client: httpx.AsyncClient,
        gate: asyncio.Semaphore,
        request: httpx.Request,
        *,
        kind: Kind,
        api: bool,
        on_no_answer: Callable[[_Try, bool], Awaitable[bool]] | None = None,
    ) -> tuple[_Try, list[Attempt], str | None]:
        """Try until an answer is final; returns the last try, the attempts and why it
        gave up (None when the last answer is the one to judge)."""
        attempts: list[Attempt] = []
        started = time.monotonic()
        retry = 0
        while True:
            async with gate:
                if api:
                    await self.limiter.wait()
                began = time.monotonic()
                tried = await self._try(client, request)
            retry += 1
            status = tried.response.status_code if tried.response is not None else None
            attempt = Attempt(
                started_s=round(began - started, 3),
                elapsed_s=round(time.monotonic() - began, 3),
                status=status,
                error=tried.error,
            )
            attempts.append(attempt)
            if tried.response is not None:
                if api and status is not None and status < 500 and status != 429:
                    self.counters.healthy += 1
                decision = after_answer(
                    self.retry,
                    kind=kind,
                    status=tried.response.status_code,
                    headers=list(tried.response.headers.multi_items()),
                    body=tried.body,
                    retry=retry,
                    rng=self.rng,
                )
            else:
                decision = after_failure(
                    self.retry,
                    transient=tried.transient,
                    timeout=tried.timeout,
                    retry=retry,
                    rng=self.rng,
                )
                again = decision.action == "retry"
                if on_no_answer is not None and not await on_no_answer(tried, again):
                    return (
                        tried,
                        attempts,
                        f"{lost(tried.error, attempts)}; the budget cannot cover a retry",
                    )
            if decision.action == "final":
                return tried, attempts, None
            if decision.action == "give-up":
                if tried.response is None:
                    return tried, attempts, lost(tried.error, attempts)
                return tried, attempts, gave_up(attempts, decision.reason)
            attempt.wait_s = round(decision.wait_s, 3)
            self.counters.retries += 1
            await asyncio.sleep(decision.wait_s)

    # -- probes ------------------------------------------------------------

    async def _run_one(
        self, client: httpx.AsyncClient, gate: asyncio.Semaphore, probe: Probe
    ) -> Exchange:
        body = probe.content()
        request = client.build_request(
            "POST", self.target.endpoint, content=body, headers=self._headers(probe)
        )
        exchange = Exchange(probe_key=probe.key, request=self._record_request(request, body))
        reserve = probe.potential_images
        if not await self.budget.acquire(reserve):
            exchange.skipped = (
                f"budget: it could bill {reserve} image(s) and "
                f"{self.budget.spent} of {self.budget.limit} are spent"
            )
            return exchange
        held = reserve

        async def no_answer(tried: _Try, again: bool) -> bool:
            """A request lost on the way may still have been billed: charge it, and
            reserve again before a retry (False when the budget cannot)."""
            nonlocal held
            if tried.reached and held:
                await self.budget.settle(held, held)
                self.counters.uncertain += held
                held = 0
            if again and not held and reserve:
                if not await self.budget.acquire(reserve):
                    return False
                held = reserve
            return True

        billed = 0
        exchange.sent_at = time.time()
        started = time.monotonic()
        try:
            tried, exchange.attempts, gave_up = await self._attempts(
                client,
                gate,
                request,
                kind=_retry_kind(probe),
                api=True,
                on_no_answer=no_answer,
            )
            if tried.response is not None:
                exchange.response = self._record_response(tried.response, tried.body)
                billed = billed_images(exchange.response, reserve)
            exchange.error = gave_up or tried.error
        finally:
            exchange.elapsed_s = time.monotonic() - started
            await self.budget.settle(held, billed if held else 0)
        exchange.billed = billed
        self.counters.billed += billed
        answered = exchange.response if exchange.error is None else None
        if answered is not None and 200 <= answered.status < 300:
            for url in image_urls(answered):
                exchange.fetches.append(await self._fetch(client, gate, url))
        return exchange

    # -- image links -------------------------------------------------------

    async def _fetch(self, client: httpx.AsyncClient, gate: asyncio.Semaphore, url: str) -> Fetch:
        """GET an image link without credentials, following at most a few redirects,
        each hop checked by the address rule."""
        current = url
        hops: list[str] = []
        while True:
            refusal = await self.guard.refusal(current)
            if refusal is not None:
                via = f" (redirected from {url[:200]})" if hops else ""
                return Fetch(url=url, refused=self.redactor.text(refusal + via), redirects=hops)
            # Image links never get the API key: they may point anywhere.
            request = client.build_request(
                "GET",
                current,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
            )
            tried, _, gave_up = await self._attempts(
                client, gate, request, kind="well-formed", api=False
            )
            response = tried.response
            if response is None or gave_up:
                error = gave_up or tried.error or "no answer"
                return Fetch(url=url, error=self.redactor.text(error), redirects=hops)
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                hops.append(current)
                if len(hops) > MAX_IMAGE_REDIRECTS:
                    return Fetch(
                        url=url,
                        refused=f"more than {MAX_IMAGE_REDIRECTS} redirects (a redirect loop?)",
                        redirects=hops,
                    )
                current = str(response.url.join(location))
                continue
            return Fetch(
                url=url, response=self._record_response(response, tried.body), redirects=hops
            )

    # -- the run -----------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        timeout = httpx.Timeout(
            connect=self.timeouts.connect_s,
            read=self.timeouts.read_s,
            write=self.timeouts.read_s,
            pool=None,
        )
        limits = httpx.Limits(
            max_connections=self.concurrency * 2, max_keepalive_connections=self.concurrency * 2
        )
        # A redirect is an answer to judge, never something to follow with the key.
        return httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
        )

    async def run_async(self, probes: Sequence[Probe]) -> dict[str, Exchange]:
        gate = asyncio.Semaphore(self.concurrency)
        async with self._client() as client:
            exchanges = await asyncio.gather(*(self._run_one(client, gate, p) for p in probes))
        return {e.probe_key: e for e in exchanges}

    def run(self, probes: Iterable[Probe]) -> dict[str, Exchange]:
        return asyncio.run(self.run_async(list(probes)))


def image_urls(response: RecordedResponse | None) -> list[str]:
    """The ``url`` values of a generation answer, in order, without duplicates."""
    if response is None:
        return []
    payload: Any = response.json_or_none()
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        return []
    urls: list[str] = []
    for item in data:
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and url and url not in urls:
            urls.append(url)
    return urls


def billed_images(response: RecordedResponse | None, requested: int) -> int:
    """Images a server billed for one answer: every 2xx generation counts.

    The images in ``data`` when it is a list; in an event stream, every partial
    and completed image; the requested count when the body cannot tell (assume
    the worst).
    """
    if response is None or not 200 <= response.status < 300:
        return 0
    if is_event_stream(response.content_type):
        return stream_billed_images(response.body)
    payload: Any = response.json_or_none()
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, list):
        return len(data)
    # An event stream sent as another media type still delivered its images.
    return (payload is None and stream_billed_images(response.body)) or requested
