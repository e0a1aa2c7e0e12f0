"""The transport: wall time against slow generations, overhead, peak memory.

1. Latency-bound: the reference server taking 1 s per generation, the openai-dalle
   profile at concurrency 4. The lower bound is ceil(billable requests / 4) * 1 s
   (the generations, four at a time) plus the time the non-billable probes take
   on their own at zero latency; a good schedule hides the latter behind the
   former.
2. Overhead: non-billable probes per second through the transport (recording,
   redaction, budget, retries) against a bare httpx loop sending the same
   requests with the same concurrency to the same server, alternating, in
   the same process.
3. Peak memory: this process's peak resident set (getrusage ru_maxrss): the
   client side only, since the servers run in their own processes.

Times are of the execute phase (plan → recorded exchanges, image downloads
included), which is what the transport decides; judging is the same either way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.config import RunConfig, resolve
from conformance.plan import build_plan
from conformance.probes import Probe
from conformance.profile import load_profile
from conformance.redact import Redactor
from conformance.session import SuiteSession
from conformance.transport import Target, Transport
from conformance.transport.bodies import outgoing

KEY_ENV = "BENCH_REFERENCE_KEY"
LATENCY_S = 1.0
CONCURRENCY = 4
OVERHEAD_ROUNDS = 15  # copies of the non-billable probes per measurement
REPEATS = 3


@contextmanager
def reference_server(latency_s: float = 0.0) -> Iterator[str]:
    """`python -m conformance serve` on a free loopback port, in its own process."""
    env = {**os.environ, "CONFORMANCE_REFERENCE_KEY": os.environ[KEY_ENV]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0", "--latency", str(latency_s)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = next((word for word in line.split() if word.startswith("http://")), None)
        if url is None:
            raise RuntimeError(f"the reference server did not start: {line!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _session(base_url: str) -> SuiteSession:
    return SuiteSession(
        resolve(
            {
                "base_url": base_url,
                "api_key_env": KEY_ENV,
                "profile": "openai-dalle",
                "concurrency": str(CONCURRENCY),
                # A loopback server: the profile's 60/m would measure the limiter.
                "rate_limit": "none",
            }
        )
    )


def _timed_execute(base_url: str, keys: list[str] | None = None) -> tuple[float, SuiteSession]:
    session = _session(base_url)
    started = time.perf_counter()
    session.execute(keys)
    return time.perf_counter() - started, session


def latency_bound() -> dict[str, Any]:
    plan = build_plan(load_profile("openai-dalle"))
    free = [p.key for p in plan.probes if not p.billable]
    with reference_server(0.0) as url:
        _timed_execute(url)  # warm up imports and the server
        non_billable_s = min(_timed_execute(url, free)[0] for _ in range(REPEATS))
    with reference_server(LATENCY_S) as url:
        wall_s, session = _timed_execute(url)
    errors = [e.error for e in session.exchanges.values() if e.error]
    if errors:
        raise RuntimeError(f"the latency-bound run got errors: {errors[:3]}")
    billable = len(plan.billable)
    lower = math.ceil(billable / CONCURRENCY) * LATENCY_S + non_billable_s
    return {
        "latency_s": LATENCY_S,
        "concurrency": CONCURRENCY,
        "requests": session.counters.total,
        "billable_requests": billable,
        "billed_images": session.counters.billed,
        "non_billable_alone_s": round(non_billable_s, 3),
        "wall_s": round(wall_s, 3),
        "lower_bound_s": round(lower, 3),
        "ratio": round(wall_s / lower, 3),
        "target_ratio_at_most": 1.25,
    }


def _copies(probes: list[Probe], rounds: int) -> list[Probe]:
    return [dataclasses.replace(p, id=f"{p.id}~{i}") for i in range(rounds) for p in probes]


async def _bare_loop(base_url: str, requests: list[tuple[dict[str, str], bytes]]) -> float:
    """The same requests through a plain httpx client: the floor for any transport."""
    gate = asyncio.Semaphore(CONCURRENCY)
    url = base_url.rstrip("/") + "/images/generations"
    async with httpx.AsyncClient(timeout=60) as client:

        async def send(headers: dict[str, str], body: bytes) -> None:
            async with gate:
                response = await client.post(url, content=body, headers=headers)
                response.read()

        started = time.perf_counter()
        await asyncio.gather(*(send(h, b) for h, b in requests))
        return time.perf_counter() - started


def overhead() -> dict[str, Any]:
    profile = load_profile("openai-dalle")
    free = [p for p in build_plan(profile).probes if not p.billable]
    probes = _copies(free, OVERHEAD_ROUNDS)
    key = os.environ[KEY_ENV]

    def transport(url: str, settings: RunConfig) -> Transport:
        target = Target(base_url=url, api_key=key, key_env=KEY_ENV)
        return Transport.for_run(target, settings, budget=10**6, redactor=Redactor())

    ours: list[float] = []
    bare: list[float] = []
    with reference_server(0.0) as url:
        # The run's defaults (timeouts, body cap, retries), without a rate limit.
        settings = resolve(
            {
                "base_url": url,
                "api_key_env": KEY_ENV,
                "profile": "openai",
                "concurrency": str(CONCURRENCY),
                "rate_limit": "none",
            }
        )
        headers = transport(url, settings)._headers
        sent = [outgoing(p) for p in probes]
        requests = [
            (headers(p, o.content_type), o.content) for p, o in zip(probes, sent, strict=True)
        ]
        asyncio.run(_bare_loop(url, requests[:50]))  # warm up
        for _ in range(REPEATS):
            started = time.perf_counter()
            exchanges = transport(url, settings).run(probes)
            ours.append(time.perf_counter() - started)
            bare.append(asyncio.run(_bare_loop(url, requests)))
    if any(e.error for e in exchanges.values()):
        raise RuntimeError("the overhead run got errors")
    ours_rps = len(probes) / statistics.median(ours)
    bare_rps = len(probes) / statistics.median(bare)
    return {
        "requests_per_measurement": len(probes),
        "repeats": REPEATS,
        "transport_rps": round(ours_rps, 1),
        "bare_httpx_rps": round(bare_rps, 1),
        "ratio": round(ours_rps / bare_rps, 3),
        "target_ratio_at_least": 0.5,
    }


@dataclass
class TransportBench:
    latency: dict[str, Any]
    overhead: dict[str, Any]
    peak_rss_mib: float

    def data(self) -> dict[str, Any]:
        return {
            "latency_bound": self.latency,
            "overhead": self.overhead,
            "memory": {
                "peak_rss_mib": self.peak_rss_mib,
                "how": "getrusage(RUSAGE_SELF).ru_maxrss of the bench process after all "
                "runs (client side; servers run in their own processes)",
            },
        }

    def table(self) -> str:
        lat, ovh = self.latency, self.overhead
        verdict_lat = "ok" if lat["ratio"] <= lat["target_ratio_at_most"] else "OVER"
        verdict_ovh = "ok" if ovh["ratio"] >= ovh["target_ratio_at_least"] else "UNDER"
        rows = [
            ("latency-bound wall time (1 s/generation, c=4)", f"{lat['wall_s']:.2f} s"),
            (
                "  lower bound",
                f"{lat['lower_bound_s']:.2f} s = ceil({lat['billable_requests']}/"
                f"{lat['concurrency']}) × {lat['latency_s']:g} s + "
                f"{lat['non_billable_alone_s']:.2f} s non-billable",
            ),
            ("  ratio (target ≤ 1.25)", f"{lat['ratio']:.3f}  {verdict_lat}"),
            ("non-billable probes/s, transport", f"{ovh['transport_rps']:.0f}"),
            ("non-billable probes/s, bare httpx loop", f"{ovh['bare_httpx_rps']:.0f}"),
            ("  ratio (target ≥ 0.5)", f"{ovh['ratio']:.3f}  {verdict_ovh}"),
            ("peak RSS of the bench process", f"{self.peak_rss_mib:.0f} MiB"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def run() -> TransportBench:
    os.environ.setdefault(KEY_ENV, f"sk-bench-{secrets.token_hex(8)}")
    latency = latency_bound()
    over = overhead()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return TransportBench(latency, over, round(peak_kib / 1024, 1))
