"""Faults say where they apply: a fault that a run gives nothing to change is refused.

The scope a fault declares (family, operation, what it needs) is checked here
against what it really does: for each reference profile, a fault applies to a
run exactly when switching it on changes an answer to one of the run's probes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from conformance.errors import ConfigError
from conformance.fuzz.probes import FuzzSettings
from conformance.plan import Plan
from conformance.probes import Probe
from conformance.profile import load_profile
from conformance.server import FAULTS, create_app
from conformance.server.faults import DIMS_IGNORED_PROFILE, DIMS_PROFILE, PREVIEW_OPTIONS
from conformance.server.scope import refuse_inapplicable, run_plan, why_not
from conformance.transport.bodies import outgoing

KEY, ZERO, WRONG = "sk-ref-scope", "sk-ref-empty", "sk-wrong"
_CREATED = re.compile(rb'("created(?:_at)?":)(\d+)')
_ID = re.compile(rb"[0-9a-f]{32}")
_URL = re.compile(rb'"url":"([^"]+)"')


def _headers(probe: Probe, content_type: str) -> dict[str, str]:
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(probe.headers)
    key = {"key": KEY, "wrong": WRONG, "zero": ZERO}.get(probe.auth)
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _answers(plan: Plan, faults: Iterable[str] = ()) -> list[tuple[object, ...]]:
    """Every answer to the plan's probes (each sent as the transport sends it), with what
    differs between two runs blanked
    (a timestamp keeps its digit count, an image id goes) and each image URL fetched."""
    app = create_app(plan.profile, KEY, tuple(faults), zero_balance_key=ZERO)
    seen: list[tuple[object, ...]] = []
    with TestClient(app, base_url="http://ref.test") as client:
        for probe in plan.probes:
            if not probe.sent:
                continue
            # As the transport sends it: the operation's method, path and encoded body.
            out = outgoing(probe)
            r = client.request(
                out.method,
                f"/v1{out.path}",
                content=out.content or None,
                headers=_headers(probe, out.content_type),
            )
            fetched = [
                client.get(url.decode()).status_code if url.startswith(b"http") else url
                for url in _URL.findall(r.content)
            ]
            body = _CREATED.sub(lambda m: m[1] + str(len(m[2])).encode(), r.content)
            body = _ID.sub(b"<id>", body)
            seen.append((probe.key, r.status_code, r.headers.get("content-type"), body, fetched))
    return seen


PLANS = {name: run_plan(load_profile(name)) for name in ("openai", "openai-dalle", "yescale")}


# Every fault against the whole plan: some 120 faults at 2.5 s of CPU each on openai's
# 240 probes, 0.3 s on yescale's; the quick loop keeps openai-dalle's (0.2 s each).
@pytest.mark.parametrize(
    "profile",
    [pytest.param(n, marks=[] if n == "openai-dalle" else pytest.mark.slow) for n in PLANS],
)
def test_a_fault_applies_exactly_where_it_changes_an_answer(profile: str) -> None:
    plan = PLANS[profile]
    clean = _answers(plan)
    wrong = []
    for name, fault in FAULTS.items():
        changes = _answers(plan, [name]) != clean
        applies = why_not(fault, plan) is None
        if changes != applies:
            wrong.append(f"{name}: {'changes answers' if changes else 'changes nothing'}")
    assert wrong == []


def test_every_fault_applies_where_its_self_test_runs() -> None:
    for fault in FAULTS.values():
        profile = load_profile(fault.profile)
        if fault.options == PREVIEW_OPTIONS:
            # The GIF and SVG faults run with the key's preview access.
            profile = dataclasses.replace(profile, preview_access=frozenset({"gif", "svg"}))
        # A fault only property-based probes reach runs with them (--probes all).
        fuzz = FuzzSettings() if "--probes" in fault.options else None
        plan = run_plan(profile, fault.models, fuzz)
        assert why_not(fault, plan) is None, fault.name


def test_the_dalle_faults_do_nothing_on_the_default_gpt_profile() -> None:
    # Before faults had a scope, each of these passed every check of a default run
    # (the shape, envelope and count faults need a profile documenting another one).
    idle = sorted(name for name, fault in FAULTS.items() if why_not(fault, PLANS["openai"]))
    # As does the edit fault only a property-based edit reaches (PLANS are fixed probes).
    idle.remove("edit-accept-n-above-max")
    # And the faults of the dimensions and vendor parameters beyond OpenAI's (their
    # self-test profiles' DALL·E-form models).
    idle = [n for n in idle if FAULTS[n].profile not in (DIMS_PROFILE, DIMS_IGNORED_PROFILE)]
    # So do the GIF and SVG faults on a key without preview access (the default).
    previews = sorted(name for name, fault in FAULTS.items() if fault.options == PREVIEW_OPTIONS)
    assert [name for name in idle if name not in previews] == [
        "accept-response-format-unknown",
        "accept-style-unknown",
        "b64-data-uri",
        "b64-not-image",
        "b64-url",
        "both-formats",
        "data-missing",
        "envelope-ignored",
        "format-ignored",
        "missing-key-as-wrong-key",
        "models-list-serves-shut-down",
        "n-ignored",
        "n-rename-ignored",
        "null-fields",
        "null-top-level",
        "quality-auto",
        "reject-hd",
        "revised-prompt-number",
        "shape-fields-missing",
        "shape-ignored",
        "url-404",
        "url-relative",
        "usage-malformed",
        "usage-missing",
        "usage-shape-ignored",
        "usage-sum",
        "usage-zero",
    ]


def test_a_fault_that_cannot_apply_is_one_line_naming_where_it_does() -> None:
    with pytest.raises(ConfigError) as raised:
        refuse_inapplicable(["n-ignored"], load_profile("openai"), ())
    message = str(raised.value)
    assert "\n" not in message
    assert "--profile openai-dalle" in message
    assert "--fault gpt-n-ignored" in message


def test_a_fault_needing_what_the_models_do_not_send_is_refused() -> None:
    # One streaming model keeps its partial image and asks no n > 1.
    with pytest.raises(ConfigError, match="needs a valid request asking n > 1"):
        refuse_inapplicable(["gpt-n-ignored"], load_profile("openai"), ("gpt-image-2",))
    # The GPT rules of gpt-image-2's size rule are not gpt-image-1-mini's (openai-legacy).
    with pytest.raises(ConfigError, match="refused request testing the rule"):
        refuse_inapplicable(
            ["accept-size-multiple"], load_profile("openai-legacy"), ("gpt-image-1-mini",)
        )
    refuse_inapplicable(["gpt-n-ignored", "wrong-dimensions"], load_profile("openai"), ())


EDIT_FAULTS = sorted(name for name, fault in FAULTS.items() if fault.operation == "edits")
# Reached by a property-based edit only (tests/test_fuzz_edits.py).
DRAWN_ONLY = ["edit-accept-n-above-max"]


def test_every_edit_fault_applies_to_the_models_a_default_run_judges_today() -> None:
    # As of 2026-12-01 the openai profile's default run judges gpt-image-2 only.
    plan = run_plan(load_profile("openai"), ("gpt-image-2",))
    assert len(EDIT_FAULTS) == 8
    fixed = [name for name in EDIT_FAULTS if name not in DRAWN_ONLY]
    assert {name: why_not(FAULTS[name], plan) for name in fixed} == dict.fromkeys(fixed)
    drawn = run_plan(load_profile("openai"), ("gpt-image-2",), FuzzSettings())
    assert all(why_not(FAULTS[name], drawn) is None for name in EDIT_FAULTS)


def test_an_edit_fault_is_refused_where_no_edit_is_sent() -> None:
    # The same GPT models with no edits declared: the run sends generations only.
    profile = load_profile("openai")
    models = {name: replace(spec, edits=None) for name, spec in profile.models.items()}
    no_edits = replace(profile, models=models)
    plan = run_plan(no_edits)
    assert not any(probe.operation == "edits" for probe in plan.probes)
    for name in EDIT_FAULTS:
        with pytest.raises(ConfigError) as raised:
            refuse_inapplicable([name], no_edits, ())
        message = str(raised.value)
        assert "\n" not in message
        assert f"it needs {FAULTS[name].needs.value}, and this run sends none" in message
