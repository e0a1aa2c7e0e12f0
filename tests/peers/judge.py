"""Running the suite against a peer, and holding the run to its golden."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SuiteRun, suite_args
from tests.peers.golden import Golden, mismatches
from tests.peers.target import PeerTarget

RunSuite = Callable[..., SuiteRun]
KEY_ENV = "IGC_PEER_API_KEY"


def judge(
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
    peer: PeerTarget,
    profile: str,
    *extra: str,
) -> SuiteRun:
    """The whole suite in the drop-in view, with the profile the golden was written for."""
    monkeypatch.setenv(KEY_ENV, peer.api_key)
    return run_suite(
        "--profile",
        profile,
        "--base-url",
        peer.base_url,
        "--api-key-env",
        KEY_ENV,
        "--view",
        "drop-in",
        # Enough for every probe a lax peer accepts, so none is skipped for budget.
        "--budget",
        "100",
        # The goldens speak of every fixed probe (the full plan, not the short
        # default's selection); a local peer needs no politeness.
        "--probes",
        "fixed",
        "--depth",
        "full",
        "--rate-limit",
        "none",
        *peer.suite_args,
        *extra,
    )


def assert_golden(run: SuiteRun, golden: Golden) -> None:
    problems = mismatches(run.results, golden)
    assert not problems, "\n".join(problems)
    assert run.exit_code == 1  # every peer has must-level deviations


def suite_runner(report_root: Path) -> RunSuite:
    """``run_suite`` for a fixture wider than one test (one peer run read by several)."""
    counter = iter(range(1000))

    def run(*args: str) -> SuiteRun:
        report_dir = report_root / f"run{next(counter)}"
        return SuiteRun(int(pytest.main(suite_args(report_dir, *args))), report_dir)

    return run
