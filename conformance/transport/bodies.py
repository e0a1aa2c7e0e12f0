"""Request and answer bodies: what a probe sends, and reading an answer with bounded memory.

A probe's operation picks its request in one place (:func:`outgoing`): the
method, the path below the API root and how the body is encoded (JSON for
generations; none for the model list, a GET; multipart/form-data for edits,
which upload images).

The answer cap counts *decoded* bytes (a gzip bomb is small on the wire), and the
decoder itself is asked for at most what still fits, so one compressed chunk
can never expand past the cap in memory. A declared Content-Length over the cap
is refused before reading anything.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import httpx

from conformance.probes import Probe
from conformance.vocabulary import OPERATION_PATHS, Operation

DEFAULT_MAX_BODY = 64 * 1024 * 1024
_STEP = 1024 * 1024
# What the transport asks for; anything else a server sends is refused.
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class Outgoing:
    """A probe's request as the transport sends it."""

    path: str
    content: bytes
    content_type: str  # "": no body, no Content-Type header
    method: str = "POST"
    # Whether the answer can carry images: billed, and their links fetched.
    generates: bool = True


def _json(probe: Probe) -> Outgoing:
    return Outgoing(OPERATION_PATHS[probe.operation], probe.content(), "application/json")


def _get(probe: Probe) -> Outgoing:
    # The model list generates nothing, whatever its data holds.
    return Outgoing(OPERATION_PATHS[probe.operation], b"", "", method="GET", generates=False)


def _multipart(probe: Probe) -> Outgoing:
    """An edit: the parts of its form as the real clients send them (``edits/multipart.py``)."""
    if probe.edit is None:
        raise ValueError(f"edit probe {probe.key} carries no form")
    content, content_type = probe.edit.form.encode()
    return Outgoing(OPERATION_PATHS[probe.operation], content, content_type)


# How each operation's request is made: the one place the transport tells them apart.
ENCODERS: Mapping[Operation, Callable[[Probe], Outgoing]] = MappingProxyType(
    {"generations": _json, "models": _get, "edits": _multipart}
)


def outgoing(probe: Probe) -> Outgoing:
    """The path, body and content type of ``probe``'s request, by its operation."""
    return ENCODERS[probe.operation](probe)


class BodyTooLarge(Exception):
    pass


class BodyUndecodable(Exception):
    pass


def _too_large(cap: int, how: str = "") -> BodyTooLarge:
    return BodyTooLarge(f"answer body{how} larger than the {cap}-byte cap (--max-body)")


class _Inflater:
    """gzip or deflate, yielding at most ``room`` bytes per step."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits)
        self._first = encoding == "deflate"

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        try:
            out = self._z.decompress(data, room)
        except zlib.error:
            if not self._first:
                raise
            # "deflate" in the wild is often raw deflate without the zlib header.
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._z.decompress(data, room)
        self._first = False
        yield out
        while self._z.unconsumed_tail:
            yield self._z.decompress(self._z.unconsumed_tail, room)

    def flush(self) -> bytes:
        return self._z.flush()


def _inflater(response: httpx.Response) -> _Inflater | None:
    encodings = [
        e.strip().lower()
        for e in response.headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    if not encodings:
        return None
    if len(encodings) == 1 and encodings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater(encodings[0])
    raise BodyUndecodable(
        f"answer body has Content-Encoding {', '.join(encodings)!s}, "
        f"which the suite did not ask for (Accept-Encoding: {ACCEPT_ENCODING})"
    )


async def read_capped(
    response: httpx.Response, cap: int, observe: Callable[[bytes], None] | None = None
) -> bytes:
    """The decoded body, or BodyTooLarge as soon as it passes ``cap`` bytes.

    ``observe`` sees each decoded piece as it arrives (an event stream's progress).
    """
    inflater = _inflater(response)
    declared = response.headers.get("content-length", "")
    if inflater is None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(
            f"answer declares a {declared}-byte body, larger than the {cap}-byte cap (--max-body)"
        )
    how = f" ({inflater.encoding}-decoded)" if inflater else ""
    # Pieces, not one growing buffer: growing a buffer copies it, briefly doubling
    # it, and several answers read at once would each pay that at the cap.
    pieces: list[bytes] = []
    size = wire = 0
    try:
        async for raw in response.aiter_raw():
            wire += len(raw)
            if wire > cap:
                raise _too_large(cap)
            # Inflated a step at a time, so a bomb never holds more than one step
            # beside the body read so far.
            steps = [raw] if inflater is None else inflater.feed(raw, min(cap - size + 1, _STEP))
            for piece in steps:
                size += len(piece)
                if size > cap:
                    raise _too_large(cap, how)
                pieces.append(piece)
                if observe is not None:
                    observe(piece)
        if inflater is not None:
            pieces.append(inflater.flush())
            size += len(pieces[-1])
    except zlib.error as exc:
        pieces.clear()
        raise BodyUndecodable(f"answer body is not valid {how.strip(' ()')}: {exc}") from None
    except BaseException:
        # The traceback keeps this frame alive in a reference cycle (asyncio's
        # wait_for holds the failed task) until the garbage collector runs:
        # drop the body now, or each failed answer lingers at the cap.
        pieces.clear()
        raise
    if size > cap:
        raise _too_large(cap, how)
    return b"".join(pieces)
