"""One run: plan → execute → judge, as plain objects passed forward.

The pytest plugin drives a :class:`SuiteSession` (one test per check per probe);
self-tests and the record/replay tooling can drive it directly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conformance.budget import Budget
from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.config import RunConfig
from conformance.exchange import Exchange
from conformance.fuzz.followup import live_sender, shrink_failures, with_reproducer
from conformance.fuzz.shrink import GroupKey, Minimal
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
    plan: Plan = field(init=False)
    cases: list[Case] = field(init=False)
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
        cfg = self.config
        self.plan = build_plan(cfg.profile, cfg.models, fuzz=cfg.fuzzed, fixed=cfg.fixed)
        self.cases = cases_for(self.plan)
        self.rules = view_rules(self.config.profile)
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.started_monotonic = time.monotonic()
        self.base_url = self.config.base_url

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
            self.minimal = shrink_failures(self, live_sender(self, target))
        if self._server is not None:
            self.server_stats = self._server.stats()

    def close(self) -> None:
        self._stack.close()

    # -- judging -----------------------------------------------------------

    def judge(self, case: Case) -> Verdict:
        verdict = judge(
            case.check, case.probe, self.exchanges.get(case.probe.key), self.rules, self.redactor
        )
        verdict = with_reproducer(self, verdict)
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
