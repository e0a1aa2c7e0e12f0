"""Every check fails against a server that breaks exactly its rule, and passes otherwise.

The reference server's faults each break one rule of the contract; each names
the check that must notice (``Fault.breaks``). This module runs the whole suite
against the clean server (everything passes) and once per fault (the named
check fails, and the run exits 1).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.checks import REGISTRY
from conformance.lifecycle.dates import TODAY_ENV
from conformance.server.faults import (
    ACCEPT_RULE_FAULTS,
    DIMS_IGNORED_PROFILE,
    DIMS_PROFILE,
    FAULTS,
    PREVIEW_OPTIONS,
)
from conformance.server.scope import exercises_rule
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]


def test_every_check_has_a_fault_that_breaks_it() -> None:
    broken = {check for fault in FAULTS.values() for check in fault.checks}
    assert set(REGISTRY) - broken == set()


def test_clean_server_passes_every_check(run_suite: RunSuite) -> None:
    # The fixed probes, for both families; the fuzz ones: tests/test_fuzz.py.
    seen = set()
    # openai: today's five models, 29 images, plus a GIF (2 frames) and an SVG per
    # 2.6 model with the previews (each GIF counts 1 on the server's side), and 4
    # images a model for its two edits.
    for profile, most_images, extra in (
        ("openai", 35 + 5 * 4, PREVIEW_OPTIONS),
        ("openai-dalle", 8, ()),
    ):
        run = run_suite("--probes", "fixed", "--profile", profile, *extra)
        results = run.results
        assert run.exit_code == 0
        # The one skip: @ai-sdk/openai 3 refuses outputFormat svg before sending.
        unpassed = [c for c in results["checks"] if c["outcome"] != "passed"]
        assert all(c["outcome"] == "skipped" for c in unpassed), unpassed[:3]
        assert all("the client cannot make this call" in c["message"] for c in unpassed)
        assert {c["probe"]["id"] for c in unpassed} <= {"gen-svg"}
        assert results["summary"]["passed"] + len(unpassed) == len(results["checks"]) > 150
        assert results["requests"]["billable"] <= most_images
        seen |= {c["check"] for c in results["checks"]}
    # The dimensions and vendor parameters beyond OpenAI's (issue 22): each rule's
    # self-test profile, clean in the docs view (drop-in shows its documented
    # differences from OpenAI, tests/test_dimensions.py).
    for profile in (DIMS_PROFILE, DIMS_IGNORED_PROFILE):
        run = run_suite("--probes", "fixed", "--profile", profile)
        assert run.exit_code == 0
        docs = [c for c in run.results["checks"] if c["views"]["docs"]["outcome"] == "failed"]
        assert docs == []
        seen |= {c["check"] for c in run.results["checks"]}
    assert seen == set(REGISTRY)


# Faults whose rule only a model past its shutdown shows: judged as of that day,
# with --allow-shutdown (conformance/server/models.py).
_AFTER_SHUTDOWN = {"models-list-serves-shut-down": "2026-12-01"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_its_check(
    run_suite: RunSuite, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = ("--models", ",".join(FAULTS[fault].models)) if FAULTS[fault].models else ()
    if fault in _AFTER_SHUTDOWN:
        monkeypatch.setenv(TODAY_ENV, _AFTER_SHUTDOWN[fault])
        models = (*models, "--allow-shutdown")
    run = run_suite(
        "--fault",
        fault,
        "--fail-on",
        "may",
        "--probes",
        "fixed",
        "--profile",
        FAULTS[fault].profile,
        *models,
        *FAULTS[fault].options,
    )
    failed = [c for c in run.results["checks"] if c["outcome"] == "failed"]
    for target in FAULTS[fault].checks:
        assert any(c["check"] == target for c in failed), f"{fault} must fail {target}"
    assert run.exit_code == 1
    if fault in ACCEPT_RULE_FAULTS:
        # Skipping one validation rule is caught on the probe that tests that rule.
        # (a vendor parameter's rule on each parameter's probe: vendor-type-seed, ...)
        rule = ACCEPT_RULE_FAULTS[fault]
        assert any(
            exercises_rule(c["id"].removeprefix("validation.rejected[")[:-1], rule)
            for c in failed
            if c["check"] == "validation.rejected"
        )


def test_failures_below_fail_on_are_reported_but_do_not_fail_the_run(run_suite: RunSuite) -> None:
    # generation.nulls is a `may` check
    run = run_suite("--fault", "null-fields", "--probes", "fixed", "--profile", "openai-dalle")
    assert "failed" in run.outcomes("generation.nulls")
    assert run.exit_code == 0
