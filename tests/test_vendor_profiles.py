"""Vendor profiles: each vendor's documented contract, judged in both views.

Against the reference server emulating a vendor, the docs view passes and the
drop-in view shows exactly the profile's documented deviations as ``known``. A
server breaking one of the vendor's own rules fails the right check; a declared
deviation that stops happening is reported ``fixed``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.profile import load_profile, load_profile_file
from conformance.resources import bundled_profiles
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun

# The resellers written from saved docs, then the real services written from their
# public docs (issue 22): each rehearses clean and shows its deviations in drop-in.
VENDORS = ["modelmax", "ezmodel", "yescale", "azure-openai", "deepinfra", "nanogpt", "together"]
RunSuite = Callable[..., SuiteRun]


def _unexpected(run: SuiteRun) -> list[str]:
    """Failures that are not findings about the vendor's printed examples."""
    return [
        f"{c['id']} ({c['model']}): {c['message']}"
        for c in run.results["checks"]
        if c["outcome"] in ("failed", "fixed", "error") and "docs-example" not in c["id"]
    ]


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_passes_its_own_docs(run_suite: RunSuite, vendor: str) -> None:
    run = run_suite("--profile", vendor)
    assert _unexpected(run) == []
    assert run.exit_code == 0
    assert run.results["summary"]["known"] == 0


@pytest.mark.parametrize("vendor", VENDORS)
def test_drop_in_view_shows_exactly_the_documented_deviations(
    run_suite: RunSuite, vendor: str
) -> None:
    run = run_suite("--profile", vendor, "--view", "drop-in")
    profile = load_profile(vendor)
    declared = {(d.check, d.model) for d in profile.deviations}
    # A deviation names a check, or a check on one probe (check[probe]).
    known = {
        (
            c["check"]
            if (c["check"], None) in declared or (c["check"], c["model"]) in declared
            else c["id"],
            c["model"],
        )
        for c in run.results["checks"]
        if c["outcome"] == "known"
    }
    # A deviation without a model covers every model it was seen on.
    seen = {(check, model if (check, model) in declared else None) for check, model in known}
    assert seen == declared
    assert _unexpected(run) == []
    assert run.exit_code == 0
    for entry in run.results["checks"]:
        if entry["outcome"] == "known":
            deviation = entry["views"]["drop-in"]["deviation"]
            assert deviation["reason"]
            assert deviation["severity"] in ("must", "should", "may")


@pytest.mark.parametrize(
    ("vendor", "fault", "check", "model"),
    [
        ("yescale", "wrong-dimensions", "images.dimensions", "flux-pro"),
        ("modelmax", "usage-missing", "generation.usage", "imagen-3"),
        ("ezmodel", "accept-n-above-max", "validation.rejected[n-above-max]", "dall-e-3"),
        ("azure-openai", "gpt-usage-missing", "gpt-image.usage", "gpt-image-1"),
        ("deepinfra", "wrong-dimensions", "images.dimensions", "black-forest-labs/FLUX-1-schnell"),
        ("nanogpt", "format-ignored", "generation.format", "hidream"),
        (
            "together",
            "accept-n-above-max",
            "validation.rejected[n-above-max]",
            "black-forest-labs/FLUX.1-schnell",
        ),
    ],
)
def test_breaking_a_documented_rule_fails_its_check(
    run_suite: RunSuite, vendor: str, fault: str, check: str, model: str
) -> None:
    run = run_suite("--profile", vendor, "--fault", fault)
    failed = {(c["id"], c["model"]) for c in run.results["checks"] if c["outcome"] == "failed"}
    assert any(model == m and (i == check or i.startswith(check + "[")) for i, m in failed)
    assert run.exit_code == 1


REAL = ("azure-openai", "deepinfra", "nanogpt", "together")


@pytest.mark.parametrize("vendor", REAL)
def test_a_real_vendor_profile_says_where_and_when_each_fact_was_read(vendor: str) -> None:
    profile = load_profile(vendor)
    assert profile.sources
    assert all("https://" in s and "2026-" in s for s in profile.sources), profile.sources
    assert len(profile.facts) >= 4
    for fact in profile.facts:
        assert "https://" in fact.source, fact
        assert "read 2026-" in fact.source or "verified" in fact.source, fact
        assert fact.resolution, fact


def test_a_deviation_that_stops_is_reported_fixed(
    run_suite: RunSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A yescale that stopped sending explicit nulls: the drop-in view must say so.
    raw = yaml.safe_load(bundled_profiles()["yescale"].read_text())
    raw["response"]["null_fields"] = False
    changed = tmp_path / "yescale-no-nulls.yaml"
    changed.write_text(yaml.safe_dump(raw))
    with ReferenceServer(load_profile_file(changed)) as server:
        monkeypatch.setenv("IGC_YESCALE_KEY", server.api_key)
        run = run_suite(
            "--profile",
            "yescale",
            "--view",
            "drop-in",
            "--base-url",
            server.base_url,
            "--api-key-env",
            "IGC_YESCALE_KEY",
            "--rate-limit",
            "none",
        )
    nulls = {
        c["outcome"] for c in run.results["checks"] if c["id"].startswith("generation.nulls[gen-")
    }
    assert nulls == {"fixed"}
    assert run.exit_code == 1


def test_docs_examples_are_judged_without_a_server(run_suite: RunSuite) -> None:
    run = run_suite("--profile", "modelmax")
    example = {c["id"]: c for c in run.results["checks"] if "docs-example" in c["id"]}
    # Its example asks for b64_json and answers with a url.
    assert example["generation.format[docs-example-1]"]["outcome"] == "failed"
    assert example["generation.usage[docs-example-1]"]["outcome"] == "passed"
    assert run.exit_code == 0


def test_yescale_has_no_documented_base_url(run_cli: Callable[..., SuiteRun]) -> None:
    run = run_cli("run", "--profile", "yescale", "--base-url", "profile")
    assert run.exit_code == 4
    assert run.output.strip() == (
        "imagegen-conformance: error: profile yescale documents no base URL; pass "
        "--base-url URL with the endpoint you were given"
    )


def test_the_plan_says_which_refusals_the_docs_view_expects_served(
    run_cli: Callable[..., SuiteRun],
) -> None:
    """Together ignores unknown fields: OpenAI refuses quality "ultra", the vendor's docs
    view expects it served, and --plan says both (the heading alone said "refuses")."""
    run = run_cli("run", "--profile", "together", "--plan")
    assert run.exit_code == 0, run.output
    line = next(x for x in run.output.splitlines() if x.strip().startswith("quality-unknown"))
    assert "400/422" in line
    assert "[the docs view expects it served: the docs do not mention quality" in line
    plain = run_cli("run", "--profile", "openai-dalle", "--plan")
    assert "view expects it served" not in plain.output
