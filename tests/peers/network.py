"""Loopback only: in the test process, any other host fails to resolve, as offline.

A peer's answer may name any host (Prism's image links are http://example.com);
the suite would fetch it. Here no vendor is reachable and no test may send
traffic anywhere but loopback, so names other than localhost and addresses
outside 127.0.0.0/8 and ::1 are refused before any lookup leaves the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

REFUSAL = "the self-tests reach only loopback"


def _allowed(host: Any) -> bool:
    name = host.decode() if isinstance(host, bytes) else host
    if name is None or name == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(name).strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _allowed(host):
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: {REFUSAL}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
