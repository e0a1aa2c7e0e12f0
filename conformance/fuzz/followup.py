"""After the run: failing fuzz cases shrunk, and their messages made reproducible.

Kept out of the session so that it stays a plain plan → execute → judge loop:
the session calls :func:`shrink_failures` once after sending, and
:func:`with_reproducer` on each verdict of a fuzz probe.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING

from conformance.budget import Budget
from conformance.checks import all_checks
from conformance.curl import curl_command
from conformance.exchange import Exchange
from conformance.fuzz.shrink import GroupKey, Minimal, Send, group_key, shrink_all
from conformance.probes import Probe
from conformance.transport import Target, Transport
from conformance.verdict import Verdict, judge

if TYPE_CHECKING:
    from conformance.session import SuiteSession


def _failures(session: SuiteSession) -> list[tuple[Probe, str]]:
    """(probe, check id) for each failing check of a sent invalid fuzz case."""
    out = []
    for case in session.cases:
        probe = case.probe
        exchange = session.exchanges.get(probe.key)
        if probe.origin != "fuzz" or probe.kind != "invalid" or exchange is None:
            continue
        if exchange.response is None:
            continue
        verdict = judge(case.check, probe, exchange, session.rules)
        if verdict.result(session.config.view).outcome == "failed":
            out.append((probe, case.check.id))
    return out


def live_sender(session: SuiteSession, target: Target) -> Send:
    """Send a shrinking candidate with what is left of the run's budget.

    Each candidate goes through a transport of its own whose budget is what the
    run has left; what it sends and bills is added to the run's counters, and
    its exchange is kept with the run's (so a recording holds it too).
    """
    config = session.config

    def send(probe: Probe) -> Exchange | None:
        # Images lost in flight may have been billed: they count against what is left.
        budget = Budget(max(config.budget - session.billed - session.uncertain, 0))
        transport = Transport(
            target,
            budget=budget,
            redactor=session.redactor,
            concurrency=1,
            timeouts=config.timeouts,
            max_body=config.max_body,
            retry=config.retry,
            rate=config.rate_limit,
            breaker=session.breaker,
        )
        exchange = transport.run([probe])[probe.key]
        session.requests_total += transport.counters.total
        session.retries += transport.counters.retries
        session.billed += transport.counters.billed
        session.uncertain += transport.counters.uncertain
        session.exchanges[probe.key] = exchange
        return None if exchange.skipped else exchange

    return send


def recorded_sender(recorded: Mapping[str, Exchange]) -> Send:
    """For a replay: the candidates' answers as recorded (shrinking is deterministic
    given the same answers, so a replay finds the same minimal request)."""

    def send(probe: Probe) -> Exchange | None:
        exchange = recorded.get(probe.key)
        return None if exchange is None or exchange.skipped else exchange

    return send


def shrink_failures(session: SuiteSession, send: Send) -> dict[GroupKey, Minimal]:
    """Shrink the run's failing fuzz cases (see fuzz/shrink.py)."""
    failures = _failures(session)
    if not failures:
        return {}
    checks = {c.id: c for c in all_checks()}

    def fails(check: str, probe: Probe, exchange: Exchange) -> bool:
        verdict = judge(checks[check], probe, exchange, session.rules)
        return verdict.result(session.config.view).outcome == "failed"

    return shrink_all(failures, session.exchanges, session.config.profile, send, fails)


def rerun_command(session: SuiteSession, probe: Probe) -> str:
    """The command that sends this one fuzz case again (same seed, same draw)."""
    cfg = session.config
    fuzz = session.plan.fuzz
    parts = ["python -m conformance run", f"--profile {shlex.quote(cfg.profile_ref)}"]
    if fuzz is not None:
        parts += [f"--seed {fuzz.seed}", f"--fuzz-examples {fuzz.negative}"]
        parts.append(f"--fuzz-valid {fuzz.positive}")
    if not cfg.uses_reference_server:
        parts.append(f"--base-url {shlex.quote(session.base_url or '')}")
    parts.append(f"-k {shlex.quote(f'{probe.model} and {probe.id}')}")
    return " ".join(parts)


def _how(found: Minimal) -> str:
    if found.shrunk:
        return f"shrunk from {found.source.id} in {found.requests} request(s)"
    if found.stopped:
        return f"{found.source.id}, the smallest failing case; not shrunk: {found.stopped}"
    if found.requests == 0:
        return f"{found.source.id}, the smallest failing case, already minimal"
    return (
        f"{found.source.id}, the smallest failing case; "
        f"none of {found.requests} smaller request(s) failed"
    )


def with_reproducer(session: SuiteSession, verdict: Verdict) -> Verdict:
    """A failing fuzz verdict's message gains its minimal request (curl) and a re-run command."""
    if verdict.probe.origin != "fuzz" or all(r.outcome != "failed" for r in verdict.views.values()):
        return verdict
    probe = verdict.probe
    key = group_key(probe, verdict.check.id)
    found = session.minimal.get(key)
    lines = []
    if found is not None:
        curl = curl_command(found.exchange.request, session.config.api_key_env)
        lines += [f"minimal request failing {key[1]} on {key[2]} ({_how(found)}):", curl]
    lines.append(f"re-run this case: {rerun_command(session, probe)}")
    text = "\n".join(lines)
    views = {
        view: dataclasses.replace(result, message=f"{result.message}\n{text}")
        if result.outcome == "failed"
        else result
        for view, result in verdict.views.items()
    }
    return dataclasses.replace(verdict, views=views)
