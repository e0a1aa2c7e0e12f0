"""OpenAI's image models as served from 2026-12-01: the profiles, the plan's cost, the
new outputs (GIF, SVG), the safety_identifier echo, and preview access.

The facts are in ../shared/reference/gpt-image-today.md. The fault matrix
(tests/test_checks_catch_faults.py) shows each new check failing on its fault.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.gpt.covering import MISTAKEN_PROMPT_LIMITS, prompt_lengths
from conformance.gpt.preview import access_refusal, rounded_delay
from conformance.gpt.pricing import image_price, request_price
from conformance.plan import build_plan, probe_price
from conformance.profile import Profile, load_profile
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun

OPENAI = load_profile("openai")
LEGACY = load_profile("openai-legacy")
PREVIEWS = dataclasses.replace(OPENAI, preview_access=frozenset({"gif", "svg"}))
Json = dict[str, Any]
KEY_ENV = "IMAGEGEN_TODAY_TEST_KEY"


def test_openai_judges_todays_models_and_the_shut_down_ones_are_legacy() -> None:
    assert list(OPENAI.models) == [
        "gpt-image-2",
        "gpt-image-2.5-sunburst",
        "gpt-image-2.5-flare",
        "gpt-image-2.6-sunburst",
        "gpt-image-2.6-flare",
    ]
    assert set(LEGACY.models) == {"gpt-image-1-mini", "gpt-image-1.5"}
    assert (
        OPENAI.snapshot_of("gpt-image-2.5-flare-2026-09-08") is OPENAI.models["gpt-image-2.5-flare"]
    )
    assert OPENAI.snapshot_of("gpt-image-2-2026-04-21") is OPENAI.models["gpt-image-2"]
    assert LEGACY.snapshot_of("gpt-image-1.5-2025-12-16") is LEGACY.models["gpt-image-1.5"]
    # The default is the cheapest live model (its cheapest image).
    cheapest = {
        name: min(p for t in (m.gpt.prices if m.gpt else {}).values() for p in t.values())
        for name, m in OPENAI.models.items()
    }
    assert cheapest[OPENAI.default_model] == min(cheapest.values())


def _longest_list(profile: Profile, name: str) -> int:
    gpt = profile.models[name].gpt
    assert gpt is not None
    lists = [len(gpt.size.values)] + [
        len(gpt.values(p)) for p in ("quality", "background", "output_format", "moderation")
    ]
    return max(lists)


@pytest.mark.parametrize("profile", [OPENAI, LEGACY, PREVIEWS], ids=["openai", "legacy", "gif+svg"])
def test_per_model_images_stay_within_the_longest_list_plus_one(profile: Profile) -> None:
    plan = build_plan(profile)
    for name in profile.models:
        # Generations; a model's edits bill at most 2 requests of their own (issue 21).
        probes = [p for p in plan.billable if p.model == name and p.operation == "generations"]
        edits = [p for p in plan.billable if p.model == name and p.operation == "edits"]
        assert len([p for p in edits if p.origin == "fixed"]) <= 2, name
        assert all(probe_price(profile.models[name], p) for p in edits), name
        preview = [p for p in probes if p.expect.preview is not None]
        covering = sum(p.expect.images for p in probes if p.expect.preview is None)
        assert covering <= _longest_list(profile, name) + 1, name
        # What GIF/SVG add: a 2-frame GIF and one SVG, only with access.
        assert sum(p.expect.images for p in preview) == (3 if preview else 0), name
        assert bool(preview) == (profile is PREVIEWS and "2.6" in name), name
        # --plan prices every request from the profile.
        for probe in probes:
            assert request_price(profile.models[name], probe.body, probe.expect.images), probe.key


def test_xhigh_and_max_are_covered_on_2_5_probed_on_gpt_image_2_open_on_2_6() -> None:
    plan = build_plan(OPENAI)
    qualities = {
        (p.model, (p.body or {}).get("quality")) for p in plan.billable if p.body is not None
    }
    assert {("gpt-image-2.5-flare", "xhigh"), ("gpt-image-2.5-flare", "max")} <= qualities
    refused = {p.key for p in plan.probes if p.kind == "invalid"}
    assert "gpt-image-2/quality-xhigh" in refused
    assert not any(k.startswith("gpt-image-2.6") and k.endswith("quality-xhigh") for k in refused)
    assert not any(k.startswith("gpt-image-2.5") and k.endswith("quality-xhigh") for k in refused)
    # xhigh has no published figure: priced as the dearest quality.
    flare = OPENAI.models["gpt-image-2.5-flare"]
    assert image_price(flare, "xhigh", "1024x1024") == image_price(flare, "high", "1024x1024")


def test_the_valid_side_of_the_prompt_limit_rides_on_the_covering_set() -> None:
    model = OPENAI.models["gpt-image-2"]
    assert prompt_lengths(model) == [32000, 4001, 1001]
    plan = build_plan(OPENAI, ["gpt-image-2"])
    generated = [p for p in plan.billable if p.operation == "generations"]
    lengths = sorted(len(str((p.body or {})["prompt"])) for p in generated)
    assert lengths[-3:] == [1001, 4001, 32000]
    assert all(m + 1 in lengths for m in MISTAKEN_PROMPT_LIMITS)
    assert len(generated) == 4  # no extra request


def test_previews_are_planned_only_with_access() -> None:
    without = {p.id for p in build_plan(OPENAI, ["gpt-image-2.6-flare"]).probes}
    with_ = {p.id for p in build_plan(PREVIEWS, ["gpt-image-2.6-flare"]).probes}
    gif_svg = {"gen-gif", "gen-svg", "gif-no-stream", "svg-single-image", "frame-count-range"}
    assert gif_svg <= with_
    assert not gif_svg & without
    assert "frame-count-below-min" in with_  # both sides of 2..16


def test_gif_delays_round_to_10_ms_and_are_capped() -> None:
    assert [rounded_delay(v) for v in (134, 135, 200, 5, 4)] == [130, 140, 200, 10, 0]
    assert rounded_delay(10**9) == 655_350


def test_a_refusal_for_lack_of_access_is_told_from_a_rule() -> None:
    no = {"error": {"message": "Your organization does not have access to the GIF preview."}}
    assert access_refusal("gif", 403, {}) is not None
    assert "not available to this key" in str(access_refusal("gif", 400, no))
    rule = {"error": {"message": "GIF output does not support streaming", "param": "stream"}}
    assert access_refusal("gif", 400, rule) is None
    assert access_refusal(None, 403, no) is None


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(OPENAI) as srv:
        yield srv


def _post(srv: ReferenceServer, body: Json) -> httpx.Response:
    return httpx.post(
        srv.base_url + "/images/generations",
        json={"prompt": "a red cube", "quality": "low", **body},
        headers={"Authorization": f"Bearer {srv.api_key}"},
        timeout=30,
    )


def test_the_server_answers_snapshots_and_refuses_shut_down_models(
    server: ReferenceServer,
) -> None:
    assert _post(server, {"model": "gpt-image-2.5-sunburst-2026-09-08"}).status_code == 200
    for gone in ("gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest"):
        answer = _post(server, {"model": gone})
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "model_not_found"


def test_the_server_draws_real_gifs_and_svgs(server: ReferenceServer) -> None:
    body = {"model": "gpt-image-2.6-flare", "size": "1024x1024", "output_format": "gif"}
    gif = _post(server, {**body, "frame_count": 3, "frame_duration_ms": 134})
    assert gif.status_code == 200, gif.text
    with Image.open(io.BytesIO(base64.b64decode(gif.json()["data"][0]["b64_json"]))) as img:
        assert (img.format, getattr(img, "n_frames", 1), img.info["duration"]) == ("GIF", 3, 130)
    svg = _post(server, {**body, "output_format": "svg", "svg": {"model": "m"}})
    assert svg.status_code == 200, svg.text
    assert base64.b64decode(svg.json()["data"][0]["b64_json"]).lstrip().startswith(b"<?xml")
    assert svg.json()["svg_usage"]["model"] == "m"
    for refused, param in (
        ({**body, "stream": True}, "stream"),
        ({**body, "output_format": "svg", "n": 2}, "n"),
        ({**body, "output_format": "png", "frame_count": 2}, "frame_count"),
    ):
        answer = _post(server, refused)
        assert (answer.status_code, answer.json()["error"]["param"]) == (400, param)


def test_the_safety_identifier_is_echoed_with_the_user_fallback(server: ReferenceServer) -> None:
    body = {"model": "gpt-image-2", "user": "u-1"}
    assert _post(server, {**body, "safety_identifier": "s-1"}).json()["safety_identifier"] == "s-1"
    assert _post(server, {**body, "safety_identifier": ""}).json()["safety_identifier"] == "u-1"
    assert _post(server, {**body, "safety_identifier": None}).json()["safety_identifier"] == "u-1"


def test_a_key_without_the_previews_is_skipped_never_failed(
    run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReferenceServer(OPENAI, preview_denied=True) as srv:
        monkeypatch.setenv(KEY_ENV, srv.api_key)
        run = run_suite(
            *("--base-url", srv.base_url, "--api-key-env", KEY_ENV, "--profile", "openai"),
            *(
                "--models",
                "gpt-image-2.6-flare",
                "--probes",
                "fixed",
                "--preview-access",
                "gif,svg",
            ),
        )
    assert run.exit_code == 0
    checks = run.results["checks"]
    preview = [c for c in checks if c["probe"]["id"] in ("gen-gif", "gen-svg", "gif-no-stream")]
    assert preview
    assert all(c["outcome"] == "skipped" for c in preview)
    assert all("not available to this key (HTTP 403" in c["message"] for c in preview)
    assert not [c for c in checks if c["outcome"] == "failed"]
