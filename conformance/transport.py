"""The one way the suite talks to a server: httpx, recorded, redacted, budgeted.

Every probe goes through :meth:`Transport.run`: it reserves budget for what the
request could bill, sends it with bounded concurrency, reads the answer up to a
size cap, records the exchange with every secret redacted, counts what the
server billed, and fetches image URLs (without credentials) so the checks can
judge them offline.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance import __version__
from conformance.budget import Budget
from conformance.exchange import Exchange, Fetch, RecordedRequest, RecordedResponse
from conformance.probes import WRONG_KEY, Probe
from conformance.redact import Redactor

GENERATIONS_PATH = "/images/generations"
USER_AGENT = f"imagegen-conformance/{__version__}"


@dataclass(frozen=True)
class Timeouts:
    """Defaults suit slow image generation: minutes per answer are normal."""

    connect_s: float = 10.0
    read_s: float = 300.0
    total_s: float = 600.0


@dataclass(frozen=True)
class Target:
    base_url: str
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    api_key: str | None = None
    key_env: str = "OPENAI_API_KEY"
    headers: Mapping[str, str] = field(default_factory=dict)
    # A valid key whose balance is empty, for the balance probe.
    zero_balance_key: str | None = None

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + GENERATIONS_PATH

    def auth_value(self, key: str) -> str:
        return f"{self.auth_scheme} {key}" if self.auth_scheme else key


@dataclass
class Counters:
    total: int = 0
    retries: int = 0


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


def _describe(exc: BaseException, url: str) -> str:
    """A short reason naming the cause, for an exchange that got no answer."""
    where = urlsplit(url).netloc
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timeout: no connection to {where} within the connect deadline"
    if isinstance(exc, httpx.ReadTimeout):
        return f"timeout: {where} sent nothing within the read deadline"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return f"timeout: {where} did not finish answering within the total deadline"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {where} ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {where}: {_root_cause(exc) or exc or 'connection failed'}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke the HTTP exchange: {exc}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__} talking to {where}: {exc}"
    return f"{type(exc).__name__}: {exc}"


class BodyTooLarge(Exception):
    pass


class Transport:
    def __init__(
        self,
        target: Target,
        *,
        budget: Budget,
        redactor: Redactor,
        concurrency: int = 4,
        timeouts: Timeouts | None = None,
        max_body: int = 64 * 1024 * 1024,
    ) -> None:
        self.target = target
        self.budget = budget
        self.redactor = redactor
        self.concurrency = max(concurrency, 1)
        self.timeouts = timeouts or Timeouts()
        self.max_body = max_body
        self.counters = Counters()
        for secret in (target.api_key, target.zero_balance_key):
            if secret:
                redactor.add(secret)

    # -- building requests -------------------------------------------------

    def _headers(self, probe: Probe) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
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

    def _record_response(
        self, response: httpx.Response, body: bytes, truncated: bool
    ) -> RecordedResponse:
        return RecordedResponse(
            status=response.status_code,
            headers=self.redactor.headers(response.headers.multi_items()),
            body=self.redactor.bytes(body),
            truncated=truncated,
        )

    # -- sending -----------------------------------------------------------

    async def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(
                    f"answer body larger than the {self.max_body}-byte cap (--max-body)"
                )
            chunks.append(chunk)
        return b"".join(chunks), False

    async def _exchange(
        self, client: httpx.AsyncClient, request: httpx.Request
    ) -> tuple[httpx.Response, bytes, bool]:
        self.counters.total += 1
        response = await client.send(request, stream=True)
        try:
            body, truncated = await self._read_capped(response)
        finally:
            await response.aclose()
        return response, body, truncated

    async def _send_probe(self, client: httpx.AsyncClient, probe: Probe) -> Exchange:
        body = probe.content()
        request = client.build_request(
            "POST", self.target.endpoint, content=body, headers=self._headers(probe)
        )
        exchange = Exchange(probe_key=probe.key, request=self._record_request(request, body))
        exchange.sent_at = time.time()
        started = time.monotonic()
        try:
            response, raw, truncated = await asyncio.wait_for(
                self._exchange(client, request), timeout=self.timeouts.total_s
            )
        except BodyTooLarge as exc:
            exchange.error = str(exc)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            exchange.error = self.redactor.text(_describe(exc, self.target.endpoint))
        else:
            exchange.response = self._record_response(response, raw, truncated)
        exchange.elapsed_s = time.monotonic() - started
        return exchange

    async def _fetch_images(self, client: httpx.AsyncClient, exchange: Exchange) -> None:
        for url in image_urls(exchange.response):
            exchange.fetches.append(await self._fetch(client, url))

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> Fetch:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return Fetch(url=url, refused=f"not an absolute http(s) URL: {url[:200]!r}")
        # Image links never get the API key: they may point anywhere.
        request = client.build_request("GET", url, headers={"User-Agent": USER_AGENT})
        try:
            response, raw, truncated = await asyncio.wait_for(
                self._exchange(client, request), timeout=self.timeouts.total_s
            )
        except BodyTooLarge as exc:
            return Fetch(url=url, error=str(exc))
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            return Fetch(url=url, error=self.redactor.text(_describe(exc, url)))
        return Fetch(url=url, response=self._record_response(response, raw, truncated))

    async def _run_one(
        self, client: httpx.AsyncClient, gate: asyncio.Semaphore, probe: Probe
    ) -> Exchange:
        reserve = probe.potential_images
        if not await self.budget.acquire(reserve):
            body = probe.content()
            request = client.build_request(
                "POST", self.target.endpoint, content=body, headers=self._headers(probe)
            )
            return Exchange(
                probe_key=probe.key,
                request=self._record_request(request, body),
                skipped=(
                    f"budget: it could bill {reserve} image(s) and "
                    f"{self.budget.spent} of {self.budget.limit} are spent"
                ),
            )
        billed = 0
        try:
            async with gate:
                exchange = await self._send_probe(client, probe)
            billed = billed_images(exchange.response, reserve)
            exchange.billed = billed
        finally:
            await self.budget.settle(reserve, billed)
        if exchange.response is not None and 200 <= exchange.response.status < 300:
            async with gate:
                await self._fetch_images(client, exchange)
        return exchange

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
