"""After the run: failing fuzz cases shrunk, and their messages made reproducible.

Kept out of the session so that it stays a plain plan → execute → judge loop:
the session calls :func:`shrink_failures` once after sending, with what to
judge and a way to send (its own, or a replay's recorded answers), and
:func:`with_reproducer` on each verdict of a fuzz probe. Both take what they
need and return what they found; neither knows the session.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.exchange import Exchange
from conformance.fuzz.probes import FuzzSettings
from conformance.fuzz.shrink import GroupKey, Minimal, Send, group_key, shrink_all
from conformance.probes import Probe
from conformance.profile import Profile
from conformance.transport.curl import curl_command
from conformance.verdict import Verdict, judge
from conformance.vocabulary import View


def _failures(
    cases: Iterable[tuple[Check, Probe]],
    exchanges: Mapping[str, Exchange],
    rules: Mapping[View, Profile],
    view: View,
) -> list[tuple[Probe, str]]:
    """(probe, check id) for each failing check of a sent invalid fuzz case."""
    out = []
    for check, probe in cases:
        exchange = exchanges.get(probe.key)
        if probe.origin != "fuzz" or probe.kind != "invalid" or exchange is None:
            continue
        if exchange.response is None:
            continue
        verdict = judge(check, probe, exchange, rules)
        if verdict.result(view).outcome == "failed":
            out.append((probe, check.id))
    return out


def recorded_sender(recorded: Mapping[str, Exchange]) -> Send:
    """For a replay: the candidates' answers as recorded (shrinking is deterministic
    given the same answers, so a replay finds the same minimal request)."""

    def send(probe: Probe) -> Exchange | None:
        exchange = recorded.get(probe.key)
        return None if exchange is None or exchange.skipped else exchange

    return send


def shrink_failures(
    cases: Iterable[tuple[Check, Probe]],
    exchanges: Mapping[str, Exchange],
    *,
    profile: Profile,
    rules: Mapping[View, Profile],
    view: View,
    send: Send,
) -> dict[GroupKey, Minimal]:
    """Shrink the run's failing fuzz cases (see fuzz/shrink.py): the failures are
    the checks that fail in ``view``, judged with ``rules``; candidates go out
    through ``send``."""
    failures = _failures(cases, exchanges, rules, view)
    if not failures:
        return {}
    checks = {c.id: c for c in all_checks()}

    def fails(check: str, probe: Probe, exchange: Exchange) -> bool:
        verdict = judge(checks[check], probe, exchange, rules)
        return verdict.result(view).outcome == "failed"

    return shrink_all(failures, exchanges, profile, send, fails)


@dataclass(frozen=True)
class Rerun:
    """What the command that sends one fuzz case again needs to know of the run."""

    profile_ref: str
    fuzz: FuzzSettings | None
    # None: the run went to the embedded reference server, which a re-run starts anew.
    base_url: str | None

    def command(self, probe: Probe) -> str:
        """The command that sends this one fuzz case again (same seed, same draw)."""
        fuzz = self.fuzz
        parts = ["python -m conformance run", f"--profile {shlex.quote(self.profile_ref)}"]
        if fuzz is not None:
            parts += [f"--seed {fuzz.seed}", f"--fuzz-examples {fuzz.negative}"]
            parts.append(f"--fuzz-valid {fuzz.positive}")
        if self.base_url is not None:
            parts.append(f"--base-url {shlex.quote(self.base_url)}")
        # At full depth a drawn case's id names one request whatever else the run chose.
        parts += ["--depth full", f"-k {shlex.quote(f'{probe.model} and {probe.id}')}"]
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


def with_reproducer(
    verdict: Verdict, minimal: Mapping[GroupKey, Minimal], rerun: Rerun, key_env: str
) -> Verdict:
    """A failing fuzz verdict's message gains its minimal request (curl, the key as
    ``$key_env``) and a re-run command."""
    if verdict.probe.origin != "fuzz" or all(r.outcome != "failed" for r in verdict.views.values()):
        return verdict
    probe = verdict.probe
    key = group_key(probe, verdict.check.id)
    found = minimal.get(key)
    lines = []
    if found is not None:
        curl = curl_command(found.exchange.request, key_env)
        lines += [f"minimal request failing {key[1]} on {key[2]} ({_how(found)}):", curl]
    lines.append(f"re-run this case: {rerun.command(probe)}")
    text = "\n".join(lines)
    views = {
        view: dataclasses.replace(result, message=f"{result.message}\n{text}")
        if result.outcome == "failed"
        else result
        for view, result in verdict.views.items()
    }
    return dataclasses.replace(verdict, views=views)
