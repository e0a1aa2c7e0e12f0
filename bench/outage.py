"""A vendor that is down: how long a run with default options takes to say so.

`python -m conformance run` with nothing but --base-url and the key, against two
loopback servers (like tests/hostile.py's, kept here so the bench stands alone):
one that accepts and never answers, and one that sends its headers and then a
byte every 3 s. Each run must end with
exit 1 and a message naming the cause; the figures are its wall time (start-up
and judging included), the requests the server received, and the images billed
or possibly billed against the budget. The target, from issue 13: under 120 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_ENV = "BENCH_OUTAGE_KEY"
TARGET_S = 120.0
GUARD_S = 1800.0  # a hang guard: the run before issue 13 took 25 minutes

Stall = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def _silent(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def _trickle(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    writer.write(b"Content-Length: 100000\r\n\r\n")
    while True:
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(3.0)


SERVERS: dict[str, Stall] = {
    "never answers": _silent,
    "trickles a byte every 3 s": _trickle,
}


@contextmanager
def _stalling(stall: Stall) -> Iterator[tuple[str, list[int]]]:
    """A loopback server that reads each request and then stalls; yields its API root
    and a list that grows by one per request received."""
    loop = asyncio.new_event_loop()
    seen: list[int] = []
    ready = threading.Event()
    port = 0
    servers: list[asyncio.Server] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Cancelled too, when the bench shuts the server down: that is its end.
        with suppress(Exception, asyncio.CancelledError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            seen.append(1)
            await stall(writer)
        writer.close()

    async def start() -> None:
        nonlocal port
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        ready.set()

    async def shutdown() -> None:
        for server in servers:
            server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def serve() -> None:
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _one(stall: Stall) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, _stalling(stall) as (base_url, seen):
        started = time.monotonic()
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "conformance", "run", "--base-url", base_url),
                *("--api-key-env", KEY_ENV, "--report-dir", tmp),
            ],
            capture_output=True,
            text=True,
            timeout=GUARD_S,
            env={**os.environ, KEY_ENV: "sk-bench-outage-0123456789"},
            cwd=tmp,
        )
        wall = time.monotonic() - started
        results = json.loads((Path(tmp) / "results.json").read_text())
        received = len(seen)
    stopped = re.search(r"^  stopped: (.*)$", proc.stdout, re.MULTILINE)
    possibly = re.search(r"possibly billed: (\d+)", proc.stdout)
    outcomes = results["summary"]
    return {
        "wall_s": round(wall, 1),
        "exit_code": proc.returncode,
        "stopped": stopped.group(1) if stopped else None,
        "requests_received": received,
        "requests_sent": results["requests"]["total"],
        "retries": results["requests"]["retries"],
        "billed": results["requests"]["billable"],
        "possibly_billed": int(possibly.group(1)) if possibly else 0,
        "budget": results["requests"].get("budget"),
        "failed": outcomes["failed"],
        "error": outcomes["error"],
    }


@dataclass
class OutageBench:
    runs: dict[str, dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"target_wall_s_under": TARGET_S, "runs": self.runs}

    def table(self) -> str:
        rows = []
        for name, run in self.runs.items():
            ok = run["wall_s"] < TARGET_S and run["exit_code"] == 1 and not run["failed"]
            rows.append(
                (
                    f"server {name}",
                    f"{run['wall_s']:.1f} s, exit {run['exit_code']}  {'ok' if ok else 'OVER'}",
                )
            )
            rows.append(
                (
                    "  requests / billed / possibly billed",
                    f"{run['requests_sent']} / {run['billed']} / {run['possibly_billed']} "
                    f"(budget {run['budget']})",
                )
            )
            rows.append(("  says", str(run["stopped"])))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def run() -> OutageBench:
    return OutageBench({name: _one(stall) for name, stall in SERVERS.items()})
