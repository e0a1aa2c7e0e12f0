"""Fuzz section: our budgeted fuzzing against plain schemathesis, on the same server and spec.

Plain schemathesis is ``st run specs/openai-images.yaml --continue-on-failure``
with its generation settings left at their defaults. Both run against the
reference server (openai-dalle profile) on loopback, wrapped in a small ASGI layer
that keeps every body POSTed to /v1/images/generations. From the server side,
for both tools alike:

* billable generations: the server's own counter (``GET /_reference/stats``);
* distinct invalid cases: the bodies it received, classified against the
  profile (``conformance.fuzz.classify``), distinct canonical JSON;
* faults caught, one server per fault: for schemathesis, a failure type
  (ST…) its JSON report shows that none of its runs against the clean server
  showed; for ours, the check the fault breaks fails.

Ours runs in-process (``SuiteSession``), the default probes (fixed and fuzz),
and with ``--probes fuzz`` to show what the fuzzing catches alone.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.config import resolve
from conformance.fuzz.classify import classify, parse
from conformance.profile import load_profile
from conformance.resources import spec_path
from conformance.server import ReferenceServer
from conformance.server.faults import ACCEPT_RULE_FAULTS, FAULTS
from conformance.session import SuiteSession

PROFILE = "openai-dalle"  # the DALL·E contract of specs/openai-images.yaml
KEY_ENV = "IMAGEGEN_BENCH_REFERENCE_KEY"
CLEAN_RUNS = 3  # schemathesis is random: its false positives vary from run to run
TOOLS = ("schemathesis", "ours", "ours (fuzz only)")


class BodyLog:
    """ASGI wrapper keeping the body of every POST to the generations endpoint."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith("/images/generations")
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        done = False
        while not done:
            message = await receive()
            chunks.append(message.get("body", b""))
            done = not message.get("more_body", False)
        body = b"".join(chunks)
        with self._lock:
            self.bodies.append(body)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@dataclass
class Measured:
    billed: int
    requests: int
    distinct_invalid: int
    seconds: float
    failures: list[str] = field(default_factory=list)


def _distinct_invalid(bodies: list[bytes]) -> int:
    profile = load_profile(PROFILE)
    seen = set()
    for raw in bodies:
        body = parse(raw)
        if classify(body, profile).verdict == "invalid":
            seen.add(raw if isinstance(body, bytes) else json.dumps(body, sort_keys=True))
    return len(seen)


def _serve(faults: tuple[str, ...]) -> tuple[ReferenceServer, BodyLog]:
    server = ReferenceServer(load_profile(PROFILE), faults=faults)
    log = BodyLog(server.app)
    server.app = log  # type: ignore[assignment]
    return server, log


def _schemathesis(faults: tuple[str, ...]) -> Measured:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    server, log = _serve(faults)
    with server, tempfile.TemporaryDirectory() as out:
        report_dir = Path(out) / "report"
        started = time.monotonic()
        subprocess.run(
            [
                st,
                "run",
                str(spec_path()),
                "--url",
                server.base_url,
                "-H",
                f"Authorization: Bearer {server.api_key}",
                "--continue-on-failure",
                "--report",
                "json",
                "--report-dir",
                str(report_dir),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            # A fresh directory each run: schemathesis replays the failures it
            # cached in ./.schemathesis, which would make runs depend on each other.
            cwd=out,
        )
        seconds = time.monotonic() - started
        reports = sorted(report_dir.glob("*.json"))
        report = json.loads(reports[-1].read_text()) if reports else {"failures": []}
        stats = server.stats()
    return Measured(
        billed=stats["generations"],
        requests=stats["requests"],
        distinct_invalid=_distinct_invalid(log.bodies),
        seconds=round(seconds, 1),
        failures=sorted(f"{f['code']} {f['title']}" for f in report["failures"]),
    )


def _ours(faults: tuple[str, ...], probes: str) -> Measured:
    server, log = _serve(faults)
    with server:
        os.environ[KEY_ENV] = server.api_key
        # A loopback server needs no politeness: plain schemathesis has no rate limit either.
        config = resolve(
            {
                "base_url": server.base_url,
                "api_key_env": KEY_ENV,
                "probes": probes,
                "rate_limit": "none",
            }
        )
        started = time.monotonic()
        session = SuiteSession(config)
        verdicts = session.run()
        seconds = time.monotonic() - started
        stats = server.stats()
    failed = sorted({v.check.id for v in verdicts if v.result(config.view).outcome == "failed"})
    return Measured(
        billed=stats["generations"],
        requests=stats["requests"],
        distinct_invalid=_distinct_invalid(log.bodies),
        seconds=round(seconds, 1),
        failures=failed,
    )


@dataclass
class FuzzBench:
    schemathesis_clean: list[Measured]
    ours_clean: Measured
    ours_fuzz_clean: Measured
    schemathesis_accept_all: Measured
    ours_accept_all: Measured
    caught: dict[str, dict[str, bool]]
    budget: int

    def _st_billed(self) -> tuple[float, int, int]:
        billed = [m.billed for m in self.schemathesis_clean]
        return statistics.mean(billed), min(billed), max(billed)

    def table(self) -> str:
        mean, low, high = self._st_billed()
        st_invalid = min(m.distinct_invalid for m in self.schemathesis_clean)
        ours = self.ours_clean
        lines = [
            f"against the conformant reference server (profile {PROFILE}, spec "
            f"specs/openai-images.yaml); schemathesis: {len(self.schemathesis_clean)} runs",
            f"{'':34}{'schemathesis':>16}{'ours':>10}{'ours (fuzz only)':>18}",
            f"{'billable generations':34}{f'{mean:.0f} ({low}-{high})':>16}"
            f"{ours.billed:>10}{self.ours_fuzz_clean.billed:>18}",
            f"{'distinct invalid cases sent':34}{f'{st_invalid} (min)':>16}"
            f"{ours.distinct_invalid:>10}{self.ours_fuzz_clean.distinct_invalid:>18}",
            f"{'requests':34}"
            f"{round(statistics.mean(m.requests for m in self.schemathesis_clean)):>16}"
            f"{ours.requests:>10}{self.ours_fuzz_clean.requests:>18}",
            f"{'seconds':34}"
            f"{statistics.mean(m.seconds for m in self.schemathesis_clean):>16.1f}"
            f"{ours.seconds:>10.1f}{self.ours_fuzz_clean.seconds:>18.1f}",
            f"{'billed by a server accepting all':34}{self.schemathesis_accept_all.billed:>16}"
            f"{self.ours_accept_all.billed:>10}{f'(budget {self.budget})':>18}",
            f"schemathesis false positives on the clean server: "
            f"{', '.join(sorted({f for m in self.schemathesis_clean for f in m.failures}))}",
            "",
            f"{'fault':34}{'schemathesis':>16}{'ours':>10}{'ours (fuzz only)':>18}",
        ]
        for fault, by_tool in self.caught.items():
            cells = ["caught" if by_tool[t] else "-" for t in TOOLS]
            lines.append(f"{fault:34}{cells[0]:>16}{cells[1]:>10}{cells[2]:>18}")
        totals = [sum(by[t] for by in self.caught.values()) for t in TOOLS]
        lines.append(f"{'caught':34}{totals[0]:>16}{totals[1]:>10}{totals[2]:>18}")
        missed = [f for f, by in self.caught.items() if by["schemathesis"] and not by["ours"]]
        ratio = mean / max(ours.billed, 1)
        names = f": {', '.join(missed)}" if missed else ""
        lines.append(
            f"ours bills {ratio:.1f}x fewer generations, sends "
            f"{ours.distinct_invalid - st_invalid:+d} distinct invalid cases, and misses "
            f"{len(missed)} fault(s) schemathesis catches{names}"
        )
        return "\n".join(lines)

    def data(self) -> dict[str, Any]:
        return {
            "schemathesis_clean": [asdict(m) for m in self.schemathesis_clean],
            "ours_clean": asdict(self.ours_clean),
            "ours_fuzz_only_clean": asdict(self.ours_fuzz_clean),
            "schemathesis_accept_all": asdict(self.schemathesis_accept_all),
            "ours_accept_all": asdict(self.ours_accept_all),
            "budget": self.budget,
            "caught": self.caught,
        }


def _schemathesis_caught(run: Measured, baseline: set[str]) -> bool:
    return bool(set(run.failures) - baseline)


def run() -> FuzzBench:
    st_clean = [_schemathesis(()) for _ in range(CLEAN_RUNS)]
    baseline = {f for m in st_clean for f in m.failures}
    # The DALL·E contract's faults: the GPT models' ones are shown on another profile.
    dalle = {name: fault for name, fault in FAULTS.items() if fault.profile == PROFILE}
    accept_all = tuple(name for name in ACCEPT_RULE_FAULTS if name in dalle)
    caught: dict[str, dict[str, bool]] = {}
    # schemathesis is another process: it runs while ours does, each on its own server.
    background = ThreadPoolExecutor(max_workers=1)
    for name, fault in dalle.items():
        pending = background.submit(_schemathesis, (name,))
        ours = _ours((name,), "all")
        fuzz = _ours((name,), "fuzz")
        st = pending.result()
        caught[name] = {
            "schemathesis": _schemathesis_caught(st, baseline),
            "ours": fault.breaks in ours.failures,
            "ours (fuzz only)": fault.breaks in fuzz.failures,
        }
        print(f"  {name}: {caught[name]}", file=sys.stderr, flush=True)
    background.shutdown()
    return FuzzBench(
        schemathesis_clean=st_clean,
        ours_clean=_ours((), "all"),
        ours_fuzz_clean=_ours((), "fuzz"),
        schemathesis_accept_all=_schemathesis(accept_all),
        ours_accept_all=_ours(accept_all, "all"),
        caught=caught,
        budget=load_profile(PROFILE).budget,
    )
