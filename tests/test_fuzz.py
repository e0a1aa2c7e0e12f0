"""Property-based probes: drawn at plan time, judged like fixed ones, cheap and reproducible."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.fuzz.classify import parse
from conformance.fuzz.generate import DEFAULT_SEED, draw_batch
from conformance.fuzz.probes import FuzzSettings
from conformance.plan import build_plan
from conformance.probes import potential_images
from conformance.profile import load_profile
from conformance.server.contract import Violation, check_request, parse_body
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
OPENAI = load_profile("openai")


def _server_counted(output: str) -> int:
    found = re.search(r"reference server counted (\d+) generated image", output)
    assert found, output[-2000:]
    return int(found.group(1))


def _fuzz_plan(**kwargs: int):  # type: ignore[no-untyped-def]
    return build_plan(OPENAI, fuzz=FuzzSettings(**kwargs), fixed=False)


def test_the_classifier_agrees_with_the_reference_contract() -> None:
    """Every drawn case expects what a server implementing the profile answers."""
    plan = _fuzz_plan()
    for probe in plan.probes:
        body = parse_body(probe.content())
        answer = body if isinstance(body, Violation) else check_request(body, OPENAI)
        if probe.kind == "valid":
            assert not isinstance(answer, Violation), (probe.id, answer)
            continue
        assert isinstance(answer, Violation), (probe.key, probe.content()[:200])
        if probe.expect.param is not None:
            assert answer.param == probe.expect.param, probe.key


def test_the_default_plan_holds_300_distinct_invalid_cases_and_few_billable_ones() -> None:
    plan = build_plan(OPENAI, fuzz=FuzzSettings())
    invalid = {p.content() for p in plan.probes if p.origin == "fuzz" and p.kind == "invalid"}
    assert len(invalid) >= 300
    most_sizes = max(len(m.sizes) for m in OPENAI.models.values())
    for model in OPENAI.models:
        images = sum(p.expect.n or 0 for p in plan.billable if p.model == model)
        assert images <= most_sizes + 3, model
    # The stricter reading: the model with most sizes, plus 3 for each model.
    assert plan.expected_images() <= most_sizes + 3 * len(OPENAI.models)
    # The one valid fuzz case goes to the cheapest model.
    assert [p.key for p in plan.billable if p.origin == "fuzz"] == ["dall-e-2/fuzz-pos-01"]


def test_invalid_cases_stay_cheap() -> None:
    """An invalid n is one past the maximum at most, so the budget never skips it."""
    for probe in _fuzz_plan(positive=0).probes:
        assert probe.potential_images <= OPENAI.models[probe.model].n_max + 1, probe.key
        sent = parse(probe.content())
        if isinstance(sent, dict):  # the bytes sent ask for no more than is reserved
            assert potential_images(sent) <= probe.potential_images, probe.key


def test_the_fuzzer_breaks_each_rule_alone() -> None:
    """Boundary cases come first: each field's rule broken on its own, for every model."""
    plan = _fuzz_plan(positive=0)
    for model in OPENAI.models:
        single = {p.covers[0] for p in plan.probes if p.model == model and len(p.covers) == 1}
        for wanted in ("n: above maximum", "n: below minimum", "prompt: too long"):
            assert wanted in single, (model, wanted)
        for field in ("prompt", "n", "size", "quality", "style", "response_format"):
            assert f"{field}: wrong type" in single, (model, field)


def test_the_same_seed_draws_the_same_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn afresh (no cache): hypothesis with a fixed seed, no database, no shrinking."""
    monkeypatch.chdir(tmp_path)
    model = OPENAI.models["dall-e-2"]
    first = draw_batch(model, "negative", 40, 7)
    assert first == draw_batch(model, "negative", 40, 7)
    assert first != draw_batch(model, "negative", 40, 8)
    assert not (tmp_path / ".hypothesis").exists(), "drawing must not litter the directory"


def test_the_default_run_sends_300_invalid_cases_and_bills_what_the_server_counts(
    run_suite: RunSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_suite()
    results = run.results
    assert run.exit_code == 0
    bodies = {
        json.dumps(c["evidence"]["request"]["body"], sort_keys=True)
        for c in results["checks"]
        if re.search(r"\[fuzz-neg-\d+\]$", c["id"])
    }
    assert len(bodies) >= 300
    billed = results["requests"]["billable"]
    assert billed == _server_counted(capsys.readouterr().out) == 8


# One fault per kind of invalid input: out-of-range n, unknown enum value,
# too-long prompt, wrong type.
@pytest.mark.parametrize(
    "fault",
    ["accept-n-above-max", "accept-quality-unknown", "accept-prompt-too-long", "accept-n-type"],
)
def test_the_fuzzer_alone_catches_a_server_that_accepts_one_kind_of_invalid_input(
    run_suite: RunSuite, fault: str
) -> None:
    run = run_suite("--fault", fault, "--probes", "fuzz", "--models", "dall-e-2")
    failed = [
        c for c in run.results["checks"] if c["outcome"] == "failed" and "[fuzz-neg-" in c["id"]
    ]
    assert run.exit_code == 1
    assert any(c["id"].startswith("validation.rejected[") for c in failed), fault
    message = failed[0]["message"]
    assert "minimal request failing validation.rejected" in message
    assert "$OPENAI_API_KEY" in message
    assert f"--seed {DEFAULT_SEED}" in message
    assert "-k 'dall-e-2 and fuzz-neg-" in message


def test_a_server_that_accepts_everything_never_pushes_fuzzing_past_the_budget(
    run_suite: RunSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.server.faults import ACCEPT_RULE_FAULTS

    faults = [arg for name in ACCEPT_RULE_FAULTS for arg in ("--fault", name)]
    run = run_suite(*faults, "--probes", "fuzz", "--budget", "6")
    results = run.results
    assert results["requests"]["billable"] == _server_counted(capsys.readouterr().out) == 6
    skipped = [c for c in results["checks"] if c["message"].startswith("budget")]
    assert skipped, "requests that no longer fit are skipped, not sent"


def test_one_fuzz_case_can_be_sent_again_alone(run_suite: RunSuite) -> None:
    run = run_suite("-k", "dall-e-2 and fuzz-neg-0042")
    results = run.results
    plan = build_plan(OPENAI, fuzz=FuzzSettings())
    probe = plan.by_key()["dall-e-2/fuzz-neg-0042"]
    assert results["requests"]["total"] == 1
    sent = results["checks"][0]["evidence"]["request"]["body"]
    assert sent == json.loads(probe.content())


def test_plan_prints_every_probe_and_the_cost_and_sends_nothing(run_cli: RunSuite) -> None:
    run = run_cli("run", "--plan", "--fuzz-examples", "160")
    assert run.exit_code == 0, run.output
    assert "billable: 7 request(s) for 8 image(s), estimated $0.46" in run.output
    assert "fuzz-neg-0160" in run.output
    assert "gen-1024x1792" in run.output  # which request covers which value
    assert not run.report_dir.exists()
