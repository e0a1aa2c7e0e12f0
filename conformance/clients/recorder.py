"""A loopback recorder: keeps every request's headers and body, answers like an edit.

The clients are pointed at it to see what they put on the wire (the file parts'
filenames and Content-Types), never at a vendor. It listens on 127.0.0.1 on a
port the OS picks, bound before uvicorn starts; uvicorn decodes chunked and
length-delimited bodies alike, so a body is the bytes the client meant to send.
Every request gets an OpenAI-shaped edit answer with one tiny PNG, so the
clients finish their call normally.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.edits.inputs import flat_image

LOOPBACK = "127.0.0.1"
_STARTUP_S = 10.0
_STOP_S = 10.0


@dataclass(frozen=True)
class Captured:
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def _answer() -> bytes:
    image = base64.b64encode(flat_image(width=4, height=4)).decode()
    usage = {
        "input_tokens": 10,
        "output_tokens": 10,
        "total_tokens": 20,
        "input_tokens_details": {"text_tokens": 4, "image_tokens": 6},
    }
    return json.dumps({"created": 1, "data": [{"b64_json": image}], "usage": usage}).encode()


class Recorder:
    """``with Recorder() as rec:`` send to ``rec.root_url``, then read ``rec.captured``."""

    def __init__(self) -> None:
        self.captured: list[Captured] = []
        self._lock = threading.Lock()
        self._answer = _answer()
        app = Starlette(routes=[Route("/{path:path}", self._take, methods=["POST", "GET"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        )
        self._thread: threading.Thread | None = None
        self._port = 0

    async def _take(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.captured.append(
                Captured("/" + request.path_params["path"], tuple(request.headers.items()), body)
            )
        return Response(self._answer, media_type="application/json")

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self._port}"

    def by_path(self, path: str) -> Captured | None:
        with self._lock:
            return next((c for c in self.captured if c.path == path), None)

    def __enter__(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((LOOPBACK, 0))
        sock.listen()
        self._port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the loopback recorder did not start")
            time.sleep(0.005)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_STOP_S)
