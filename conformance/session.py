"""One run: plan → execute → judge, as plain objects passed forward.

The pytest plugin drives a :class:`SuiteSession` (one test per check per probe);
self-tests and the record/replay tooling can drive it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.clients.replay import prime as prime_clients
from conformance.config import RunConfig
from conformance.examples import example_exchange
from conformance.exchange import Exchange
from conformance.fuzz.followup import Rerun, recorded_sender, shrink_failures, with_reproducer
from conformance.fuzz.shrink import GroupKey, Minimal, Send
from conformance.lifecycle.dates import today
from conformance.lifecycle.listing import summary_lines
from conformance.plan import Plan, build_plan
from conformance.probes import Probe
from conformance.profile import Profile
from conformance.recording import Recording, read_recording, write_recording
from conformance.redact import Redactor
from conformance.transport import Breaker, Counters, Target, Transport
from conformance.verdict import (
    Verdict,
    apply_deviations,
    judge,
    no_verdict_from_a_down_server,
    view_rules,
)
from conformance.vocabulary import View


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
    return [Case(check, probe) for check in checks for probe in plan.probes if check.judges(probe)]


@dataclass
class SuiteSession:
    """One run: its plan, the exchanges it sent (or replayed), its counters, its verdicts.

    The pytest plugin makes one per pytest run and drives it: :meth:`execute` once
    with the probes the selected tests need, then :meth:`judge` on those tests;
    self-tests and benchmarks call :meth:`run`. It owns all the sending: it starts
    the embedded reference server when the run has no URL, sends the plan through
    one transport, and sends the fuzz follow-up's shrinking candidates.
    """

    config: RunConfig
    plan: Plan = field(init=False)
    cases: list[Case] = field(init=False)
    rules: dict[View, Profile] = field(init=False)
    redactor: Redactor = field(default_factory=Redactor)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    started_at: str = ""
    started_monotonic: float = 0.0
    base_url: str | None = None
    # Everything the run sent: requests, retries, images billed, and images that
    # requests which got no answer may have cost (charged to the budget).
    counters: Counters = field(default_factory=Counters)
    server_stats: dict[str, Any] | None = None
    # Counts requests in a row that got no answer; open once the server stopped answering.
    breaker: Breaker = field(default_factory=Breaker)
    # Minimal failing requests found by shrinking fuzz failures after the run.
    minimal: dict[GroupKey, Minimal] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)
    _server: Any = None
    _executed: bool = False
    replayed: Recording | None = None
    # What the vendor's GET /v1/models said about the judged models, one line each.
    lifecycle_lines: list[str] = field(default_factory=list)
    # Why the run stopped early at the user's word (SIGINT, SIGTERM), or None.
    interrupted: str | None = None
    # Told of each probe the run's transport is done with (the progress line).
    on_done: Callable[[Transport, Exchange | None], None] | None = None
    # Seconds this run spent sending (None: it sent nothing, or replayed).
    sending_s: float | None = None

    def __post_init__(self) -> None:
        cfg = self.config
        zero_balance = cfg.has_zero_balance_key
        if cfg.replay_dir is not None:
            # A replay plans what was recorded: the balance probe only if it was sent.
            self.replayed = read_recording(cfg.replay_dir)
            zero_balance = any(k.endswith("/insufficient-balance") for k in self.replayed.exchanges)
        self.plan = build_plan(
            cfg.profile,
            cfg.models,
            zero_balance=zero_balance,
            fuzz=cfg.fuzzed,
            fixed=cfg.fixed,
            depth="full" if self.replayed is not None else cfg.depth,
        )
        if self.replayed is not None and not self._all_recorded():
            # A replay judges at the depth that was recorded: short, when full was not.
            self.plan = build_plan(
                cfg.profile,
                cfg.models,
                zero_balance=zero_balance,
                fuzz=cfg.fuzzed,
                fixed=cfg.fixed,
                depth="short",
            )
        self.cases = cases_for(self.plan)
        self.rules = view_rules(self.config.profile)
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.started_monotonic = time.monotonic()
        self.base_url = self.config.base_url

    def _all_recorded(self) -> bool:
        recorded = self.replayed.exchanges if self.replayed is not None else {}
        return all(p.key in recorded for p in self.plan.probes if p.sent)

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
            list_key=profile.shape.list_key,
            deployments=dict(self.config.deployments),
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
        began = time.monotonic()
        transport = Transport.for_run(
            target,
            self.config,
            budget=self.config.budget,
            redactor=self.redactor,
            breaker=self.breaker,
        )
        listing = [p for p in probes if p.kind == "listing"]
        if listing:
            probes = [p for p in probes if p.kind != "listing"]
            self._read_listing(transport, listing)
        transport.on_done = self.on_done
        sent = transport.run(probes)
        if transport.watch.problem is not None:
            # The model list was read before the base URL proved not to be the API:
            # its answer is not the vendor's either (an error of the run, never a failure).
            for probe in listing:
                answered = self.exchanges.get(probe.key)
                if (
                    answered is not None
                    and answered.error is None
                    and answered.response is not None
                ):
                    answered.error = f"not judged — {transport.watch.problem}"
        if transport.interrupted is not None:
            self.interrupted = f"{transport.interrupted} after sending began"
        no_verdict_from_a_down_server(probes, sent, healthy=transport.counters.healthy)
        self.exchanges.update(sent)
        self.counters.add(transport.counters)
        # Shrinking sends more; against a server that stopped answering, nothing is.
        if self.plan.fuzz is not None and not self.breaker.open:
            self.minimal = self._shrink(self._candidate_sender(target))
        # What --plan estimated (the summary prints both): sending and shrinking, not judging.
        self.sending_s = time.monotonic() - began
        if self._server is not None:
            self.server_stats = self._server.stats()

    def _lifecycle_lines(self, answer: Exchange | None) -> list[str]:
        day = today()
        gone = []
        for name in self.config.models:
            spec = self.config.profile.models.get(name)
            life = spec.lifecycle if spec is not None else None
            if life is not None and life.shut_down_by(day):
                gone.append(name)
        return summary_lines(self.config.models, answer, day, gone=gone)

    def _read_listing(self, transport: Transport, listing: list[Probe]) -> None:
        """GET /v1/models once, first, through the run's transport; every model's
        listing probe is judged on that one answer."""
        first = listing[0]
        answer = transport.run([first])[first.key]
        for probe in listing:
            self.exchanges[probe.key] = replace(answer, probe_key=probe.key)
        self.lifecycle_lines = self._lifecycle_lines(answer)

    def _candidate_sender(self, target: Target) -> Send:
        """Send a shrinking candidate with what is left of the run's budget.

        Each candidate goes through a transport of its own whose budget is what the
        run has left; what it sends and bills is counted with the run's, and its
        exchange is kept with the run's (so a recording holds it too).
        """
        config = self.config

        def send(probe: Probe) -> Exchange | None:
            # Images lost in flight may have been billed: they count against what is left.
            left = config.budget - self.counters.billed - self.counters.uncertain
            transport = Transport.for_run(
                target,
                config,
                budget=max(left, 0),
                redactor=self.redactor,
                concurrency=1,
                breaker=self.breaker,
            )
            sent = transport.run([probe])
            if transport.interrupted is not None and self.interrupted is None:
                self.interrupted = f"{transport.interrupted} after sending began"
            no_verdict_from_a_down_server([probe], sent, healthy=transport.counters.healthy)
            exchange = sent[probe.key]
            self.counters.add(transport.counters)
            self.exchanges[probe.key] = exchange
            return None if exchange.skipped else exchange

        return send

    def _shrink(self, send: Send) -> dict[GroupKey, Minimal]:
        return shrink_failures(
            [(case.check, case.probe) for case in self.cases],
            self.exchanges,
            profile=self.config.profile,
            rules=self.rules,
            view=self.config.view,
            send=send,
        )

    def _replay(self, probes: list[Probe], directory: Path) -> None:
        recording = self.replayed or read_recording(directory)
        self.base_url = recording.base_url
        for probe in probes:
            if probe.key in recording.exchanges:
                self.exchanges[probe.key] = recording.exchanges[probe.key]
        listing = [p for p in probes if p.kind == "listing"]
        if listing:
            answer = self.exchanges.get(listing[0].key)
            self.lifecycle_lines = self._lifecycle_lines(answer)
        self.counters = Counters(
            total=recording.requests.get("total", 0),
            retries=recording.requests.get("retries", 0),
            billed=recording.requests.get("billable", 0),
            uncertain=recording.requests.get("possibly_billed", 0),
        )
        if self.plan.fuzz is not None:
            # Shrinking is deterministic given the same answers: the same minimal request.
            self.minimal = self._shrink(recorded_sender(recording.exchanges))

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
                "total": self.counters.total,
                "billable": self.counters.billed,
                "retries": self.counters.retries,
                "possibly_billed": self.counters.uncertain,
            },
            exchanges=sent,
            redactor=self.redactor,
            interrupted=self.interrupted,
        )

    def close(self) -> None:
        self._stack.close()

    # -- judging -----------------------------------------------------------

    def judge(self, cases: Iterable[Case] | None = None) -> list[Verdict]:
        """Judge cases (default: all) in both views; known deviations need them all."""
        chosen = list(self.cases if cases is None else cases)
        # The Node clients see every answer of the run in one process.
        prime_clients((c.check.id, c.probe, self.exchanges.get(c.probe.key)) for c in chosen)
        verdicts = [
            judge(c.check, c.probe, self.exchanges.get(c.probe.key), self.rules, self.redactor)
            for c in chosen
        ]
        apply_deviations(verdicts, self.rules)
        rerun = Rerun(
            profile_ref=self.config.profile_ref,
            fuzz=self.plan.fuzz,
            base_url=None if self.config.uses_reference_server else (self.base_url or ""),
        )
        key_env = self.config.api_key_env
        verdicts = [with_reproducer(v, self.minimal, rerun, key_env) for v in verdicts]
        for case, verdict in zip(chosen, verdicts, strict=True):
            self.verdicts[case.id] = verdict
        return verdicts

    @property
    def stopped(self) -> str | None:
        """Why the run stopped sending (the server stopped answering), or None."""
        return self.breaker.reason

    @property
    def probes_by_key(self) -> dict[str, Probe]:
        """The plan's probes by key: what each exchange asked (an edit's price reads it)."""
        return {p.key: p for p in self.plan.probes}

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
