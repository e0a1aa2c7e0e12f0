"""Planning: the covering set is small and complete; refused probes change one thing."""

from __future__ import annotations

import pytest

from conformance.plan import build_plan
from conformance.profile import load_profile
from conformance.resources import bundled_profiles


@pytest.mark.parametrize("name", sorted(bundled_profiles()))
def test_covering_set_uses_every_documented_value(name: str) -> None:
    profile = load_profile(name)
    plan = build_plan(profile)
    for model in profile.models.values():
        if model.family == "gpt":
            continue  # the GPT form: tests/test_gpt_plan.py
        probes = [p for p in plan.billable if p.model == model.name]
        covered = {c.removesuffix(" (default)") for p in probes for c in p.covers}
        wanted = {f"size={s}" for s in model.sizes}
        # A response_format declared as a vendor parameter (renamed values):
        # tests/test_vendor_params.py.
        if "response_format" not in model.vendor_params:
            wanted |= {f"response_format={f}" for f in model.response_formats}
        wanted |= {f"quality={q}" for q in model.qualities}
        wanted |= {f"style={s}" for s in model.styles}
        assert wanted <= covered
        longest = max(
            len(model.sizes), len(model.response_formats), len(model.qualities), len(model.styles)
        )
        assert len(probes) == longest
        if model.n_max > 1:
            assert any(p.expect.n == 2 for p in probes)


def test_the_dalle_covering_set_bills_at_most_eight_images() -> None:
    plan = build_plan(load_profile("openai-dalle"))
    assert plan.expected_images() <= 8


def test_a_default_value_is_exercised_by_leaving_it_out() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-2"])
    omitted = [p for p in plan.billable if "size" not in (p.body or {})]
    assert omitted
    assert omitted[0].expect.size == "1024x1024"


def test_refused_probes_change_only_the_named_field() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-3"])
    base = {
        "model": "dall-e-3",
        "prompt": "A red cube on a white table, soft studio light",
        "size": "1024x1024",
    }
    for probe in plan.probes:
        if probe.kind != "invalid" or probe.body is None or probe.expect.param is None:
            continue
        changed = {k for k in base.keys() | probe.body.keys() if base.get(k) != probe.body.get(k)}
        assert changed == {probe.expect.param}, probe.id


def test_a_refused_probe_reserves_what_it_could_bill() -> None:
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-2"])
    by_id = {p.id: p for p in plan.probes}
    assert by_id["n-above-max"].potential_images == 11
    assert by_id["n-zero"].potential_images == 1


def test_spare_requests_of_the_covering_set_combine_values_not_yet_seen_together() -> None:
    """Pairwise where it pays: dall-e-3's third request repeats no combination."""
    plan = build_plan(load_profile("openai-dalle"), ["dall-e-3"])
    rows = [
        tuple(c.split("=")[1].removesuffix(" (default)") for c in p.covers[1:4])
        for p in plan.billable
    ]
    assert len(rows) == 3
    assert len(set(rows)) == 3
    pairs = {(a, b) for row in rows for a in row for b in row if a < b}
    assert len(pairs) >= 8  # 2 + 3 + 3: each spare value makes new pairs
