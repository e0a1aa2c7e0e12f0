"""Depth section: what each depth sends, costs and takes, and which faults it still catches.

For each bundled profile and each depth (``--depth short|full``):

* requests, billable images: the plan a default run against the profile's
  reference server sends (``--plan``'s figures);
* the estimated wall time at the profile's own rate limit and concurrency
  (``limits.rate_limit``, ``limits.concurrency``, ``limits.generation_seconds``
  or the stated default), as a vendor run would meet them;
* faults caught, one reference server per fault: each fault of the profile is
  run as the fault matrix runs it (``tests/test_checks_catch_faults.py``: the
  fixed probes, the fault's models and options) at that depth, and counts as
  caught when every check it names fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance.config import resolve
from conformance.depth import DEPTHS
from conformance.depth.walltime import clock
from conformance.errors import ConfigError
from conformance.lifecycle.dates import TODAY_ENV
from conformance.options import OptionValues, add_to_argparse
from conformance.plan import build_plan, requests_sent
from conformance.report.planview import wall_time
from conformance.resources import bundled_profiles
from conformance.server.faults import FAULTS, Fault
from conformance.session import SuiteSession
from conformance.transport.ratelimit import parse_rate

# The day the fault matrix judges as of (tests/conftest.py), and the one fault it
# judges as of a model's shutdown day, with --allow-shutdown.
MATRIX_DAY = "2026-10-01"
AFTER_SHUTDOWN = {"models-list-serves-shut-down": "2026-12-01"}


@dataclass
class Row:
    profile: str
    depth: str
    requests: int
    billable_images: int
    estimated_s: float
    rate_limit: str
    faults: int
    caught: int
    missed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _options(args: Sequence[str]) -> OptionValues:
    """Command-line options as the run's option values (the matrix passes them so)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_to_argparse(parser)
    return OptionValues({k: v for k, v in vars(parser.parse_args(list(args))).items()})


@contextmanager
def _today(day: str | None) -> Iterator[None]:
    before = os.environ.get(TODAY_ENV)
    if day is not None:
        os.environ[TODAY_ENV] = day
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TODAY_ENV, None)
        else:
            os.environ[TODAY_ENV] = before


def caught(fault: Fault, depth: str) -> bool:
    """Whether a run at ``depth`` against a server with ``fault`` fails each check it names
    (a run the tool refuses, exit 4, catches nothing)."""
    args = ["--fault", fault.name, "--probes", "fixed", "--profile", fault.profile]
    args += ["--depth", depth, *fault.options]
    models = list(fault.models)
    if models:
        args += ["--models", ",".join(models)]
    if fault.name in AFTER_SHUTDOWN:
        args.append("--allow-shutdown")
    with _today(AFTER_SHUTDOWN.get(fault.name, MATRIX_DAY)):
        try:
            config = resolve(_options(args))
        except ConfigError as exc:
            print(f"    {fault.name}: {exc}", file=sys.stderr)
            return False
        session = SuiteSession(config)
        try:
            session.execute()
            # Only the named checks are judged: the rest cannot change the answer.
            cases = [c for c in session.cases if c.check.id in fault.checks]
            verdicts = session.judge(cases)
        finally:
            session.close()
    failed = {v.check.id for v in verdicts if v.result(config.view).outcome == "failed"}
    return set(fault.checks) <= failed


def measure(profile: str, depth: str) -> Row:
    started = time.monotonic()
    args = ["--profile", profile, "--depth", depth]
    try:
        config = resolve(_options(args))
    except ConfigError:
        # A baseline of retired models (openai-legacy) is judged with --allow-shutdown.
        config = resolve(_options([*args, "--allow-shutdown"]))
    plan = build_plan(
        config.profile,
        config.models,
        zero_balance=True,
        fuzz=config.fuzzed,
        fixed=config.fixed,
        depth=config.depth,
    )
    documented = parse_rate(config.profile.rate_limit)
    estimated = wall_time(plan, documented, config.profile.concurrency)
    faults = [f for f in FAULTS.values() if f.profile == profile]
    missed = [f.name for f in faults if not caught(f, depth)]
    return Row(
        profile=profile,
        depth=depth,
        requests=requests_sent(plan.probes),
        billable_images=plan.expected_images(),
        estimated_s=round(estimated.seconds, 1),
        rate_limit=config.profile.rate_limit,
        faults=len(faults),
        caught=len(faults) - len(missed),
        missed=missed,
        seconds=round(time.monotonic() - started, 1),
    )


@dataclass
class DepthBench:
    rows: list[Row]

    def table(self) -> str:
        lines = [
            "| profile | depth | requests | billable images | est. wall time (rate limit) "
            "| faults caught |",
            "| --- | --- | ---: | ---: | --- | ---: |",
        ]
        for r in self.rows:
            lines.append(
                f"| {r.profile} | {r.depth} | {r.requests} | {r.billable_images} | "
                f"{clock(r.estimated_s)} ({r.rate_limit}) | {r.caught} of {r.faults} |"
            )
        missed = [f"{r.profile} {r.depth}: {', '.join(r.missed)}" for r in self.rows if r.missed]
        return "\n".join(lines + [f"missed: {m}" for m in missed])

    def data(self) -> dict[str, Any]:
        return {"rows": [asdict(r) for r in self.rows]}


def run() -> DepthBench:
    rows = []
    for profile in bundled_profiles():
        for depth in DEPTHS:
            row = measure(profile, depth)
            print(
                f"  {profile} {depth}: {row.requests} requests, {row.caught}/{row.faults} "
                f"faults caught ({row.seconds:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            rows.append(row)
    return DepthBench(rows)
