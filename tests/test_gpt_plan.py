"""Planning for the GPT image models: probes from the per-model rules, at the lowest price."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from conformance.fuzz.classify import classify
from conformance.gpt.covering import covering_rows
from conformance.gpt.pricing import image_price, request_price
from conformance.params.sizes import SizeRule, witness
from conformance.params.spec import STREAMING
from conformance.plan import build_plan
from conformance.probes import Probe
from conformance.profile import load_profile
from tests.conftest import SuiteRun

OPENAI = load_profile("openai")
# The models OpenAI shut down on 2026-12-01 keep their rules here.
LEGACY = load_profile("openai-legacy")
GPT_MODELS = list(OPENAI.models)


def _longest_list(model: str) -> int:
    gpt = OPENAI.models[model].gpt
    assert gpt is not None
    enums = [len(gpt.values(p)) for p in gpt.params if p not in STREAMING]
    return max(len(gpt.size.values), *enums)


def _generations(probes: tuple[Probe, ...]) -> list[Probe]:
    """The generations covering set (the edits' is tests/test_edits_plan.py's)."""
    return [p for p in probes if p.operation == "generations"]


@pytest.mark.parametrize("model", GPT_MODELS)
def test_the_covering_set_uses_every_documented_value_and_bills_at_most_the_longest_list_plus_one(
    model: str,
) -> None:
    probes = _generations(build_plan(OPENAI, [model]).billable)
    gpt = OPENAI.models[model].gpt
    assert gpt is not None
    covered = {c.removesuffix(" (default)") for p in probes for c in p.covers}
    wanted = {f"size={s}" for s in gpt.size.values}
    for name in ("quality", "background", "output_format", "moderation", "complexity"):
        wanted |= {f"{name}={v}" for v in gpt.values(name)}
    assert wanted <= covered
    assert {"output_compression=50", "n=null", "stream=true", "partial_images=1"} <= covered
    # safety_identifier, and user as its fallback, on the JSON requests.
    assert {"safety_identifier", 'safety_identifier="" (user fallback)'} <= covered
    # Streams included, each partial image counted as an image.
    assert sum(p.expect.images for p in probes) <= _longest_list(model) + 1
    for probe in probes:
        assert classify(dict(probe.body or {}), OPENAI).verdict == "valid", probe.id


def test_the_extra_image_is_a_partial_of_the_cheapest_request_or_else_n_2() -> None:
    for model in GPT_MODELS:
        probes = _generations(build_plan(OPENAI, [model]).billable)
        spec = OPENAI.models[model]
        [extra] = [p for p in probes if p.expect.images == 2]
        assert (extra.body or {})["quality"] == "low"
        assert extra.expect.partial_images == 1
        assert extra.expect.n == 1
        cheapest = min(request_price(spec, p.body, 1) or 0 for p in probes)
        assert request_price(spec, extra.body, 1) == cheapest
    # A model that does not stream spends its extra image on n = 2 instead.
    gpt = LEGACY.models["gpt-image-1-mini"]
    assert gpt.gpt is not None
    params = {k: v for k, v in gpt.gpt.params.items() if k not in STREAMING}
    quiet = dataclasses.replace(gpt, gpt=dataclasses.replace(gpt.gpt, params=params))
    rows = covering_rows(quiet)
    assert [row.n for _, row in rows] == [2, 1, 1, 1]
    assert not any(row.expect.stream for _, row in rows)


def test_every_second_streaming_model_of_a_run_asks_n_2_instead_of_a_partial_image() -> None:
    # A vendor that ignores n must be caught on a GPT run too (it used to pass).
    plan = build_plan(OPENAI)
    # Generations only: every model's first edit asks n = 2 as well.
    generated = [p for p in plan.billable if p.operation == "generations"]
    asked_n = {p.model: p for p in generated if (p.expect.n or 1) > 1}
    assert list(asked_n) == ["gpt-image-2.5-sunburst", "gpt-image-2.6-sunburst"]
    for n2 in asked_n.values():
        assert not n2.expect.stream
        assert (n2.body or {})["n"] == 2
        assert n2.id.endswith("-n2")
    partials = {p.model for p in generated if p.expect.partial_images}
    assert partials == {"gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-flare"}
    for model in asked_n:
        traded = [p for p in generated if p.model == model]
        # One stream left (no partials), still within the longest list + 1.
        assert [p.expect.partial_images for p in traded if p.expect.stream] == [0]
        assert sum(p.expect.images for p in traded) == _longest_list(model) + 1
    # Same requests and images in all: the image the partial cost now buys n = 2.
    assert (len(generated), sum(p.expect.images for p in generated)) == (
        3 * 4 + 2 * 6,
        3 * 5 + 2 * 7,
    )
    # A run of one streaming model keeps its partial image.
    alone = build_plan(OPENAI, ["gpt-image-2.5-sunburst"]).billable
    assert all((p.expect.n or 1) == 1 for p in alone if p.operation == "generations")
    assert any(p.expect.partial_images for p in alone)


# The examples: each rule broken alone, and the field the refusal names.
EXPECTED_REFUSALS = {
    "gpt-image-1.5": {
        "size-unsupported": ({"size": "1792x1024"}, "size"),
        "response-format-unsupported": ({"response_format": "b64_json"}, "response_format"),
        "style-unsupported": ({"style": "vivid"}, "style"),
        "quality-unknown": ({"quality": "hd"}, "quality"),
    },
    "gpt-image-2": {
        "size-multiple": ({"size": "1000x1000"}, "size"),
        "size-ratio": ({"size": "3200x640"}, "size"),
        "size-pixels-max": ({"size": "3840x2176"}, "size"),
        "transparent-needs-png-or-webp": (
            {"background": "transparent", "output_format": "jpeg"},
            "background",
        ),
        "compression-needs-jpeg-or-webp": (
            {"output_format": "png", "output_compression": 50},
            None,
        ),
        "partial-images-range": ({"partial_images": 4, "stream": True}, "partial_images"),
        "n-above-max": ({"n": 11}, "n"),
    },
}


@pytest.mark.parametrize("model", list(EXPECTED_REFUSALS))
def test_each_rule_gets_one_refused_probe_on_the_cheapest_request(model: str) -> None:
    profile = OPENAI if model in OPENAI.models else LEGACY
    plan = build_plan(profile, [model])
    refused = {p.id: p for p in plan.probes if p.kind == "invalid"}
    for probe_id, (change, param) in EXPECTED_REFUSALS[model].items():
        probe = refused[probe_id]
        body = dict(probe.body or {})
        assert {k: body[k] for k in change} == change, probe_id
        assert probe.expect.param == param, probe_id
        assert body.get("quality", "hd") in ("low", "hd"), "cheapest quality unless about quality"
        found = classify(body, profile)
        assert found.verdict == "invalid", probe_id
    assert len(refused["prompt-too-long"].body["prompt"]) == 32001  # type: ignore[index]
    unsupported = refused["style-unsupported"].expect
    assert (unsupported.error_kind, unsupported.code) == ("unknown_parameter", "unknown_parameter")


def test_every_refused_probe_is_classified_invalid_for_the_field_it_names() -> None:
    plan = build_plan(OPENAI)
    for probe in plan.probes:
        if probe.kind != "invalid" or probe.body is None or probe.operation != "generations":
            continue  # edits are multipart: their refusals are tests/test_edits_server.py's
        found = classify(dict(probe.body), OPENAI)
        assert found.verdict == "invalid", probe.key
        if probe.expect.param is not None:
            assert probe.expect.param in {r.param for r in found.reasons}, probe.key


def test_size_witnesses_break_one_limit_each() -> None:
    rule = SizeRule(
        multiple_of=16, max_ratio=3, max_edge=3840, min_pixels=655360, max_pixels=8294400
    )
    for subrule in rule.subrules():
        size = witness(rule, subrule)
        assert size is not None
        width, height = (int(v) for v in size.split("x"))
        assert [name for name, _ in rule.broken(width, height)] == [subrule]
    # Another rule gets searched witnesses, still breaking one limit each.
    other = SizeRule(multiple_of=64, max_ratio=2, max_edge=2048, min_pixels=262144)
    for subrule in other.subrules():
        size = witness(other, subrule)
        assert size is not None, subrule
        width, height = (int(v) for v in size.split("x"))
        assert [name for name, _ in other.broken(width, height)] == [subrule]


def test_prices_come_from_the_profile_and_auto_is_priced_as_the_dearest() -> None:
    mini = LEGACY.models["gpt-image-1-mini"]
    assert image_price(mini, "low", "1024x1024") == 0.005
    assert image_price(mini, "high", "1536x1024") == 0.052
    assert image_price(mini, "auto", "auto") == 0.052
    assert image_price(mini, "low", None) == 0.006  # size default auto: the dearest low
    # gpt-image-2 sizes off the price list: by area from the nearest listed one (1536x1024).
    estimate = image_price(OPENAI.models["gpt-image-2"], "low", "2048x2048")
    assert estimate == pytest.approx(0.005 * (2048 * 2048) / (1536 * 1024))


def test_plan_lists_each_refusal_rule_with_its_cost(run_cli: Callable[..., SuiteRun]) -> None:
    run = run_cli("run", "--plan", "--models", "gpt-image-2", "--fuzz-examples", "0")
    assert run.exit_code == 0, run.output
    # 4 generations for 5 images ($0.44) and 2 edits for 4 images, their inputs priced too.
    billable = "billable: 6 request(s) for 9 image(s) (partial images of streams included)"
    assert f"{billable}, estimated $0.50" in run.output
    for probe_id in EXPECTED_REFUSALS["gpt-image-2"]:
        line = next(x for x in run.output.splitlines() if x.strip().startswith(probe_id + " "))
        assert "$0 ($0." in line, line
        assert "if accepted)" in line, line
    assert not run.report_dir.exists()
