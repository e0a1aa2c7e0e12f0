"""Property-based probes: drawn at plan time, judged like fixed ones, cheap and reproducible."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.fuzz.classify import classify, parse
from conformance.fuzz.generate import DEFAULT_SEED, draw_batch
from conformance.fuzz.probes import FuzzSettings
from conformance.plan import build_plan
from conformance.probes import potential_images
from conformance.profile import Profile, load_profile
from conformance.server.contract import Violation, parse_body
from conformance.server.rules import check_request
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
# The DALL·E baseline, and today's OpenAI (the GPT image models).
DALLE = load_profile("openai-dalle")
OPENAI = load_profile("openai")
DALLE_RUN = ("--profile", "openai-dalle")


def _server_counted(output: str) -> int:
    found = re.search(r"reference server counted (\d+) generated image", output)
    assert found, output[-2000:]
    return int(found.group(1))


def _fuzz_plan(profile: Profile = DALLE, **kwargs: int):  # type: ignore[no-untyped-def]
    # The JSON cases only: the drawn edit forms are tests/test_fuzz_edits.py's.
    fuzz = FuzzSettings(**kwargs)
    return build_plan(profile, fuzz=fuzz, fixed=False, operations=("generations",))


@pytest.mark.parametrize("profile", [DALLE, OPENAI], ids=lambda p: p.name)
def test_the_classifier_agrees_with_the_reference_contract(profile: Profile) -> None:
    """Every drawn case expects what a server implementing the profile answers."""
    plan = _fuzz_plan(profile)
    for probe in plan.probes:
        body = parse_body(probe.content())
        answer = body if isinstance(body, Violation) else check_request(body, profile)
        if probe.kind == "valid":
            assert not isinstance(answer, Violation), (probe.id, answer)
            continue
        assert isinstance(answer, Violation), (probe.key, probe.content()[:200])
        if probe.expect.param is not None:
            assert answer.param == probe.expect.param, probe.key


def test_the_default_plan_holds_300_distinct_invalid_cases_and_few_billable_ones() -> None:
    plan = build_plan(DALLE, fuzz=FuzzSettings())
    invalid = {p.content() for p in plan.probes if p.origin == "fuzz" and p.kind == "invalid"}
    assert len(invalid) >= 300
    most_sizes = max(len(m.sizes) for m in DALLE.models.values())
    for model in DALLE.models:
        images = sum(p.expect.n or 0 for p in plan.billable if p.model == model)
        assert images <= most_sizes + 3, model
    # The stricter reading: the model with most sizes, plus 3 for each model.
    assert plan.expected_images() <= most_sizes + 3 * len(DALLE.models)
    # The one valid fuzz case goes to the cheapest model.
    assert [p.key for p in plan.billable if p.origin == "fuzz"] == ["dall-e-2/fuzz-pos-01"]


def test_invalid_cases_stay_cheap() -> None:
    """An invalid n is one past the maximum at most, so the budget never skips it."""
    for probe in _fuzz_plan(positive=0).probes:
        assert probe.potential_images <= DALLE.models[probe.model].n_max + 1, probe.key
        sent = parse(probe.content())
        if isinstance(sent, dict):  # the bytes sent ask for no more than is reserved
            assert potential_images(sent) <= probe.potential_images, probe.key


def test_the_fuzzer_breaks_each_rule_alone() -> None:
    """Boundary cases come first: each field's rule broken on its own, for every model."""
    plan = _fuzz_plan(positive=0)
    for model in DALLE.models:
        single = {p.covers[0] for p in plan.probes if p.model == model and len(p.covers) == 1}
        for wanted in ("n: above maximum", "n: below minimum", "prompt: too long"):
            assert wanted in single, (model, wanted)
        for field in ("prompt", "n", "size", "quality", "style", "response_format"):
            assert f"{field}: wrong type" in single, (model, field)


def test_the_fuzzer_breaks_each_gpt_rule_alone() -> None:
    """For the GPT models: each declared parameter's type and range, and the size rule."""
    plan = _fuzz_plan(OPENAI, positive=0)
    for model in OPENAI.models:
        single = {p.covers[0] for p in plan.probes if p.model == model and len(p.covers) == 1}
        for wanted in ("n: above maximum", "output_compression: out of range"):
            assert wanted in single, (model, wanted)
        for field in ("prompt", "n", "size", "quality", "background", "output_format"):
            assert f"{field}: wrong type" in single, (model, field)
        assert "body: compression-needs-jpeg-or-webp" in single, model  # a rule between two


def test_the_classifier_applies_the_gpt_size_rule_and_leaves_open_what_the_contract_does() -> None:
    base = {"model": "gpt-image-2", "prompt": "a cube"}
    for size, verdict, rule in [
        ("1536x864", "valid", None),
        ("1000x1000", "invalid", "size: size-multiple"),
        ("3200x640", "invalid", "size: size-ratio"),
        ("3840x2176", "invalid", "size: size-pixels-max"),
    ]:
        found = classify({**base, "size": size}, OPENAI)
        assert found.verdict == verdict, size
        assert [str(r) for r in found.reasons] == ([rule] if rule else []), size
    # Not established: partial_images without stream, and a key the profile does not declare.
    assert classify({**base, "partial_images": 2}, OPENAI).verdict == "ambiguous"
    assert classify({**base, "input_fidelity": "high"}, OPENAI).verdict == "ambiguous"
    # safety_identifier is declared now (and nullable: "omitted, null, or empty").
    assert classify({**base, "safety_identifier": None}, OPENAI).verdict == "valid"
    refused = classify({**base, "style": "vivid"}, OPENAI)
    assert [(r.param, r.kind) for r in refused.reasons] == [("style", "unknown_parameter")]


def test_the_same_seed_draws_the_same_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn afresh (no cache): hypothesis with a fixed seed, no database, no shrinking."""
    monkeypatch.chdir(tmp_path)
    model = DALLE.models["dall-e-2"]
    first = draw_batch(model, "negative", 40, 7)
    assert first == draw_batch(model, "negative", 40, 7)
    assert first != draw_batch(model, "negative", 40, 8)
    assert not (tmp_path / ".hypothesis").exists(), "drawing must not litter the directory"


def test_the_default_run_sends_300_invalid_cases_and_bills_what_the_server_counts(
    run_suite: RunSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    # The full plan: the short depth sends a drawn case only for a rule nothing else reaches.
    run = run_suite("--depth", "full", *DALLE_RUN)
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
    run = run_suite("--fault", fault, "--probes", "fuzz", "--models", "dall-e-2", *DALLE_RUN)
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
    from conformance.server.faults import ACCEPT_RULE_FAULTS, FAULTS
    from conformance.server.scope import run_plan, why_not

    # Every rule the DALL·E models have (the GPT-only ones cannot apply here).
    plan = run_plan(DALLE)
    dalle = [name for name in ACCEPT_RULE_FAULTS if why_not(FAULTS[name], plan) is None]
    faults = [arg for name in dalle for arg in ("--fault", name)]
    run = run_suite(*faults, "--probes", "fuzz", "--budget", "6", *DALLE_RUN)
    results = run.results
    assert results["requests"]["billable"] == _server_counted(capsys.readouterr().out) == 6
    skipped = [c for c in results["checks"] if c["message"].startswith("budget")]
    assert skipped, "requests that no longer fit are skipped, not sent"


def test_one_fuzz_case_can_be_sent_again_alone(run_suite: RunSuite) -> None:
    run = run_suite("--depth", "full", "-k", "dall-e-2 and fuzz-neg-0042", *DALLE_RUN)
    results = run.results
    plan = build_plan(DALLE, fuzz=FuzzSettings())
    probe = plan.by_key()["dall-e-2/fuzz-neg-0042"]
    assert results["requests"]["total"] == 1
    sent = results["checks"][0]["evidence"]["request"]["body"]
    assert sent == json.loads(probe.content())


@pytest.mark.slow  # draws the whole default fuzz plan in a subprocess
def test_plan_prints_every_probe_and_the_cost_and_sends_nothing(run_cli: RunSuite) -> None:
    run = run_cli("run", "--plan", "--depth", "full", "--fuzz-examples", "160", *DALLE_RUN)
    assert run.exit_code == 0, run.output
    assert "billable: 7 request(s) for 8 image(s)" in run.output
    assert "estimated $0.46" in run.output
    assert "fuzz-neg-0160" in run.output
    assert "gen-1024x1792" in run.output  # which request covers which value
    assert not run.report_dir.exists()
