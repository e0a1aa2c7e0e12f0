"""The one way the suite talks to a server: httpx, recorded, redacted, budgeted.

Every probe goes through :meth:`Transport.run`: it reserves budget for what the
request could bill, sends it with bounded concurrency, reads the answer up to a
size cap, records the exchange with every secret redacted, counts what the
server billed, and fetches image URLs (without credentials) so the checks can
judge them offline. Each request gets the time limits of what it expects (a
refusal, a generation, an image link); once the server has stopped answering
(``breaker``), nothing more is sent.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
    outgoing,
    read_capped,
)
from conformance.transport.breaker import Breaker
from conformance.transport.budget import Budget
from conformance.transport.deployments import deployed
from conformance.transport.endpoint import EndpointWatch
from conformance.transport.netguard import AddressGuard
from conformance.transport.ratelimit import Rate, RateLimiter
from conformance.transport.reasons import describe, gave_up, lost, root_cause
from conformance.transport.retry import Kind, RetryPolicy, after_answer, after_failure
from conformance.transport.slots import Slots
from conformance.transport.values import Counters, Limit, Settings, Target, Timeouts

USER_AGENT = f"imagegen-conformance/{__version__}"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_IMAGE_REDIRECTS = 5
# After SIGINT or SIGTERM, how long requests already in flight may take to be
# answered (they may be billed either way); a second signal abandons them at once.
INTERRUPT_GRACE_S = 15.0
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PROGRESS_TICK_S = 1.0


def expects_refusal(probe: Probe) -> bool:
    """Answered at once by a live server, so held to the refusal limit: a request
    refused before anything is generated, or the model list (GET /v1/models,
    which generates nothing; a silent server must not hold the run for a
    generation's 300 s before the first image request).

    By kind alone: a refusal probe that asks for ``stream: true`` still expects a
    refusal, and a streaming probe (``valid``) generates, so it keeps a
    generation's limits.
    """
    return probe.kind in ("invalid", "auth", "balance", "listing")


def _httpx_timeout(limit: Limit) -> httpx.Timeout:
    return httpx.Timeout(connect=limit.connect_s, read=limit.read_s, write=limit.read_s, pool=None)


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
    # No answer at all (timeout, reset, refused connection): what the breaker counts.
    silent: bool = False


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
        breaker: Breaker | None = None,
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
        # Shared with the transports that send fuzz shrinking candidates after the run.
        self.breaker = breaker or Breaker()
        # Whether anything at the base URL answers like an API (a wrong URL stops the run).
        self.watch = EndpointWatch(target.base_url)
        # Why the user stopped the run (a signal while sending), or None.
        self.interrupted: str | None = None
        # Told of every probe done, and every PROGRESS_TICK_S meanwhile (with None):
        # a live progress line, if anyone asks.
        self.on_done: Callable[[Transport, Exchange | None], None] | None = None
        self.planned = 0
        # Probes whose first request has gone out.
        self.begun = 0
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
        breaker: Breaker | None = None,
    ) -> Transport:
        """The transport a run's configuration asks for (a RunConfig is ``settings``).

        The one place a run hands over its concurrency, timeouts, body cap, retries
        and rate limit. ``budget``: the most images this transport may bill;
        ``concurrency`` overrides the run's (a shrinking candidate goes alone);
        ``breaker``: the run's, so that every transport of one run stops sending
        once the server has stopped answering.
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
            breaker=breaker,
        )

    # -- building requests -------------------------------------------------

    def _headers(self, probe: Probe, content_type: str) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
        if content_type:  # a GET carries no body, so no Content-Type
            headers = {"Content-Type": content_type, **headers}
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

    async def _try(
        self,
        client: httpx.AsyncClient,
        request: httpx.Request,
        limit: Limit | None = None,
        *,
        api: bool = True,
    ) -> _Try:
        url = str(request.url)
        limit = limit or self.timeouts.generation()
        progress = StreamProgress()
        wrote = False

        async def trace(event: str, info: Any) -> None:
            # Until its headers go out, a request cannot have reached (or cost) anything.
            nonlocal wrote
            if event.endswith("send_request_headers.started"):
                wrote = True

        request.extensions["trace"] = trace
        sending = asyncio.ensure_future(self._send(client, request, progress))
        if api:
            self.breaker.track(sending)  # abandoned if the server is found to be down
        try:
            response, body = await asyncio.wait_for(sending, timeout=limit.total_s)
        except asyncio.CancelledError:
            if not self.breaker.abandoned(sending):
                raise
            return _Try(
                error=self.breaker.abandoned_in_flight() + progress.describe(),
                reached=wrote and self.breaker.in_flight_may_bill,
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
                error=self.redactor.text(describe(exc, url, limit) + progress.describe()),
                transient=transient,
                timeout=timeout,
                reached=wrote and not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)),
                silent=True,
            )
        return _Try(response=response, body=body)

    async def _attempts(
        self,
        client: httpx.AsyncClient,
        gate: Slots,
        request: httpx.Request,
        *,
        kind: Kind,
        api: bool,
        on_no_answer: Callable[[_Try, bool], Awaitable[bool]] | None = None,
        limit: Limit | None = None,
        quick: bool = False,
    ) -> tuple[_Try, list[Attempt], str | None]:
        """Try until an answer is final; returns the last try, the attempts and why it
        gave up (None when the last answer is the one to judge).

        ``quick``: a request expected to be refused; it has a short limit, and a
        timeout is not retried (a refusal that hangs once hangs again).
        """
        attempts: list[Attempt] = []
        started = time.monotonic()
        retry = 0
        policy = replace(self.retry, timeout_retries=0) if quick else self.retry
        tried = _Try()
        while True:
            async with gate.hold(quick):
                if api and not self.breaker.open:
                    await self.limiter.wait()
                if api and self.breaker.open:
                    if not attempts:
                        return _Try(error=self.breaker.not_sent(), reached=False), [], None
                    return tried, attempts, self._stopped(tried, attempts)
                if api and not attempts:
                    self.begun += 1
                began = time.monotonic()
                tried = await self._try(client, request, limit, api=api)
                if api and tried.silent:
                    self.breaker.no_answer(began, tried.error or "no answer")
                elif api and not self.breaker.open:
                    self.breaker.answer()
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
                if api and self.watch.answer(
                    tried.response.status_code,
                    list(tried.response.headers.multi_items()),
                    tried.body,
                    str(request.url),
                ):
                    # No images API there: judging these answers would blame the vendor.
                    self.breaker.halt(self.watch.problem or "", in_flight_may_bill=False)
                    self.breaker.abandon_in_flight()
                decision = after_answer(
                    policy,
                    kind=kind,
                    status=tried.response.status_code,
                    headers=list(tried.response.headers.multi_items()),
                    body=tried.body,
                    retry=retry,
                    rng=self.rng,
                )
            else:
                decision = after_failure(
                    policy,
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
            if api and self.breaker.open:
                return tried, attempts, self._stopped(tried, attempts)
            self.counters.retries += 1
            await (self.breaker.sleep if api else asyncio.sleep)(decision.wait_s)

    def _stopped(self, tried: _Try, attempts: Sequence[Attempt]) -> str:
        """Why a request is not tried again: the server stopped answering."""
        if tried.response is None:
            return f"{lost(tried.error, attempts)}; {self.breaker.not_retried()}"
        return gave_up(attempts, self.breaker.not_retried())

    # -- probes ------------------------------------------------------------

    async def _run_one(self, client: httpx.AsyncClient, gate: Slots, probe: Probe) -> Exchange:
        sent = outgoing(deployed(probe, self.target.deployments))
        body = sent.content
        quick = expects_refusal(probe)
        limit = self.timeouts.refusal() if quick else self.timeouts.generation()
        request = client.build_request(
            sent.method,
            self.target.url(sent.path),
            content=None if sent.method == "GET" else body,
            headers=self._headers(probe, sent.content_type),
            timeout=_httpx_timeout(limit),
        )
        exchange = Exchange(probe_key=probe.key, request=self._record_request(request, body))
        reserve = probe.potential_images
        if self.breaker.open:
            exchange.error = self.breaker.not_sent()
            return exchange
        if not await self.budget.acquire(reserve):
            if self.breaker.open:
                exchange.error = self.breaker.not_sent()
                return exchange
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
                limit=limit,
                quick=quick,
            )
            if tried.response is not None:
                exchange.response = self._record_response(tried.response, tried.body)
                billed = (
                    billed_images(exchange.response, reserve, self.target.list_key)
                    if sent.generates
                    else 0
                )
            exchange.error = gave_up or tried.error
        finally:
            exchange.elapsed_s = time.monotonic() - started
            await self.budget.settle(held, billed if held else 0)
        exchange.billed = billed
        self.counters.billed += billed
        answered = exchange.response if exchange.error is None else None
        if answered is not None and 200 <= answered.status < 300 and sent.generates:
            for url in image_urls(answered, self.target.list_key):
                exchange.fetches.append(await self._fetch(client, gate, url))
        return exchange

    # -- image links -------------------------------------------------------

    async def _fetch(self, client: httpx.AsyncClient, gate: Slots, url: str) -> Fetch:
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
            limit = self.timeouts.image()
            request = client.build_request(
                "GET",
                current,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
                timeout=_httpx_timeout(limit),
            )
            tried, _, gave_up = await self._attempts(
                client, gate, request, kind="well-formed", api=False, limit=limit
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

    async def _run_counted(self, client: httpx.AsyncClient, gate: Slots, probe: Probe) -> Exchange:
        try:
            exchange = await self._run_one(client, gate, probe)
        finally:
            if expects_refusal(probe):
                gate.quick_done()
        if self.on_done is not None:
            self.on_done(self, exchange)
        return exchange

    async def run_async(self, probes: Sequence[Probe]) -> dict[str, Exchange]:
        gate = Slots(
            self.concurrency,
            quick=sum(1 for p in probes if expects_refusal(p)),
            in_doubt=lambda: self.breaker.in_doubt,
        )
        self.planned = len(probes)
        ticks = asyncio.ensure_future(self._ticks())
        try:
            with self._stop_signals():
                async with self._client() as client:
                    exchanges = await asyncio.gather(
                        *(self._run_counted(client, gate, p) for p in probes)
                    )
        finally:
            ticks.cancel()
        if self.watch.problem is not None:
            for exchange in exchanges:
                if exchange.error is None and exchange.response is not None:
                    exchange.error = f"not judged — {self.watch.problem}"
        return {e.probe_key: e for e in exchanges}

    async def _ticks(self) -> None:
        """Tell ``on_done`` the time passes while nothing completes (a rate limit's wait)."""
        while self.on_done is not None:
            await asyncio.sleep(PROGRESS_TICK_S)
            self.on_done(self, None)

    def _interrupt(self, name: str) -> None:
        if self.interrupted is not None:
            self.breaker.abandon_in_flight()  # a second signal: stop waiting
            return
        self.interrupted = name
        self.breaker.halt(f"interrupted ({name})")
        asyncio.get_running_loop().call_later(INTERRUPT_GRACE_S, self.breaker.abandon_in_flight)

    @contextmanager
    def _stop_signals(self) -> Iterator[None]:
        """While sending, SIGINT and SIGTERM stop the sending, not the run: what was
        answered (and billed) is still judged and reported."""
        loop = asyncio.get_running_loop()
        previous: dict[signal.Signals, Any] = {}
        for sig in _STOP_SIGNALS:
            before = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, self._interrupt, sig.name)
            except (ValueError, RuntimeError):  # not the main thread: signals stay as they were
                break
            previous[sig] = before
        try:
            yield
        finally:
            for sig, handler in previous.items():
                loop.remove_signal_handler(sig)
                signal.signal(sig, handler)

    def run(self, probes: Iterable[Probe]) -> dict[str, Exchange]:
        return asyncio.run(self.run_async(list(probes)))


def _image_list(payload: Any, list_key: str) -> Any:
    """The answer's image list: under the documented key, else OpenAI's ``data``."""
    if not isinstance(payload, dict):
        return None
    found = payload.get(list_key)
    return found if isinstance(found, list) else payload.get("data")


def image_urls(response: RecordedResponse | None, list_key: str = "data") -> list[str]:
    """The ``url`` values of a generation answer, in order, without duplicates."""
    if response is None:
        return []
    payload: Any = response.json_or_none()
    data = _image_list(payload, list_key)
    if not isinstance(data, list):
        return []
    urls: list[str] = []
    for item in data:
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and url and url not in urls:
            urls.append(url)
    return urls


def billed_images(response: RecordedResponse | None, requested: int, list_key: str = "data") -> int:
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
    data = _image_list(payload, list_key)
    if isinstance(data, list):
        return len(data)
    # An event stream sent as another media type still delivered its images.
    return (payload is None and stream_billed_images(response.body)) or requested
