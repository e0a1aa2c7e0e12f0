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
from pathlib import Path
from typing import Any

from conformance.breaker import Breaker
from conformance.budget import Budget
from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.config import RunConfig
from conformance.examples import example_exchange
from conformance.exchange import Exchange
from conformance.fuzz.followup import (
    live_sender,
    recorded_sender,
    shrink_failures,
    with_reproducer,
)
from conformance.fuzz.shrink import GroupKey, Minimal
from conformance.plan import Plan, build_plan
from conformance.probes import Probe
from conformance.profile import Profile
from conformance.recording import Recording, read_recording, write_recording
from conformance.redact import Redactor
from conformance.transport import Target, Transport
from conformance.verdict import Verdict, apply_deviations, judge, view_rules


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
    # Images requests that got no answer may have cost (charged to the budget).
    uncertain: int = 0
    server_stats: dict[str, Any] | None = None
    # Counts requests in a row that got no answer; open once the server stopped answering.
    breaker: Breaker = field(default_factory=Breaker)
    # Minimal failing requests found by shrinking fuzz failures after the run.
    minimal: dict[GroupKey, Minimal] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)
    _server: Any = None
    _executed: bool = False
    replayed: Recording | None = None

    def __post_init__(self) -> None:
        cfg = self.config
        zero_balance = cfg.has_zero_balance_key
        if cfg.replay_dir is not None:
            # A replay plans what was recorded: the balance probe only if it was sent.
            self.replayed = read_recording(cfg.replay_dir)
            zero_balance = any(k.endswith("/insufficient-balance") for k in self.replayed.exchanges)
        self.plan = build_plan(
            cfg.profile, cfg.models, zero_balance=zero_balance, fuzz=cfg.fuzzed, fixed=cfg.fixed
        )
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
            zero_key = self._server.zero_balance_key
        else:
            api_key = self.config.api_key()
            zero_key = self.config.zero_balance_key()
        return Target(
            base_url=self.base_url or "",
            auth_header=profile.auth.header,
            auth_scheme=profile.auth.scheme,
            api_key=api_key,
            key_env=self.config.api_key_env,
            headers=dict(self.config.headers),
            zero_balance_key=zero_key,
        )

    def execute(self, probe_keys: Iterable[str] | None = None) -> None:
        """Send the probes (all, or those the selected tests need), once."""
        if self._executed:
            return
        self._executed = True
        wanted = set(probe_keys) if probe_keys is not None else None
        chosen = [p for p in self.plan.probes if wanted is None or p.key in wanted]
        self.exchanges = {p.key: example_exchange(p) for p in chosen if not p.sent}
        probes = [p for p in chosen if p.sent]
        if self.config.replay_dir is not None:
            self._replay(probes, self.config.replay_dir)
            return
        if not probes:
            return
        target = self._target()
        transport = Transport(
            target,
            budget=Budget(self.config.budget),
            redactor=self.redactor,
            concurrency=self.config.concurrency,
            timeouts=self.config.timeouts,
            max_body=self.config.max_body,
            retry=self.config.retry,
            rate=self.config.rate_limit,
            breaker=self.breaker,
        )
        self.exchanges.update(transport.run(probes))
        self.requests_total = transport.counters.total
        self.retries = transport.counters.retries
        self.billed = transport.counters.billed
        self.uncertain = transport.counters.uncertain
        if self.plan.fuzz is not None and not self.breaker.open:
            self.minimal = shrink_failures(self, live_sender(self, target))
        if self._server is not None:
            self.server_stats = self._server.stats()

    def _replay(self, probes: list[Probe], directory: Path) -> None:
        recording = self.replayed or read_recording(directory)
        self.base_url = recording.base_url
        for probe in probes:
            if probe.key in recording.exchanges:
                self.exchanges[probe.key] = recording.exchanges[probe.key]
        self.requests_total = recording.requests.get("total", 0)
        self.retries = recording.requests.get("retries", 0)
        self.billed = recording.requests.get("billable", 0)
        if self.plan.fuzz is not None:
            # Shrinking is deterministic given the same answers: the same minimal request.
            self.minimal = shrink_failures(self, recorded_sender(recording.exchanges))

    def record(self) -> Path | None:
        """Write the exchanges this run sent, when --record asked for it."""
        if self.config.record_dir is None or self.config.replay_dir is not None:
            return None
        # Everything sent, shrinking candidates included, so a replay shrinks alike.
        examples = {p.key for p in self.plan.probes if not p.sent}
        sent = {key: e for key, e in self.exchanges.items() if key not in examples}
        return write_recording(
            self.config.record_dir,
            profile=self.config.profile.name,
            profile_sha256=self.config.profile.sha256,
            base_url=self.base_url,
            models=self.config.models,
            requests={
                "total": self.requests_total,
                "billable": self.billed,
                "retries": self.retries,
            },
            exchanges=sent,
            redactor=self.redactor,
        )

    def close(self) -> None:
        self._stack.close()

    # -- judging -----------------------------------------------------------

    def judge(self, cases: Iterable[Case] | None = None) -> list[Verdict]:
        """Judge cases (default: all) in both views; known deviations need them all."""
        chosen = list(self.cases if cases is None else cases)
        verdicts = [
            judge(c.check, c.probe, self.exchanges.get(c.probe.key), self.rules, self.redactor)
            for c in chosen
        ]
        apply_deviations(verdicts, self.rules)
        verdicts = [with_reproducer(self, v) for v in verdicts]
        for case, verdict in zip(chosen, verdicts, strict=True):
            self.verdicts[case.id] = verdict
        return verdicts

    @property
    def stopped(self) -> str | None:
        """Why the run stopped sending (the server stopped answering), or None."""
        return self.breaker.reason

    @property
    def duration_s(self) -> float:
        return round(time.monotonic() - self.started_monotonic, 3)

    def run(self) -> list[Verdict]:
        """Everything at once, for callers without pytest."""
        try:
            self.execute()
        finally:
            self.close()
        self.record()
        return self.judge()
