"""A peer as a child process on a free loopback port: started, awaited, stopped.

The peer binds the port itself, so the port is chosen just before it starts
(bound and released by us); if another process takes it in between the peer
exits at once and is started again on a new port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"
STARTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Peer:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def log_tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _ready(peer: Peer, probe_path: str) -> bool:
    try:
        httpx.get(peer.root_url + probe_path, timeout=1.0, trust_env=False)
    except httpx.HTTPError:
        return False
    return True  # any HTTP answer: it is listening


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The peer and whatever it started (its own process group), politely first."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _start(
    name: str, command: list[str], env: Mapping[str, str], cwd: Path, log: Path, port: int
) -> Peer:
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so stopping it stops its children
        )
    return Peer(name, port, log, process)


def _await(peer: Peer, ready_path: str, timeout_s: float) -> bool:
    """True once it answers HTTP; False if it exited first (e.g. the port was taken)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if peer.process.poll() is not None:
            return False
        if _ready(peer, ready_path):
            return peer.process.poll() is None
        time.sleep(0.1)
    raise RuntimeError(
        f"{peer.name} did not listen on {peer.root_url} within {timeout_s:g} s:\n{peer.log_tail()}"
    )


@contextmanager
def running(
    name: str,
    command: Callable[[int], list[str]],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_dir: Path,
    ready_path: str = "/",
    timeout_s: float = 90.0,
) -> Iterator[Peer]:
    """Run ``command(port)`` until the block ends; fail with its log if it never listens."""
    log = log_dir / f"{name}.log"
    for _ in range(STARTS):
        port = free_port()
        peer = _start(name, command(port), env, cwd, log, port)
        try:
            up = _await(peer, ready_path, timeout_s)
        except BaseException:
            _stop(peer.process)
            raise
        if up:
            break
        _stop(peer.process)
    else:
        raise RuntimeError(f"{name} exited while starting, {STARTS} times:\n{peer.log_tail()}")
    try:
        yield peer
    finally:
        _stop(peer.process)
