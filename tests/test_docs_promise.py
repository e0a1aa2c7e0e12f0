"""Refusals are expected only where the docs promise them (issue 22 item 3).

OpenAI refuses an unknown quality, style or response_format; a vendor's docs may
not mention the field, or call it free-form. The docs view judges such a probe by
the profile's ``unknown_fields`` (refused, the default, or ignored) and by a
free-form declaration; the drop-in view keeps OpenAI's rule. The fault
refuses-undocumented breaks it (tests/test_checks_catch_faults.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.fuzz.classify import classify
from conformance.plan import build_plan
from conformance.profile import load_profile, load_profile_file
from conformance.resources import bundled_profiles
from tests.conftest import SuiteRun

PROFILES = Path(__file__).parent / "profiles"
IGNORED = PROFILES / "dims-ignored.yaml"
REFUSED = PROFILES / "dims-refused.yaml"


# The real vendors written with issue 22's keys: their docs say they ignore what
# they do not document (unknown_fields: ignored), judged apart below.
IGNORING = ("deepinfra", "nanogpt", "together")


@pytest.mark.parametrize("name", sorted(set(bundled_profiles()) - set(IGNORING)))
def test_bundled_profiles_keep_every_refusal_in_both_views(name: str) -> None:
    # unknown_fields defaults to refused, which is what the suite assumed before
    # the key existed: no bundled probe is expected accepted, so no verdict moves.
    profile = load_profile(name)
    assert profile.unknown_fields == "refused"
    plan = build_plan(profile, None, zero_balance=True)
    assert not [p.key for p in plan.probes if p.expect.accepted_in]


@pytest.mark.parametrize("name", IGNORING)
def test_a_vendor_ignoring_undocumented_fields_expects_them_accepted_in_its_docs_only(
    name: str,
) -> None:
    profile = load_profile(name)
    assert profile.unknown_fields == "ignored"
    plan = build_plan(profile, None, zero_balance=True)
    accepted = {p.id: p.expect.accepted_in for p in plan.probes if p.expect.accepted_in}
    assert accepted
    # The docs view expects them accepted; drop-in keeps OpenAI's refusal.
    assert {"quality-unknown", "style-unknown"} <= set(accepted)
    assert all(views == ("docs",) for key, views in accepted.items() if key != "size-not-taken")


def _expected(path: Path) -> dict[str, tuple[str, ...]]:
    plan = build_plan(load_profile_file(path), None, zero_balance=True)
    return {p.key: p.expect.accepted_in for p in plan.probes if p.kind == "invalid"}


def test_what_each_view_expects_accepted() -> None:
    refused, ignored = _expected(REFUSED), _expected(IGNORED)
    # Not mentioned: refused as the profile says, or accepted in the docs view.
    assert refused["wh-1/quality-unknown"] == ()
    assert ignored["wh-1/quality-unknown"] == ("docs",)
    # Free-form: never expected refused in the docs view, whatever unknown_fields says.
    assert refused["ar-1/quality-unknown"] == ignored["ar-1/quality-unknown"] == ("docs",)
    # Documented values: refused everywhere.
    assert refused["wh-1/response-format-unknown"] == ignored["ar-1/response-format-unknown"] == ()
    # OpenAI's size where the model takes none: a drop-in client sends it.
    assert refused["nodims/size-not-taken"] == ("drop-in",)
    assert ignored["nodims/size-not-taken"] == ("docs", "drop-in")


def test_rehearsal_with_ignored_fields_passes_in_docs_and_fails_drop_in(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("--probes", "fixed", "--profile", str(IGNORED), "--models", "wh-1,ar-1")
    assert run.exit_code == 0, run.output
    by_id: dict[tuple[str, str], dict[str, Any]] = {
        (c["model"], c["id"]): c["views"] for c in run.results["checks"]
    }
    views = by_id[("wh-1", "validation.not-refused[quality-unknown]")]
    assert views["docs"]["outcome"] == "passed"
    assert views["drop-in"]["outcome"] == "skipped"
    views = by_id[("wh-1", "validation.rejected[quality-unknown]")]
    assert views["docs"]["outcome"] == "skipped"
    assert views["drop-in"]["outcome"] == "failed"  # OpenAI refuses it
    assert by_id[("ar-1", "validation.not-refused[quality-unknown]")]["docs"]["outcome"] == "passed"
    assert not [v for v in by_id.values() if v["docs"]["outcome"] == "failed"]


def test_drawn_cases_the_views_disagree_on_are_never_sent() -> None:
    body = {"model": "wh-1", "prompt": "a cube", "quality": "x"}
    assert classify(body, load_profile_file(IGNORED)).verdict == "ambiguous"
    assert classify(body, load_profile_file(REFUSED)).verdict == "invalid"
    sized = {"model": "nodims", "prompt": "a cube", "size": "512x512"}
    assert classify(sized, load_profile_file(REFUSED)).verdict == "ambiguous"
    free = {"model": "ar-1", "prompt": "a cube", "quality": "whatever"}
    assert classify(free, load_profile_file(REFUSED)).verdict == "valid"


def test_a_typo_in_unknown_fields_is_one_line_and_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    raw = yaml.safe_load(IGNORED.read_text())
    raw["unknown_fields"] = "ignord"
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(raw, sort_keys=False))
    run = run_cli("profile", "check", str(mine))
    assert run.exit_code == 4
    assert "Traceback" not in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert "unknown_fields" in run.output
