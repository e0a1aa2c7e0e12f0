"""--depth: the short plan exercises every rule of the full plan at every place it can
differ, with the same billable probes, and fewer requests; the time estimate.

The fault matrix (tests/test_checks_catch_faults.py) runs at the default depth, so
every fault is still caught with the same check named there; these tests hold the
plan-level equivalence that makes it so, for every bundled profile and fuzz included.
"""

from __future__ import annotations

import re

import pytest

from conformance.config import resolve
from conformance.depth.rules import edit_scope
from conformance.depth.select import covered_items, items
from conformance.depth.walltime import REFUSAL_S, estimate, simulate
from conformance.edits.inputs import flat_image
from conformance.edits.multipart import EditForm, FilePart
from conformance.fuzz.edit_forms import classify_form
from conformance.fuzz.probes import FuzzSettings
from conformance.plan import Plan, build_plan, requests_sent
from conformance.profile import load_profile
from conformance.report.planview import wall_time
from conformance.resources import bundled_profiles
from conformance.transport.ratelimit import parse_rate

PROFILES = sorted(bundled_profiles())


def _plans(name: str) -> tuple[Plan, Plan]:
    config = resolve({"profile": name})
    plans = (
        build_plan(
            config.profile, config.models, zero_balance=True, fuzz=config.fuzzed, depth=depth
        )
        for depth in ("short", "full")
    )
    short, full = plans
    return short, full


@pytest.mark.parametrize("name", PROFILES)
def test_short_exercises_every_rule_of_full_at_every_place(name: str) -> None:
    short, full = _plans(name)
    assert all(p.rules for p in full.probes if p.sent)
    assert covered_items(short.probes, short.profile) == covered_items(full.probes, full.profile)
    # The covering set is at its bound: the same billable probes, the same bodies.
    assert [(p.key, p.content()) for p in short.billable] == [
        (p.key, p.content()) for p in full.billable
    ]
    assert requests_sent(short.probes) < requests_sent(full.probes) == full.full_requests
    # A subset, in plan order, each probe as the full plan has it.
    keys = [p.key for p in full.probes]
    assert [p.key for p in short.probes] == [k for k in keys if k in {p.key for p in short.probes}]
    by_key = full.by_key()
    assert all(p.content() == by_key[p.key].content() for p in short.probes)


@pytest.mark.parametrize("name", ["openai", "openai-dalle"])
def test_each_drawn_case_kept_adds_a_rule_nothing_before_it_exercises(name: str) -> None:
    short, _ = _plans(name)
    profile = short.profile
    before = [p for p in short.probes if p.origin != "fuzz" or p.billable]
    covered = covered_items(before, profile)
    drawn = [p for p in short.probes if p.origin == "fuzz" and not p.billable]
    assert drawn, "the short depth still sends drawn cases"
    for probe in drawn:
        new = items(probe, profile) - covered
        assert new, f"{probe.key} adds nothing"
        covered |= new


def test_depth_full_is_the_plan_without_a_depth() -> None:
    profile = load_profile("openai-dalle")
    fuzz = FuzzSettings()
    plain = build_plan(profile, zero_balance=True, fuzz=fuzz)
    full = build_plan(profile, zero_balance=True, fuzz=fuzz, depth="full")
    assert [(p.key, p.content()) for p in plain.probes] == [
        (p.key, p.content()) for p in full.probes
    ]


def test_scopes_follow_the_profile() -> None:
    short, full = _plans("openai-dalle")
    by_key = full.by_key()

    def case_scope(key: str) -> str:
        return next(r.scope for r in by_key[key].rules if r.kind == "case")

    # Keys, a body that is not JSON, an unknown model: the vendor's.
    for key in ("missing-key", "wrong-key", "malformed-json", "model-unknown"):
        assert case_scope(f"dall-e-2/{key}") == "vendor"
    # dall-e-3 takes one image, dall-e-2 ten: n = 2 is a refusal only on one of them.
    assert case_scope("dall-e-3/n-above-max") == "model"
    # No prompt is a refusal on every model of the family.
    assert case_scope("dall-e-3/prompt-missing") == "family"
    envelope = [r for p in full.probes for r in p.rules if r.name == "errors.envelope"]
    assert envelope
    assert {r.scope for r in envelope} == {"vendor"}
    kept = {p.key for p in short.probes}
    assert {"dall-e-2/n-above-max", "dall-e-3/n-above-max"} <= kept
    assert len([k for k in kept if k.endswith("/prompt-missing")]) == 1


def test_the_simulated_time_follows_the_limit_and_the_slots() -> None:
    per_minute = parse_rate("60/m")
    # 60 begin at once, the next 60 a minute later.
    assert simulate([False] * 120, per_minute, 120, 20) == pytest.approx(60 + REFUSAL_S)
    # Four at a time: the second 60 begin as each of the first is a minute old.
    assert simulate([False] * 120, per_minute, 4, 20) == pytest.approx(60 + 15 * REFUSAL_S)
    # 8 generations, 4 at a time, 20 s each: two rounds.
    assert simulate([True] * 8, None, 4, 20) == pytest.approx(40)
    assert simulate([], per_minute, 4, 20) == 0
    wall = estimate(build_plan(load_profile("modelmax")).probes, per_minute, 4, 7.5)
    assert wall.documented
    assert wall.generation_s == 7.5
    assert "7.5 s each (the profile's limits.generation_seconds)" in wall.text()


def test_plan_prints_the_depth_and_the_time(run_cli: object) -> None:
    run = run_cli("run", "--profile", "openai-dalle", "--plan")  # type: ignore[operator]
    assert run.exit_code == 0, run.output
    assert "depth short: " in run.output
    assert "of the full plan's 355 request(s)" in run.output
    assert "at the profile's limits (a vendor run): estimated wall time" in run.output
    bad = run_cli("run", "--profile", "openai-dalle", "--plan", "--depth", "deep")  # type: ignore[operator]
    assert bad.exit_code == 4
    assert "Traceback" not in bad.output


def test_the_summary_prints_the_real_time_beside_the_estimate(run_cli: object) -> None:
    run = run_cli("run", "--profile", "modelmax", "--probes", "fixed")  # type: ignore[operator]
    assert run.exit_code == 0, run.output
    line = next(x for x in run.output.splitlines() if x.strip().startswith("time: "))
    assert re.search(r"time: [\d.m]+s sending, [\d.m]+s in all; --plan estimated [\d.m]+s", line)
    assert "at no rate limit, 4 at once, 20 s a generation (depth short)" in line


def test_a_drawn_edit_rule_is_the_familys_only_where_every_model_breaks_it() -> None:
    profile = load_profile("openai")
    gpt = [s for s in profile.models.values() if s.family == "gpt"]
    png = FilePart("image", "in.png", "image/png", flat_image())

    def scope(field: str, value: str) -> str:
        fields = {"model": "gpt-image-2", "prompt": "a", field: value}
        form = EditForm(fields=tuple(fields.items()), files=(png,))
        found = classify_form(form, profile.models["gpt-image-2"], profile)
        assert found.verdict == "invalid", found
        (reason,) = found.reasons
        return edit_scope(reason, form, gpt, profile)

    # Only the 2.5 models take quality xhigh: refused by gpt-image-2 alone, so the model's.
    assert scope("quality", "xhigh") == "model"
    # No model takes background 'none': one drawn case for the family.
    assert scope("background", "none") == "family"
    # An unknown model is the vendor's, whatever the family.
    assert scope("model", "imagegen-conformance-no-such-model") == "vendor"


@pytest.mark.parametrize("name", ["openai", "openai-dalle", "modelmax", "ezmodel", "yescale"])
def test_the_short_default_fits_two_minutes_at_the_profiles_own_limits(name: str) -> None:
    """Issue 23's bound: the default run (every live model, edits included) at the
    profile's rate limit and concurrency, with its documented or the stated latency."""
    short, full = _plans(name)
    profile = short.profile
    rate = parse_rate(profile.rate_limit)
    wall = wall_time(short, rate, profile.concurrency)
    assert wall.seconds <= 120, wall.text()
    # The full plan is what the short one spares a vendor: far over the bound.
    assert wall_time(full, rate, profile.concurrency).seconds > 120


def test_a_rule_is_exercised_on_each_route_and_a_narrow_place_holds_the_wider_ones() -> None:
    """A gateway may validate its generations and not its edits (the fault
    edit-accept-n-above-max): the same rule on the edits route is another place.
    And a rule exercised for one model is exercised for its family and the vendor."""
    short, full = _plans("openai")
    drawn_edits = [p for p in short.probes if p.operation == "edits" and p.origin == "fuzz"]
    assert any(r.name == "n: above maximum" for p in drawn_edits for r in p.rules)
    generation = full.by_key()["gpt-image-2/n-above-max"]
    held = {at for kind, name, at in items(generation, full.profile) if name == "n: above maximum"}
    assert held >= {"generations family gpt", "generations vendor"}
    assert not any(at.startswith("edits") for at in held)
