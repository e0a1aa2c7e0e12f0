"""The wording of no-answer reasons: why an attempt, or a whole request, got
nothing to judge.

Each names the cause and, where one governs it, the option to change
(``--connect-timeout``, ``--read-timeout``, ``--deadline``,
``--refusal-timeout``, ``--image-timeout``, ``--retries``). They
become an exchange's error, so the message of an ``error`` verdict: what a
person reads to tell a slow or absent server from a harness problem.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from conformance.exchange import Attempt
from conformance.transport.values import Limit


def root_cause(exc: BaseException) -> str | None:
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


def describe(exc: BaseException, url: str, limit: Limit) -> str:
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
    cause = root_cause(exc)
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {where}: {cause or exc or 'connection failed'}"
    if cause == "connection reset by peer":
        return f"{where}: connection reset by peer"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke the HTTP exchange: {exc}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__} talking to {where}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def lost(error: str | None, attempts: Sequence[Attempt]) -> str:
    """Why a request got no answer, and how many tries it took."""
    error = error or "no answer"
    return f"{error} (after {len(attempts)} attempts)" if len(attempts) > 1 else error


def gave_up(attempts: Sequence[Attempt], reason: str) -> str:
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
