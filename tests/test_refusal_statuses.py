"""A refusal that breaks several rules accepts the statuses of every rule it breaks (D1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.checks.base import REGISTRY, Context
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.fuzz.classify import Classification, Reason
from conformance.fuzz.probes import expect_refusal
from conformance.probes import Probe
from conformance.profile import load_profile
from conformance.verdict import view_rules
from tests.conftest import REPO, SuiteRun

STATUS = REGISTRY["validation.status"]


def _vendor_with_404(tmp_path: Path) -> Path:
    """modelmax, documenting 404 (as many vendors do) for an unknown model."""
    data = yaml.safe_load((REPO / "profiles" / "modelmax.yaml").read_text())
    data["errors"]["unknown_model"] = {"status": [404]}
    path = tmp_path / "vendor404.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _refused(status: int, probe: Probe) -> Exchange:
    body = json.dumps({"error": {"message": "no", "type": "invalid_request_error"}}).encode()
    return Exchange(
        probe_key=probe.key,
        request=RecordedRequest("POST", "http://127.0.0.1:1/v1/images/generations", []),
        response=RecordedResponse(status, [("content-type", "application/json")], body),
    )


def test_a_refusal_breaking_the_model_and_n_accepts_either_status_in_both_views(
    tmp_path: Path,
) -> None:
    profile = load_profile(str(_vendor_with_404(tmp_path)))
    reasons = (Reason("model", "unknown model", "unknown_model"), Reason("n", "below minimum"))
    expect = expect_refusal(profile, Classification("invalid", None, reasons))
    probe = Probe("fuzz-neg-0001", "imagen-3", "fuzz: model, n", "invalid", expect)
    for view, rules in view_rules(profile).items():
        for status in (400, 404):
            ctx = Context(probe=probe, exchange=_refused(status, probe), profile=rules, view=view)
            result = STATUS.run(ctx)
            assert result.outcome == "passed", (view, status, result.message)
        ctx = Context(probe=probe, exchange=_refused(422, probe), profile=rules, view=view)
        assert STATUS.run(ctx).outcome == "failed", view


def test_a_single_rule_refusal_still_gets_only_its_own_statuses(tmp_path: Path) -> None:
    profile = load_profile(str(_vendor_with_404(tmp_path)))
    expect = expect_refusal(
        profile, Classification("invalid", None, (Reason("n", "below minimum"),))
    )
    probe = Probe("fuzz-neg-0002", "imagen-3", "fuzz: n", "invalid", expect)
    ctx = Context(probe=probe, exchange=_refused(404, probe), profile=profile, view="docs")
    assert STATUS.run(ctx).outcome == "failed"


@pytest.mark.slow  # a whole run of the fuzz probes
def test_a_vendor_documenting_404_for_an_unknown_model_passes_its_own_rehearsal(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    # Every drawn case (the short depth keeps one a rule: maybe not a two-rule one).
    vendor = str(_vendor_with_404(tmp_path))
    run = run_cli("run", "--profile", vendor, "--probes", "fuzz", "--depth", "full")
    assert run.exit_code == 0, run.output[-3000:]
    statuses = [c for c in run.results["checks"] if c["check"] == "validation.status"]
    several = [c for c in statuses if "model: unknown model," in c["title"]]
    assert several, "the plan holds refusals breaking the model and another field"
    for verdict in several:
        for view, result in verdict["views"].items():
            assert result["outcome"] == "passed", (view, verdict["id"], result["message"])
