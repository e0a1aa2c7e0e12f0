"""Redaction: secrets never reach a recording, a report, a log line or a traceback.

The transport redacts at the moment it records, so nothing downstream ever holds
a secret; the writers redact again as a second line of defence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "<redacted>"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._secret_bytes: list[bytes] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret or secret in self._secrets:
            return
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)
        self._secret_bytes = [s.encode() for s in self._secrets]

    @property
    def active(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def bytes(self, value: bytes) -> bytes:
        for secret in self._secret_bytes:
            value = value.replace(secret, REDACTED.encode())
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.text(value)) for name, value in headers]


def redact_log_records(redactor: Redactor) -> Callable[[], None]:
    """Redact every log record of this process as it is made (httpx's and httpcore's
    debug logs quote headers); returns the function that undoes it."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if redactor.active:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is logging's problem, not ours
                return record
            clean = redactor.text(message)
            if clean != message:
                record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)
