"""The hard budget: never more billable images than --budget, whatever the server does."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from conformance.profile import load_profile
from conformance.server.faults import FAULTS
from conformance.server.scope import run_plan, why_not
from conformance.transport.budget import Budget
from tests.conftest import SuiteRun

# A DALL·E server that accepts (and bills) every request it gets (the GPT
# models' own rules it has none of: those faults cannot apply, and are refused).
_DALLE_PLAN = run_plan(load_profile("openai-dalle"))
ACCEPT_EVERYTHING = [
    name
    for name, fault in FAULTS.items()
    if name.startswith("accept-") and why_not(fault, _DALLE_PLAN) is None
]


def test_reservations_never_exceed_the_limit() -> None:
    async def scenario() -> tuple[bool, int]:
        budget = Budget(5)
        await budget.acquire(3)
        waiter = asyncio.ensure_future(budget.acquire(3))  # 3 reserved + 3 > 5: it waits
        await asyncio.sleep(0)
        assert not waiter.done()
        await budget.settle(3, 3)  # billed: 3 + 3 can never fit any more
        return await waiter, budget.spent

    assert asyncio.run(scenario()) == (False, 3)


def test_an_unbilled_reservation_is_released() -> None:
    async def scenario() -> bool:
        budget = Budget(2)
        await budget.acquire(2)
        waiter = asyncio.ensure_future(budget.acquire(1))
        await budget.settle(2, 0)
        return await waiter

    assert asyncio.run(scenario()) is True


def _server_counted(output: str) -> int:
    found = re.search(r"reference server counted (\d+) generated image", output)
    assert found, output[-2000:]
    return int(found.group(1))


def test_a_server_that_bills_everything_stays_within_budget(
    run_suite: Callable[..., SuiteRun], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [arg for name in ACCEPT_EVERYTHING for arg in ("--fault", name)]
    run = run_suite(*args, "--budget", "10", "--profile", "openai-dalle")
    results = run.results
    assert 0 < results["requests"]["billable"] <= 10
    assert _server_counted(capsys.readouterr().out) == results["requests"]["billable"]
    skipped = [
        c
        for c in results["checks"]
        if c["outcome"] == "skipped" and c["message"].startswith("budget")
    ]
    assert skipped, "requests that no longer fit must be skipped, not sent"
    assert run.exit_code == 1


def test_the_server_counter_agrees_with_the_suite(
    run_suite: Callable[..., SuiteRun], capsys: pytest.CaptureFixture[str]
) -> None:
    # The covering set alone; with fuzz: test_fuzz.py.
    run = run_suite("--probes", "fixed", "--profile", "openai-dalle")
    assert run.results["requests"]["billable"] == 7
    assert _server_counted(capsys.readouterr().out) == 7
