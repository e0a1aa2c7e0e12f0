"""Docs examples: judged by the checks of their model's form, never counted as requests."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.checks.base import REGISTRY
from conformance.examples import example_exchange
from conformance.plan import build_plan, example_probes
from conformance.profile import DocExample, load_profile
from conformance.report.planview import plan_text
from conformance.server import ReferenceServer
from conformance.verdict import judge, view_rules
from tests.conftest import SuiteRun

OPENAI = load_profile("openai")
REQUEST = {"model": "gpt-image-2", "prompt": "a cat", "size": "1024x1024", "quality": "low"}


def _gpt_answer() -> dict[str, Any]:
    """A conformant GPT-form answer, as the reference server gives it."""
    server = ReferenceServer(OPENAI)
    with server:
        answer = httpx.post(
            f"{server.base_url}/images/generations",
            json=REQUEST,
            headers={"Authorization": f"Bearer {server.api_key}"},
            timeout=60,
        )
    assert answer.status_code == 200, answer.text[:300]
    data: dict[str, Any] = answer.json()
    return data


def test_a_gpt_form_docs_example_is_judged_by_the_gpt_checks() -> None:
    example = DocExample(name="GPT answer", source="docs", request=REQUEST, response=_gpt_answer())
    profile = dataclasses.replace(OPENAI, examples=(example,))
    [probe] = example_probes(profile)
    assert probe.expect.family == "gpt"
    exchange = example_exchange(probe)
    applied = [c for c in REGISTRY.values() if c.applies(probe) and c.feature != "client"]
    assert any(c.feature == "gpt-image" for c in applied), [c.id for c in applied]
    verdicts = [judge(c, probe, exchange, view_rules(profile)) for c in applied]
    failures = {
        (v.check.id, view): r.message
        for v in verdicts
        for view, r in v.views.items()
        if r.outcome != "passed" and r.outcome != "skipped"
    }
    assert not failures


def test_the_plan_counts_only_requests_it_sends() -> None:
    profile = load_profile("modelmax")
    plan = build_plan(profile)
    sent = [p for p in plan.probes if p.sent]
    assert len(sent) < len(plan.probes), "modelmax's docs print an example answer"
    text = plan_text(plan, budget=20)
    assert f"— {len(sent)} request(s) in all; 1 docs example(s) judged without sending" in text
    assert "docs refused" not in text
    free = text.split("free (a conformant server refuses them")[1].split("docs examples")[0]
    assert "docs-example-1" not in free


MODELMAX = load_profile("modelmax")
B64_REQUEST = {"model": "imagen-3", "prompt": "x", "response_format": "b64_json"}
URL_REQUEST = {"model": "imagen-3", "prompt": "x"}
# A 1x1 PNG, as hex.
ONE_PIXEL_PNG = (
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63606060000000040001f61738550000000049454e44ae426082"
)
USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def _judged(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """check id -> (outcome, message) in the docs view, for one example of modelmax."""
    example = DocExample(name="answer", source="docs", request=request, response=answer)
    profile = dataclasses.replace(MODELMAX, examples=(example,), deviations=())
    [probe] = example_probes(profile)
    exchange = example_exchange(probe)
    out = {}
    for check in REGISTRY.values():
        if check.applies(probe):
            result = judge(check, probe, exchange, view_rules(profile)).views["docs"]
            out[check.id] = (result.outcome, result.message)
    return out


def test_a_data_uri_or_a_link_in_b64_json_is_named_as_the_cause() -> None:
    png = base64.b64encode(bytes.fromhex(ONE_PIXEL_PNG)).decode()
    for value, cause in (
        (f"data:image/png;base64,{png}", "is a data: URI"),
        ("https://cdn.example.com/img.png", "is a link"),
    ):
        judged = _judged(B64_REQUEST, {"created": 1700000000, "data": [{"b64_json": value}]})
        outcome, message = judged["images.b64-bare"]
        assert outcome == "failed"
        assert f"data[0].b64_json {cause}" in message
    bare = _judged(B64_REQUEST, {"created": 1700000000, "data": [{"b64_json": png}]})
    assert bare["images.b64-bare"][0] == "passed"


def test_the_docs_placeholders_are_not_judged_as_values() -> None:
    answers = [
        (B64_REQUEST, {"created": 1700000000, "data": [{"b64_json": "<string>"}], "usage": USAGE}),
        (URL_REQUEST, {"created": 1700000000, "data": [{"url": "..."}], "usage": USAGE}),
        (
            URL_REQUEST,
            {
                "created": "<integer>",
                "data": [{"url": "<string>", "b64_json": "<string>", "revised_prompt": "…"}],
                "usage": USAGE,
            },
        ),
    ]
    for request, answer in answers:
        judged = _judged(request, answer)
        failed = {c: m for c, (o, m) in judged.items() if o == "failed"}
        assert not failed, answer
        notes = [m for o, m in judged.values() if o == "skipped" and "placeholder" in m]
        assert notes, judged


def test_a_placeholder_does_not_hide_a_real_fault_of_the_example() -> None:
    # n = 1 asked, two items printed: the count is wrong whatever the placeholders say.
    answer = {"created": 1700000000, "data": [{"url": "..."}, {"url": "..."}], "usage": USAGE}
    judged = _judged(URL_REQUEST, answer)
    assert judged["generation.count"][0] == "failed"


@pytest.mark.slow  # a whole modelmax run
def test_docs_example_findings_are_counted_apart_from_the_runs_verdicts(
    run_cli: Callable[..., SuiteRun],
) -> None:
    run = run_cli("run", "--profile", "modelmax", "--fuzz-examples", "0")
    assert run.exit_code == 0, run.output[-2000:]
    results = run.results
    printed = [c for c in results["checks"] if c["probe"]["kind"] == "example"]
    failed = sum(1 for c in printed if c["outcome"] == "failed")
    assert failed > 0, "modelmax's docs example has findings"
    assert results["summary"]["failed"] == 0
    assert sum(results["summary"].values()) == len(results["checks"]) - len(printed)
    assert results["docs_examples"]["docs"]["failed"] == failed
    for view, counts in results["summaries"].items():
        assert counts["failed"] == 0, view
