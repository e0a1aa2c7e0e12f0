"""Running the reference server: in a background thread for tests, or in the foreground.

The listening socket is bound before uvicorn starts, so the port (even a free
one picked by the OS) is known up front and no other process can take it
between choosing and binding.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

from conformance.errors import ConfigError
from conformance.profile import Profile
from conformance.server.app import create_app
from conformance.server.state import ReferenceState

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
# Long enough for an in-flight answer, short enough that a test run that leaves
# a connection open does not hang on exit.
_GRACEFUL_SHUTDOWN = 2


def new_api_key() -> str:
    return f"sk-ref-{secrets.token_hex(16)}"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Named TCP explicitly: connections accepted from it inherit the protocol, and
    # only then does asyncio switch Nagle off on them (TCP_NODELAY). Without it
    # every answer written in two pieces waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
        return sock
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _url_host(host: str) -> str:
    # A wildcard address is where the server listens, not where to reach it.
    if host in ("", "0.0.0.0"):  # noqa: S104 - compared with, not bound to
        return LOOPBACK
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _config(app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN,
    )


class ReferenceServer:
    """The reference server on a free loopback port, in a background thread.

    ``with ReferenceServer(profile, faults=("n-ignored",)) as srv:`` then point a
    client at ``srv.base_url`` with ``srv.api_key``.
    """

    def __init__(
        self,
        profile: Profile,
        faults: Iterable[str] = (),
        api_key: str | None = None,
        *,
        public_base_url: str | None = None,
        latency_s: float = 0.0,
        flaky: float = 0.0,
        seed: int | None = None,
        preview_denied: bool = False,
    ) -> None:
        self.profile = profile
        self.api_key = api_key or new_api_key()
        self.zero_balance_key = new_api_key()
        self.faults = tuple(faults)
        # Built here so that an unknown fault fails before any thread starts.
        self.app = create_app(
            profile,
            self.api_key,
            self.faults,
            public_base_url=public_base_url,
            zero_balance_key=self.zero_balance_key,
            latency_s=latency_s,
            flaky=flaky,
            seed=seed,
            preview_denied=preview_denied,
        )
        self.state: ReferenceState = self.app.state.reference
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the reference server is not running")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def stats(self) -> dict[str, Any]:
        return self.state.stats()

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        if self._thread is not None:
            raise RuntimeError("the reference server is already running")
        sock = _listen(LOOPBACK, 0)
        server = uvicorn.Server(_config(self.app))
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"reference-server-{sock.getsockname()[1]}",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()
        try:
            self._await_startup(server, thread, timeout)
        except BaseException:
            server.should_exit = True
            thread.join(STOP_TIMEOUT)
            sock.close()
            self._server, self._thread = None, None
            raise
        self._port = sock.getsockname()[1]

    @staticmethod
    def _await_startup(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the reference server stopped while starting (see its log)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the reference server did not start within {timeout:g} s")
            time.sleep(0.005)

    def request_stop(self) -> None:
        """Ask the server to stop without waiting for it.

        Stopping takes uvicorn ~0.2 s; asking many servers first and then
        calling ``stop()`` on each lets them wind down in parallel.
        """
        if self._server is not None:
            self._server.should_exit = True

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        self.request_stop()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise RuntimeError(f"the reference server did not stop within {timeout:g} s")
        self._server, self._thread, self._port = None, None, None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    profile: Profile,
    host: str,
    port: int,
    api_key: str,
    faults: Sequence[str],
    *,
    latency_s: float = 0.0,
    flaky: float = 0.0,
) -> None:
    """Run the reference server in the foreground until interrupted (Ctrl+C)."""
    app = create_app(profile, api_key, faults, latency_s=latency_s, flaky=flaky)
    sock = _listen(host, port)
    url = f"http://{_url_host(host)}:{sock.getsockname()[1]}/v1"
    active = ", ".join(faults) if faults else "none"
    if latency_s or flaky:
        active += f"  latency: {latency_s:g} s  flaky: {flaky:g}"
    # The key is a throwaway local test key, so printing it is the point.
    print(
        f"reference server ({profile.name}) at {url}  "
        f"key: {profile.auth.key_env}={api_key}  faults: {active}",
        flush=True,
    )
    uvicorn.Server(_config(app)).run(sockets=[sock])
