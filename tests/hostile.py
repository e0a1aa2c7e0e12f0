"""Hostile and broken HTTP servers on loopback, for what no framework would send.

A :class:`RawServer` runs an asyncio server in a thread; each connection reads
one request (request line, headers, Content-Length body) and hands it to a
behaviour that writes raw bytes. Every request is kept in ``seen`` so a test can
ask, e.g., whether an Authorization header ever arrived.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import Self

MIB = 1024 * 1024


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


Behaviour = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawServer:
    behaviour: Behaviour
    host: str = "127.0.0.1"
    seen: list[Request] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Request(method, path, headers, body)
            self.seen.append(request)
            await self.behaviour(request, writer)
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.CancelledError,  # shutting down: the point of a test server ends here
        ):
            pass  # the client gave up, which is the point of most behaviours
        finally:
            if not writer.is_closing():
                writer.close()

    def __enter__(self) -> Self:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, self.host, 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            loop.run_until_complete(start())
            loop.run_forever()

        self._loop, self._thread = loop, threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "the hostile server did not start"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._loop is not None
        assert self._thread is not None
        loop = self._loop

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()


# --- behaviours -------------------------------------------------------------


def _head(status: str, *headers: str) -> bytes:
    return (
        "\r\n".join([f"HTTP/1.1 {status}", *headers, "Connection: close"]) + "\r\n\r\n"
    ).encode()


async def huge_declared(request: Request, writer: asyncio.StreamWriter) -> None:
    """Declares a 10 GiB JSON body and starts sending it."""
    writer.write(
        _head("200 OK", "Content-Type: application/json", f"Content-Length: {10 * 1024 * MIB}")
    )
    while True:
        writer.write(b" " * MIB)
        await writer.drain()


async def endless(request: Request, writer: asyncio.StreamWriter) -> None:
    """A chunked body that never ends, as fast as the client reads."""
    writer.write(_head("200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked"))
    chunk = b"%x\r\n%s\r\n" % (MIB, b" " * MIB)
    while True:
        writer.write(chunk)
        await writer.drain()


def trickling(every_s: float) -> Behaviour:
    """Headers at once, then a byte every ``every_s``: never quiet long enough for a
    read timeout, never done."""

    async def trickle(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(_head("200 OK", "Content-Type: application/json", "Content-Length: 100000"))
        while True:
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(every_s)

    return trickle


trickle = trickling(0.2)


async def silent(request: Request, writer: asyncio.StreamWriter) -> None:
    """Reads the request, then never says a word."""
    await asyncio.sleep(3600)


@cache
def gzip_bomb(decoded: int = 256 * MIB) -> bytes:
    """``decoded`` zero bytes, gzip-compressed (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MIB)
    parts = [packer.compress(block) for _ in range(decoded // MIB)]
    return b"".join([*parts, packer.flush()])


async def gzip_bombing(request: Request, writer: asyncio.StreamWriter) -> None:
    bomb = gzip_bomb()
    writer.write(
        _head(
            "200 OK",
            "Content-Type: application/json",
            "Content-Encoding: gzip",
            f"Content-Length: {len(bomb)}",
        )
        + bomb
    )
    await writer.drain()


async def reset(request: Request, writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a TCP reset instead of an answer."""
    sock: socket.socket = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def redirect_to(
    location: Callable[[Request], str], status: str = "307 Temporary Redirect"
) -> Behaviour:
    async def redirect(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(status, f"Location: {location(request)}", "Content-Length: 0"))
        await writer.drain()

    return redirect


async def recorded_ok(request: Request, writer: asyncio.StreamWriter) -> None:
    """A plain JSON answer: the other host of a redirect, taking notes."""
    body = b'{"created": 1, "data": []}'
    writer.write(
        _head("200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}") + body
    )
    await writer.drain()


Answer = tuple[int, dict[str, str], bytes]


def scripted(answer: Callable[[Request], Answer]) -> Behaviour:
    """Answers whatever ``answer`` says for each request: status, headers, body."""

    async def reply(request: Request, writer: asyncio.StreamWriter) -> None:
        status, headers, body = answer(request)
        lines = [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        writer.write(_head(f"{status} X", *lines) + body)
        await writer.drain()

    return reply


@contextmanager
def full_backlog() -> Iterator[str]:
    """A port whose accept queue is full: new connections are never accepted, so a
    client waits out its connect timeout (all on loopback)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                with suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
                fillers.append(filler)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            for filler in fillers:
                filler.close()


# --- event streams (answers to stream: true) ----------------------------------

_SSE_HEAD = ("Content-Type: text/event-stream", "Transfer-Encoding: chunked")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _partial(index: int, b64: bytes = b"AAAA") -> bytes:
    data = b'{"type":"image_generation.partial_image","b64_json":"%s","partial_image_index":%d}' % (
        b64,
        index,
    )
    return b"event: image_generation.partial_image\ndata: " + data + b"\n\n"


async def sse_endless(request: Request, writer: asyncio.StreamWriter) -> None:
    """Partial images of 1 MiB each, forever, as fast as the client reads."""
    writer.write(_head("200 OK", *_SSE_HEAD))
    filler = b"A" * MIB
    index = 0
    while True:
        writer.write(_chunk(_partial(index, filler)))
        await writer.drain()
        index += 1


async def sse_never_completes(request: Request, writer: asyncio.StreamWriter) -> None:
    """One partial image, then keep-alive comments every 0.1 s: never quiet long enough
    for a read timeout, never an image_generation.completed."""
    writer.write(_head("200 OK", *_SSE_HEAD) + _chunk(_partial(0)))
    while True:
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.write(_chunk(b": keep-alive\n\n"))


async def sse_huge_line(
    request: Request, writer: asyncio.StreamWriter, size: int = 100 * MIB
) -> None:
    """One data: line of ``size`` bytes (a partial image of 100 MB), then the rest."""
    writer.write(_head("200 OK", *_SSE_HEAD))
    writer.write(_chunk(b'event: image_generation.partial_image\ndata: {"b64_json":"'))
    block = b"A" * MIB
    for _ in range(size // MIB):
        writer.write(_chunk(block))
        await writer.drain()
    writer.write(_chunk(b'","partial_image_index":0}\n\n') + _chunk(b""))
    await writer.drain()


async def sse_trickle(request: Request, writer: asyncio.StreamWriter) -> None:
    """An event a byte every 0.2 s: never quiet long enough for a read timeout."""
    writer.write(_head("200 OK", *_SSE_HEAD))
    for byte in _partial(0) * 1000:
        writer.write(_chunk(bytes([byte])))
        await writer.drain()
        await asyncio.sleep(0.2)
