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
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance import __version__
from conformance.bodies import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_BODY,
    BodyTooLarge,
    BodyUndecodable,
    read_capped,
)
from conformance.breaker import Breaker
from conformance.budget import Budget
from conformance.exchange import Attempt, Exchange, Fetch, RecordedRequest, RecordedResponse
from conformance.netguard import AddressGuard
from conformance.probes import WRONG_KEY, Probe
from conformance.ratelimit import Rate, RateLimiter
from conformance.redact import Redactor
from conformance.retry import Kind, RetryPolicy, after_answer, after_failure
from conformance.slots import Slots

GENERATIONS_PATH = "/images/generations"
USER_AGENT = f"imagegen-conformance/{__version__}"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_IMAGE_REDIRECTS = 5


@dataclass(frozen=True)
class Limit:
    """The time limits of one request, and what a timeout's message names for each."""

    connect_s: float
    read_s: float
    total_s: float
    read_option: str = "--read-timeout"
    total_name: str = "deadline"
    total_option: str = "--deadline"
    # Said after a timeout, e.g. why a refusal should not take this long.
    note: str = ""

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect_s, read=self.read_s, write=self.read_s, pool=None)


@dataclass(frozen=True)
class Timeouts:
    """Generations are slow (minutes per answer are normal); refusals are not: a
    vendor validates a request before it generates anything."""

    connect_s: float = 10.0
    read_s: float = 300.0
    total_s: float = 600.0
    # Whole answer to a request expected to be refused (invalid, auth, empty balance).
    refusal_s: float = 30.0
    # Whole download of an image link.
    image_s: float = 60.0

    def generation(self) -> Limit:
        return Limit(self.connect_s, self.read_s, self.total_s)

    def _capped(self, cap_s: float, name: str, option: str, note: str = "") -> Limit:
        """The generation limits, each lowered to ``cap_s`` where that is lower."""
        read, read_option = (cap_s, option) if cap_s < self.read_s else (self.read_s, "")
        total, total_name, total_option = (
            (cap_s, name, option) if cap_s < self.total_s else (self.total_s, "", "")
        )
        default = self.generation()
        return Limit(
            self.connect_s,
            read,
            total,
            read_option or default.read_option,
            total_name or default.total_name,
            total_option or default.total_option,
            note,
        )

    def refusal(self) -> Limit:
        return self._capped(
            self.refusal_s,
            "refusal limit",
            "--refusal-timeout",
            "a refusal comes before anything is generated",
        )

    def image(self) -> Limit:
        return self._capped(self.image_s, "image limit", "--image-timeout")


@dataclass(frozen=True)
class Target:
    base_url: str
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    # Never in a repr: a traceback that shows locals must not show the key.
    api_key: str | None = field(default=None, repr=False)
    key_env: str = "OPENAI_API_KEY"
    headers: Mapping[str, str] = field(default_factory=dict)
    # A valid key whose balance is empty, for the balance probe; never in a repr either.
    zero_balance_key: str | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + GENERATIONS_PATH

    def auth_value(self, key: str) -> str:
        return f"{self.auth_scheme} {key}" if self.auth_scheme else key


@dataclass
class Counters:
    total: int = 0
    retries: int = 0
    # Images the server billed (2xx answers), and images it may have billed for
    # requests that got no answer (charged to the budget, never to the vendor).
    billed: int = 0
    uncertain: int = 0
    # API answers that were neither 429 nor 5xx: the server is otherwise healthy.
    healthy: int = 0


def _expects_refusal(probe: Probe) -> bool:
    """Refused before anything is generated: it should be answered at once."""
    return probe.kind in ("invalid", "auth", "balance")


def _retry_kind(probe: Probe) -> Kind:
    """A request sent to be refused takes its refusal (even a 5xx) as the answer."""
    if probe.kind == "balance":
        return "empty-balance"
    return "bad-input" if probe.kind == "invalid" else "well-formed"


def _root_cause(exc: BaseException) -> str | None:
    """The operating system's reason hidden in httpx's exception chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, ConnectionResetError):
            return "connection reset by peer"
        if isinstance(seen, socket.gaierror):
            return f"cannot resolve the host name ({seen.strerror})"
        seen = seen.__cause__ or seen.__context__
    return None


def _describe(exc: BaseException, url: str, limit: Limit) -> str:
    """A short reason naming the cause, for an attempt that got no answer."""
    where = urlsplit(url).netloc
    # The note says why this limit is short; only when that limit is the one named.
    note = f": {limit.note}" if limit.note else ""
    read_note = note if limit.read_option != Limit.read_option else ""
    total_note = note if limit.total_option != Limit.total_option else ""
    if isinstance(exc, httpx.ConnectTimeout):
        return (
            f"timeout: no connection to {where} within the "
            f"{limit.connect_s:g} s connect timeout (--connect-timeout)"
        )
    if isinstance(exc, httpx.ReadTimeout):
        return (
            f"timeout: {where} sent nothing for {limit.read_s:g} s ({limit.read_option}{read_note})"
        )
    if isinstance(exc, TimeoutError):
        return (
            f"timeout: {where} did not finish answering within the "
            f"{limit.total_s:g} s {limit.total_name} ({limit.total_option}{total_note})"
        )
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {where} ({type(exc).__name__})"
    cause = _root_cause(exc)
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {where}: {cause or exc or 'connection failed'}"
    if cause == "connection reset by peer":
        return f"{where}: connection reset by peer"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke the HTTP exchange: {exc}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__} talking to {where}: {exc}"
    return f"{type(exc).__name__}: {exc}"


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
        for secret in (target.api_key, target.zero_balance_key):
            if secret:
                redactor.add(secret)

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
        self, client: httpx.AsyncClient, request: httpx.Request
    ) -> tuple[httpx.Response, bytes]:
        self.counters.total += 1
        response = await client.send(request, stream=True)
        try:
            body = await read_capped(response, self.max_body)
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
        sending = asyncio.ensure_future(self._send(client, request))
        if api:
            self.breaker.track(sending)  # abandoned if the server is found to be down
        try:
            response, body = await asyncio.wait_for(sending, timeout=limit.total_s)
        except asyncio.CancelledError:
            if not self.breaker.abandoned(sending):
                raise
            return _Try(error=self.breaker.abandoned_in_flight())
        except (BodyTooLarge, BodyUndecodable) as exc:
            return _Try(error=str(exc))
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            timeout = isinstance(exc, (httpx.TimeoutException, TimeoutError))
            refused = isinstance(exc, httpx.ConnectError) and (
                _root_cause(exc) != "connection reset by peer"
            )
            broken = (
                httpx.ConnectError,
                httpx.ReadError,
                httpx.WriteError,
                httpx.RemoteProtocolError,
            )
            transient = timeout or (isinstance(exc, broken) and not refused)
            return _Try(
                error=self.redactor.text(_describe(exc, url, limit)),
                transient=transient,
                timeout=timeout,
                reached=not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)),
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
                        f"{_lost(tried, attempts)}; the budget cannot cover a retry",
                    )
            if decision.action == "final":
                return tried, attempts, None
            if decision.action == "give-up":
                if tried.response is None:
                    return tried, attempts, _lost(tried, attempts)
                return tried, attempts, _gave_up(attempts, decision.reason)
            attempt.wait_s = round(decision.wait_s, 3)
            if api and self.breaker.open:
                return tried, attempts, self._stopped(tried, attempts)
            self.counters.retries += 1
            await (self.breaker.sleep if api else asyncio.sleep)(decision.wait_s)

    def _stopped(self, tried: _Try, attempts: Sequence[Attempt]) -> str:
        """Why a request is not tried again: the server stopped answering."""
        if tried.response is None:
            return f"{_lost(tried, attempts)}; {self.breaker.not_retried()}"
        return _gave_up(attempts, self.breaker.not_retried())

    # -- probes ------------------------------------------------------------

    async def _run_one(self, client: httpx.AsyncClient, gate: Slots, probe: Probe) -> Exchange:
        body = probe.content()
        quick = _expects_refusal(probe)
        limit = self.timeouts.refusal() if quick else self.timeouts.generation()
        request = client.build_request(
            "POST",
            self.target.endpoint,
            content=body,
            headers=self._headers(probe),
            timeout=limit.timeout(),
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
                timeout=limit.timeout(),
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

    def _judge_5xx_to_bad_input(
        self, exchanges: Sequence[Exchange], probes: Sequence[Probe]
    ) -> None:
        """A 5xx to bad input is a verdict only from a server that answers otherwise."""
        if self.counters.healthy:
            return
        for probe, exchange in zip(probes, exchanges, strict=True):
            response = exchange.response
            if (
                probe.kind == "invalid"
                and exchange.error is None
                and response is not None
                and response.status >= 500
            ):
                exchange.error = (
                    f"HTTP {response.status}, and every request of this run got a 5xx or "
                    "429: the server is down or overloaded, so the run could not judge"
                )

    async def _run_counted(self, client: httpx.AsyncClient, gate: Slots, probe: Probe) -> Exchange:
        try:
            return await self._run_one(client, gate, probe)
        finally:
            if _expects_refusal(probe):
                gate.quick_done()

    async def run_async(self, probes: Sequence[Probe]) -> dict[str, Exchange]:
        gate = Slots(
            self.concurrency,
            quick=sum(1 for p in probes if _expects_refusal(p)),
            in_doubt=lambda: self.breaker.in_doubt,
        )
        async with self._client() as client:
            exchanges = await asyncio.gather(*(self._run_counted(client, gate, p) for p in probes))
        self._judge_5xx_to_bad_input(exchanges, probes)
        return {e.probe_key: e for e in exchanges}

    def run(self, probes: Iterable[Probe]) -> dict[str, Exchange]:
        return asyncio.run(self.run_async(list(probes)))


def _lost(tried: _Try, attempts: Sequence[Attempt]) -> str:
    """Why an attempt got no answer, and how many tries it took."""
    error = tried.error or "no answer"
    return f"{error} (after {len(attempts)} attempts)" if len(attempts) > 1 else error


def _gave_up(attempts: Sequence[Attempt], reason: str) -> str:
    """Why the run could not judge, naming what every attempt got."""
    last = attempts[-1]
    got = f"HTTP {last.status}" if last.status is not None else (last.error or "no answer")
    if last.status == 429:
        got += " (rate limited)"
    count = len(attempts)
    if count > 1:
        same = all(a.status == last.status and a.error == last.error for a in attempts)
        got += f" on each of {count} attempts" if same else f" on the last of {count} attempts"
    return (
        f"{got}: {reason}" if reason else f"{got}; retries exhausted (--retries), could not judge"
    )


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

    The images in ``data`` when it is a list; the requested count when the body
    cannot tell (assume the worst).
    """
    if response is None or not 200 <= response.status < 300:
        return 0
    payload: Any = response.json_or_none()
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, list):
        return len(data)
    return requested
