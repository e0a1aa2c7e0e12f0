"""One run: plan → execute → judge, as plain objects passed forward.

The pytest plugin drives a :class:`SuiteSession` (one test per check per probe);
self-tests and the record/replay tooling can drive it directly.
"""

from __future__ import annotations

import dataclasses
import shlex
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from conformance.budget import Budget
from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.config import RunConfig
from conformance.curl import curl_command
from conformance.exchange import Exchange
from conformance.fuzz.shrink import GroupKey, Minimal, group_key, shrink_all
from conformance.plan import Plan, build_plan
from conformance.probes import Probe
from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.transport import Target, Transport
from conformance.verdict import Verdict, judge, view_rules


@dataclass(frozen=True)
class Case:
    """One test: a check applied to a probe."""

    check: Check
    probe: Probe

    @property
    def id(self) -> str:
        return f"{self.probe.model}:{self.check.id}:{self.probe.id}"


def cases_for(plan: Plan, checks: Iterable[Check] | None = None) -> list[Case]:
    checks = list(checks) if checks is not None else all_checks()
    return [Case(check, probe) for check in checks for probe in plan.probes if check.applies(probe)]


@dataclass
class SuiteSession:
    config: RunConfig
    rules: dict[str, Profile] = field(init=False)
    redactor: Redactor = field(default_factory=Redactor)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    started_at: str = ""
    started_monotonic: float = 0.0
    base_url: str | None = None
    requests_total: int = 0
    retries: int = 0
    billed: int = 0
    server_stats: dict[str, Any] | None = None
    # Minimal failing requests found by shrinking fuzz failures after the run.
    minimal: dict[GroupKey, Minimal] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)
    _server: Any = None
    _executed: bool = False

    def __post_init__(self) -> None:
        self.rules = view_rules(self.config.profile)
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.started_monotonic = time.monotonic()
        self.base_url = self.config.base_url

    @cached_property
    def plan(self) -> Plan:
        """Built on first use (pytest's collection), not while pytest starts up."""
        cfg = self.config
        return build_plan(cfg.profile, cfg.models, fuzz=cfg.fuzzed, fixed=cfg.fixed)

    @cached_property
    def cases(self) -> list[Case]:
        return cases_for(self.plan)

    # -- execution ---------------------------------------------------------

    def _target(self) -> Target:
        profile = self.config.profile
        if self.config.uses_reference_server:
            from conformance.server import ReferenceServer  # only runs that need it

            self._server = self._stack.enter_context(
                ReferenceServer(profile, faults=self.config.faults)
            )
            self.base_url = self._server.base_url
            api_key = self._server.api_key
        else:
            api_key = self.config.api_key()
        return Target(
            base_url=self.base_url or "",
            auth_header=profile.auth.header,
            auth_scheme=profile.auth.scheme,
            api_key=api_key,
            key_env=self.config.api_key_env,
            headers=dict(self.config.headers),
        )

    def execute(self, probe_keys: Iterable[str] | None = None) -> None:
        """Send the probes (all, or those the selected tests need), once."""
        if self._executed:
            return
        self._executed = True
        wanted = set(probe_keys) if probe_keys is not None else None
        probes = [p for p in self.plan.probes if wanted is None or p.key in wanted]
        target = self._target()
        transport = Transport(
            target,
            budget=Budget(self.config.budget),
            redactor=self.redactor,
            concurrency=self.config.concurrency,
            timeouts=self.config.timeouts,
        )
        self.exchanges = transport.run(probes)
        self.requests_total = transport.counters.total
        self.retries = transport.counters.retries
        self.billed = transport.budget.spent
        if self.plan.fuzz is not None:
            self._shrink(target)
        if self._server is not None:
            self.server_stats = self._server.stats()

    def _fuzz_failures(self) -> list[tuple[Probe, str]]:
        failures = []
        for case in self.cases:
            probe = case.probe
            exchange = self.exchanges.get(probe.key)
            if probe.origin != "fuzz" or probe.kind != "invalid" or exchange is None:
                continue
            if exchange.response is None:
                continue
            verdict = judge(case.check, probe, exchange, self.rules)
            if verdict.result(self.config.view).outcome == "failed":
                failures.append((probe, case.check.id))
        return failures

    def _shrink(self, target: Target) -> None:
        """Shrink failing fuzz cases with what is left of the budget (see fuzz/shrink.py)."""
        failures = self._fuzz_failures()
        if not failures:
            return
        checks = {c.id: c for c in all_checks()}

        def send(probe: Probe) -> Exchange | None:
            budget = Budget(max(self.config.budget - self.billed, 0))
            transport = Transport(
                target,
                budget=budget,
                redactor=self.redactor,
                concurrency=1,
                timeouts=self.config.timeouts,
            )
            exchange = transport.run([probe])[probe.key]
            self.requests_total += transport.counters.total
            self.retries += transport.counters.retries
            self.billed += budget.spent
            return None if exchange.skipped else exchange

        def fails(check: str, probe: Probe, exchange: Exchange) -> bool:
            verdict = judge(checks[check], probe, exchange, self.rules)
            return verdict.result(self.config.view).outcome == "failed"

        self.minimal = shrink_all(failures, self.exchanges, self.config.profile, send, fails)

    def rerun_command(self, probe: Probe) -> str:
        """The command that sends this one fuzz case again (same seed, same draw)."""
        cfg = self.config
        fuzz = self.plan.fuzz
        parts = ["python -m conformance run", f"--profile {shlex.quote(cfg.profile_ref)}"]
        if fuzz is not None:
            parts += [f"--seed {fuzz.seed}", f"--fuzz-examples {fuzz.negative}"]
            parts.append(f"--fuzz-valid {fuzz.positive}")
        if not cfg.uses_reference_server:
            parts.append(f"--base-url {shlex.quote(self.base_url or '')}")
        parts.append(f"-k {shlex.quote(f'{probe.model} and {probe.id}')}")
        return " ".join(parts)

    def _reproducer(self, verdict: Verdict) -> Verdict:
        """A fuzz failure's message gains its minimal request (curl) and a re-run command."""
        probe = verdict.probe
        found = self.minimal.get(group_key(probe, verdict.check.id))
        lines = []
        if found is not None:
            if found.shrunk:
                how = f"shrunk from {found.source.id} in {found.requests} request(s)"
            elif found.stopped:
                how = f"{found.source.id}, the smallest failing case; not shrunk: {found.stopped}"
            elif found.requests == 0:
                how = f"{found.source.id}, the smallest failing case, already minimal"
            else:
                how = (
                    f"{found.source.id}, the smallest failing case; "
                    f"none of {found.requests} smaller request(s) failed"
                )
            field = group_key(probe, verdict.check.id)[2]
            curl = curl_command(found.exchange.request, self.config.api_key_env)
            lines += [f"minimal request failing {verdict.check.id} on {field} ({how}):", curl]
        lines.append(f"re-run this case: {self.rerun_command(probe)}")
        text = "\n".join(lines)
        views = {
            view: dataclasses.replace(result, message=f"{result.message}\n{text}")
            if result.outcome == "failed"
            else result
            for view, result in verdict.views.items()
        }
        return dataclasses.replace(verdict, views=views)

    def close(self) -> None:
        self._stack.close()

    # -- judging -----------------------------------------------------------

    def judge(self, case: Case) -> Verdict:
        verdict = judge(
            case.check, case.probe, self.exchanges.get(case.probe.key), self.rules, self.redactor
        )
        if case.probe.origin == "fuzz" and any(
            r.outcome == "failed" for r in verdict.views.values()
        ):
            verdict = self._reproducer(verdict)
        self.verdicts[case.id] = verdict
        return verdict

    def judge_all(self) -> list[Verdict]:
        return [self.judge(case) for case in self.cases]

    @property
    def duration_s(self) -> float:
        return round(time.monotonic() - self.started_monotonic, 3)

    def run(self) -> list[Verdict]:
        """Everything at once, for callers without pytest."""
        try:
            self.execute()
        finally:
            self.close()
        return self.judge_all()
