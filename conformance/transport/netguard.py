"""Where the suite may connect: the key's origin, and safe image links.

* The API key goes only to the configured origin, and never over plain http to
  a host other than loopback unless the user says so (``--allow-insecure-http``).
* An image URL from an answer is fetched (without credentials) only when it is
  http(s) and its host is public, or is the configured API host itself (the
  vendor serving its own files; the reference server lives on 127.0.0.1). A
  private, loopback, link-local, multicast, reserved or unspecified address is
  refused before any connection is made; the rule applies to every redirect hop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _kind(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


async def _resolve(host: str, port: int) -> list[IPAddress] | None:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None  # the fetch itself will report that the name does not resolve
    return [ipaddress.ip_address(info[4][0]) for info in infos]


class AddressGuard:
    def __init__(self, origin: str) -> None:
        self.origin_host = httpx.URL(origin).host.lower()

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or None when it may be."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            return f"not a valid URL: {url[:200]!r}"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return f"not an absolute http(s) URL: {url[:200]!r}"
        host = parsed.host.lower()
        if host == self.origin_host:
            return None
        try:
            addresses: list[IPAddress] | None = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await _resolve(host, parsed.port or 443)
        for address in addresses or []:
            kind = _kind(address)
            if kind is not None:
                shown = host if str(address) == host else f"{host} ({address})"
                return (
                    f"{shown} is a {kind} address; image links must be public "
                    "(or on the API's own host)"
                )
        return None
