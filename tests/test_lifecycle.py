"""Models' lifecycle: dates as data, decided before anything is sent, and checked
against the vendor's free GET /v1/models; contract drift against the SDK's types."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance.config import resolve
from conformance.errors import ConfigError
from conformance.lifecycle.dates import TODAY_ENV, today
from conformance.lifecycle.drift import drift, sdk_contract
from conformance.lifecycle.select import select_models
from conformance.profile import load_profile, parse_profile
from conformance.resources import bundled_profiles
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
SHUTDOWN_DAY = "2026-12-01"
OPENAI = load_profile("openai")
# gpt-image-1-mini and gpt-image-1.5, shut down on 2026-12-01, with their dates.
LEGACY = load_profile("openai-legacy")


def _raw(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(bundled_profiles()[name].read_text(encoding="utf-8"))
    return loaded


# -- the dates as data -----------------------------------------------------------------


def test_profiles_carry_their_vendors_dates() -> None:
    mini, big = (LEGACY.models[m].lifecycle for m in ("gpt-image-1-mini", "gpt-image-1.5"))
    assert mini is not None
    assert big is not None
    assert (mini.shutdown, big.shutdown, big.notice) == (SHUTDOWN_DAY, SHUTDOWN_DAY, "2026-06-02")
    assert big.replacement == ("gpt-image-2.6-sunburst", "gpt-image-2.6-flare")
    assert big.released == "2025-12-16"
    # No as_of: a run today judges them only with --allow-shutdown.
    assert LEGACY.as_of is None
    today_s = {m: s.lifecycle for m, s in OPENAI.models.items()}
    assert all(life is not None and life.shutdown is None for life in today_s.values())
    assert {m: life.released for m, life in today_s.items() if life} == {
        "gpt-image-2": "2026-04-21",
        "gpt-image-2.5-sunburst": "2026-09-08",
        "gpt-image-2.5-flare": "2026-09-08",
        "gpt-image-2.6-sunburst": "2026-11-04",
        "gpt-image-2.6-flare": "2026-11-04",
    }
    assert all(life.source for life in (mini, big, *today_s.values()) if life)
    dalle = load_profile("openai-dalle")
    assert {m: s.lifecycle.shutdown for m, s in dalle.models.items() if s.lifecycle} == {
        "dall-e-2": "2026-05-12",
        "dall-e-3": "2026-05-12",
    }
    # A reseller's dall-e-3 is the reseller's: OpenAI's retirement is not its lifecycle.
    for vendor in ("ezmodel", "yescale"):
        assert load_profile(vendor).models["dall-e-3"].lifecycle is None
    # The cheapest model still served is the default.
    assert OPENAI.default_model == "gpt-image-2"


def test_a_profile_without_dates_stays_valid_and_a_bad_date_is_one_line() -> None:
    raw = _raw("openai")
    for spec in raw["models"].values():
        spec.pop("lifecycle", None)
    raw.pop("list_models")
    profile = parse_profile(raw, Path("openai.yaml"), "0")
    assert all(spec.lifecycle is None for spec in profile.models.values())
    assert not profile.list_models
    bad = _raw("openai-legacy")
    bad["models"]["gpt-image-1.5"]["lifecycle"]["shutdown"] = "2026-13-01"
    with pytest.raises(ConfigError) as caught:
        parse_profile(bad, Path("openai-legacy.yaml"), "0")
    assert str(caught.value) == (
        "profile openai-legacy.yaml: models.gpt-image-1.5.lifecycle.shutdown '2026-13-01' "
        "is not a date YYYY-MM-DD"
    )


def test_the_runs_date_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-12-16")
    assert today() == date(2026, 12, 16)
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    with pytest.raises(ConfigError, match="IMAGEGEN_CONFORMANCE_TODAY 'tomorrow'"):
        today()


# -- deciding before anything is sent --------------------------------------------------


def _mixed() -> Any:
    """A vendor serving gpt-image-2 beside the two models shut down on 2026-12-01."""
    raw = _raw("openai-legacy")
    raw["models"]["gpt-image-2"] = _raw("openai")["models"]["gpt-image-2"]
    raw["default_model"] = "gpt-image-2"
    return parse_profile(raw, Path("mixed.yaml"), "0")


@pytest.mark.parametrize("day", ["2026-12-01", "2027-03-01"])
def test_a_default_run_leaves_a_shut_down_model_out_in_one_line(day: str) -> None:
    chosen = select_models(_mixed(), None, day=date.fromisoformat(day), allow_shutdown=False)
    assert chosen.models == ("gpt-image-2",)
    (note,) = chosen.notes
    assert note.startswith("lifecycle: left out gpt-image-1-mini, gpt-image-1.5: shut down on ")
    assert "2026-12-01" in note
    assert "gpt-image-2.6-sunburst or gpt-image-2.6-flare" in note
    assert "--allow-shutdown" in note


def test_the_day_before_the_shutdown_every_model_is_judged() -> None:
    chosen = select_models(LEGACY, None, day=date(2026, 11, 30), allow_shutdown=False)
    assert chosen == select_models(LEGACY, None, day=date(2026, 11, 30), allow_shutdown=True)
    assert chosen.models == tuple(LEGACY.models)
    assert chosen.notes == ()


def test_naming_a_shut_down_model_stops_unless_insisted() -> None:
    day = date(2026, 12, 1)
    with pytest.raises(ConfigError) as caught:
        select_models(LEGACY, ("gpt-image-1.5",), day=day, allow_shutdown=False)
    line = str(caught.value)
    assert "\n" not in line
    assert "gpt-image-1.5: shut down on 2026-12-01" in line
    assert "replacement gpt-image-2.6-sunburst or gpt-image-2.6-flare" in line
    insisted = select_models(LEGACY, ("gpt-image-1.5",), day=day, allow_shutdown=True)
    assert insisted.models == ("gpt-image-1.5",)
    assert "judging gpt-image-1.5 although" in insisted.notes[0]


def test_a_baseline_as_it_was_and_the_resellers_are_not_affected() -> None:
    day = date(2026, 12, 1)
    for name in ("openai", "openai-dalle", "ezmodel", "yescale"):
        profile = load_profile(name)
        chosen = select_models(profile, None, day=day, allow_shutdown=False)
        assert chosen.models == tuple(profile.models)
        assert chosen.notes == ()


def test_the_models_option_stops_with_exit_4_before_anything_is_sent(
    run_cli: Callable[..., SuiteRun],
) -> None:
    with ReferenceServer(LEGACY) as server:
        run = run_cli(
            "run",
            "--profile",
            "openai-legacy",
            "--base-url",
            server.base_url,
            "--models",
            "gpt-image-1.5",
            env={TODAY_ENV: SHUTDOWN_DAY, "OPENAI_API_KEY": server.api_key},
        )
        requests = httpx.get(server.base_url.removesuffix("/v1") + "/_reference/stats").json()
    assert run.exit_code == 4
    (line,) = run.output.strip().splitlines()
    assert "gpt-image-1.5: shut down on 2026-12-01" in line
    assert "gpt-image-2.6-sunburst or gpt-image-2.6-flare" in line
    assert "Traceback" not in run.output
    assert requests["requests"] == 0


def test_resolve_keeps_the_note_for_the_first_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    config = resolve({"profile": "openai"})
    assert config.models == tuple(OPENAI.models)
    assert config.lifecycle_notes == ()
    insisted = resolve({"profile": "openai-legacy", "allow_shutdown": True})
    assert insisted.models == ("gpt-image-1-mini", "gpt-image-1.5")
    assert insisted.lifecycle_notes[0].startswith("lifecycle: judging gpt-image-1-mini")


def test_a_legacy_run_with_no_live_model_is_one_line_and_exit_4(
    run_cli: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    # Today (no as_of in openai-legacy): every model is past its shutdown; the run
    # judges nothing, so it stops before sending rather than passing green.
    run = run_cli(
        "run",
        "--profile",
        "openai-legacy",
        "--report-dir",
        str(tmp_path / "r"),
        env={TODAY_ENV: SHUTDOWN_DAY},
    )
    assert run.exit_code == 4
    (line,) = run.output.strip().splitlines()
    assert "profile openai-legacy: every model is past its shutdown" in line
    assert "--allow-shutdown" in line
    assert not (tmp_path / "r" / "results.json").exists()


# -- the free probe: GET /v1/models ----------------------------------------------------


def _lifecycle(run: SuiteRun) -> dict[str, str]:
    return {
        f"{c['model']}:{c['check']}": c["outcome"]
        for c in run.results["checks"]
        if c["check"].startswith("lifecycle.")
    }


def test_a_run_reads_the_list_first_and_once(run_suite: RunSuite, tmp_path: Path) -> None:
    run = run_suite("--probes", "fixed", "--record", str(tmp_path / "rec"))
    assert run.exit_code == 0
    recording = json.loads((tmp_path / "rec" / "recording.json").read_text())
    exchanges = recording["exchanges"]
    listing = [e for e in exchanges if e["probe"].endswith("/models-list")]
    assert len(listing) == len(OPENAI.models)
    assert {e["request"]["method"] for e in listing} == {"GET"}
    assert listing[0]["request"]["url"].endswith("/v1/models")
    # One request, before anything else went out: every model's probe shares its answer.
    assert len({e["sent_at"] for e in listing}) == 1
    others = [e["sent_at"] for e in exchanges if not e["probe"].endswith("/models-list")]
    assert listing[0]["sent_at"] < min(others)
    results = run.results
    assert results["lifecycle"] == ["lifecycle: GET /v1/models (free) lists 5 of 5 judged model(s)"]
    assert set(_lifecycle(run).values()) == {"passed"}
    # Free: one request more than the images endpoint's, no image billed for it.
    assert results["requests"]["billable"] <= 3 * 5 + 2 * 7 + 5 * 4  # and 2 edits a model
    replay = run_suite("--replay", str(tmp_path / "rec"), "-k", "lifecycle")
    assert replay.exit_code == 0
    assert set(_lifecycle(replay).values()) == {"passed"}


@pytest.mark.parametrize(
    ("fault", "failed", "line"),
    [
        (
            "models-list-omits",
            "lifecycle.listed",
            "lifecycle: GET /v1/models (free) lists 4 of 5 judged model(s); not listed: "
            "gpt-image-2",
        ),
        (
            "models-list-shut-down",
            "lifecycle.shutdown-past",
            "lifecycle: gpt-image-2 is listed as shut down on 2026-11-30",
        ),
        (
            "models-list-shutdown-soon",
            "lifecycle.shutdown-soon",
            "lifecycle: gpt-image-2 shuts down in 15 days (2026-12-16)",
        ),
    ],
)
def test_the_first_lines_and_the_report_say_what_the_list_says(
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    failed: str,
    line: str,
) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    run = run_suite("--fault", fault, "-k", "lifecycle", "--fail-on", "may")
    out = capsys.readouterr().out
    assert run.exit_code == 1
    assert _lifecycle(run)[f"gpt-image-2:{failed}"] == "failed"
    assert line in run.results["lifecycle"]
    assert line in out.split("[100%]")[0]  # said as soon as the list was read
    assert line in (run.report_dir / "report.html").read_text()


def test_insisting_on_a_shut_down_model_runs_it(
    run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    legacy = ("--profile", "openai-legacy", "--models", "gpt-image-1.5", "--allow-shutdown")
    run = run_suite(*legacy, "-k", "lifecycle")
    found = _lifecycle(run)
    # The clean server lists no model past its shutdown, as OpenAI does: not a failure
    # of the vendor (the upstream shut it down), so not judged; the live model still is.
    assert found["gpt-image-1.5:lifecycle.listed"] == "skipped"
    assert run.results["lifecycle"][1] == (
        "lifecycle: GET /v1/models (free) lists 0 of 1 judged model(s); past their shutdown "
        "by these rules, so a list may drop them: gpt-image-1.5"
    )
    assert found["gpt-image-1.5:lifecycle.served-after-shutdown"] == "passed"
    assert run.results["lifecycle"][0].startswith("lifecycle: judging gpt-image-1.5 although")
    served = run_suite(
        *legacy,
        "-k",
        "lifecycle",
        "--fault",
        "models-list-serves-shut-down",
    )
    assert _lifecycle(served)["gpt-image-1.5:lifecycle.served-after-shutdown"] == "failed"


# -- contract drift --------------------------------------------------------------------

# What openai 3.57.0's types know that neither the bundled openai profile nor the
# other baselines (openai-dalle, openai-legacy) hold. Today's models, their
# snapshots, parameters and values are all in openai now; what is left are two
# models shut down before any profile judged them (gpt-image-1 on 2026-10-23,
# chatgpt-image-latest on 2026-12-01). The SDK gaining anything new, or the
# profile losing anything, fails the test below.
LATER_WAVE = {
    ("model", "gpt-image-1"),
    ("model", "chatgpt-image-latest"),
}


def _drift_keys(raw: dict[str, Any]) -> set[tuple[str, str]]:
    profile = parse_profile(raw, Path("openai.yaml"), "0")
    others = [load_profile("openai-dalle"), LEGACY]
    found = drift(profile, sdk_contract(), others)
    assert all(item.side == "sdk" for item in found), found
    return {item.key for item in found}


def test_the_openai_profile_holds_to_the_sdk_types() -> None:
    assert _drift_keys(_raw("openai")) == LATER_WAVE


def test_drift_fails_when_an_enum_value_is_removed_from_the_profile() -> None:
    raw = copy.deepcopy(_raw("openai"))
    # The value goes from every model (each family of parameters has its own block).
    for spec in raw["models"].values():
        spec["parameters"] = {
            **spec["parameters"],
            "moderation": {"values": ["auto"], "default": "auto"},
        }
    # Against the DALL·E baseline only: openai-legacy's models still take moderation low.
    profile = parse_profile(raw, Path("openai.yaml"), "0")
    keys = {item.key for item in drift(profile, sdk_contract(), [load_profile("openai-dalle")])}
    assert ("value", "moderation=low") in keys


def test_drift_command(run_cli: Callable[..., SuiteRun]) -> None:
    run = run_cli("profile", "drift", "openai")
    assert run.exit_code == 1
    assert "model gpt-image-1: in the SDK, not in the profile" in run.output
    assert "complexity" not in run.output  # the profile holds today's parameters
    assert "gpt-image-1.5" not in run.output  # openai-legacy holds the shut-down models
    assert "dall-e-3" not in run.output  # openai-dalle holds the DALL·E models
    bad = run_cli("profile", "drift", "no-such-profile")
    assert bad.exit_code == 4
    assert len(bad.output.strip().splitlines()) == 1


def test_a_shut_down_model_named_on_the_live_profile_says_when_and_where_it_went(
    run_cli: Callable[..., SuiteRun],
) -> None:
    # The README's first vendor example with a model OpenAI shut down today: one
    # line naming the day and the replacement, exit 4, nothing sent.
    run = run_cli("run", "--models", "gpt-image-1.5")
    assert run.exit_code == 4
    assert "Traceback" not in run.output
    [line] = [x for x in run.output.splitlines() if x.startswith("imagegen-conformance: error:")]
    assert "shut down on 2026-12-01" in line
    assert "replacement gpt-image-2.6-sunburst or gpt-image-2.6-flare" in line
    assert "--profile openai-legacy --allow-shutdown" in line
