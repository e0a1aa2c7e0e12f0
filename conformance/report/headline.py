"""What a run concluded, in the words the report and the terminal open with.

One place decides the run's exit code and says why: conformant or not, the
view that set it, the failures at or above ``--fail-on`` grouped by check,
and the runs that cannot be a verdict at all (interrupted, or nothing judged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.verdict import Verdict, fails_run, severity_rank
from conformance.vocabulary import Severity, View

# Exit codes (pytest's where it has one): README "Exit codes".
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 2  # pytest's own for Ctrl-C; SIGTERM is given the same
EXIT_NOTHING_JUDGED = 5  # pytest's "no tests": every verdict was a skip


@dataclass(frozen=True)
class CheckFailures:
    """One check's verdicts that count against the run."""

    check: str
    severity: Severity
    count: int
    outcome: str
    first: str  # the first failing verdict's id and message

    def line(self) -> str:
        return f"{self.check} ({self.severity}) ×{self.count} {self.outcome}: {self.first}"


def judged(verdicts: Iterable[Verdict], view: View) -> int:
    """Verdicts on answers from a server (not skipped, not a docs example)."""
    return sum(1 for v in verdicts if v.probe.sent and v.result(view).outcome not in ("skipped",))


def by_check(
    verdicts: Iterable[Verdict], view: View, fail_on: Severity | None = None
) -> list[CheckFailures]:
    """Failed (and fixed) verdicts grouped by check, worst severity first then most
    frequent. Errors of the run are not the vendor's: see :func:`errors`.

    ``fail_on``: only those that set the exit code; None: every failure of the
    server (docs examples are reported apart).
    """
    groups: dict[tuple[str, str], list[Verdict]] = {}
    for v in verdicts:
        outcome = v.result(view).outcome
        if v.probe.kind == "example" or outcome not in ("failed", "fixed"):
            continue
        if fail_on is not None and not fails_run(v, view, fail_on):
            continue
        groups.setdefault((v.check.id, outcome), []).append(v)
    out = [
        CheckFailures(
            check=check,
            severity=vs[0].check.severity,
            count=len(vs),
            outcome=outcome,
            first=f"{vs[0].id}: {_short(vs[0].result(view).message)}",
        )
        for (check, outcome), vs in groups.items()
    ]
    return sorted(out, key=lambda f: (severity_rank(f.severity), -f.count, f.check))


def errors(verdicts: Iterable[Verdict], view: View) -> list[tuple[str, int]]:
    """Errors of the run (no answer to judge), by message, most frequent first."""
    counts = Counter(v.result(view).message for v in verdicts if v.result(view).outcome == "error")
    return counts.most_common()


def _short(message: str, limit: int = 140) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


@dataclass(frozen=True)
class Headline:
    exit_code: int
    view: View
    fail_on: Severity
    failures: list[CheckFailures]
    interrupted: str | None = None  # why, when the run was interrupted
    judged: int = 0
    errors: int = 0  # verdicts with no answer to judge
    stopped: str | None = None  # why the run stopped sending, if it did

    @property
    def conformant(self) -> bool:
        return self.exit_code == EXIT_OK

    def verdict(self) -> str:
        """One sentence: the run's verdict and why it exits as it does."""
        view = f"the {self.view} view set it"
        if self.interrupted:
            return (
                f"interrupted ({self.interrupted}): no verdict; what was answered is judged "
                f"below; exit {self.exit_code}"
            )
        if self.exit_code == EXIT_NOTHING_JUDGED:
            return (
                "nothing judged: every verdict was a skip (nothing answered, or a replay "
                f"of a recording that holds no answer); exit {self.exit_code}"
            )
        if self.conformant:
            return f"conformant: no failure at {self.fail_on} or above; exit 0; {view}"
        count = sum(f.count for f in self.failures)
        if not count:
            why = f"it stopped sending: {self.stopped}" if self.stopped else "no answer to judge"
            return (
                f"error of the run: {self.errors} verdict(s) could not be judged ({why}); "
                f"no failure is charged to the vendor; exit {self.exit_code}"
            )
        also = f", and {self.errors} error(s) of the run" if self.errors else ""
        return (
            f"not conformant: {count} failure(s) at {self.fail_on} or above in "
            f"{len(self.failures)} check(s){also}; exit {self.exit_code}; {view}"
        )


def headline(
    verdicts: Iterable[Verdict],
    view: View,
    fail_on: Severity,
    *,
    interrupted: str | None = None,
    stopped: str | None = None,
) -> Headline:
    verdicts = list(verdicts)
    failures = by_check(verdicts, view, fail_on)
    count = judged(verdicts, view)
    erred = sum(
        1 for v in verdicts if v.probe.kind != "example" and v.result(view).outcome == "error"
    )
    if interrupted:
        code = EXIT_INTERRUPTED
    elif failures or erred:
        code = EXIT_FAILED
    elif count == 0:
        code = EXIT_NOTHING_JUDGED
    else:
        code = EXIT_OK
    return Headline(
        code,
        view,
        fail_on,
        failures,
        interrupted=interrupted,
        judged=count,
        errors=erred,
        stopped=stopped,
    )
