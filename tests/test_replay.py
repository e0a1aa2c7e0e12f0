"""Record and replay: a replay sends nothing, bills nothing, and judges alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun


def test_a_replay_sends_nothing_and_gives_the_same_verdicts(
    run_suite: Callable[..., SuiteRun], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = f"{tmp_path}/recording"
    with ReferenceServer(
        load_profile("openai-dalle"), faults=["created-ms", "wrong-param"]
    ) as server:
        monkeypatch.setenv("IGC_REPLAY_KEY", server.api_key)
        target = [
            "--profile",
            "openai-dalle",
            "--base-url",
            server.base_url,
            "--api-key-env",
            "IGC_REPLAY_KEY",
            "--rate-limit",
            "none",
        ]
        first = run_suite(*target, "--record", recording)
        after_recording = server.stats()
        replay = run_suite(*target, "--replay", recording)
        assert server.stats() == after_recording  # the server's own counter: nothing came in
    assert after_recording["requests"] > 0
    views = {(c["id"], c["model"]): c["views"] for c in first.results["checks"]}
    replayed = {(c["id"], c["model"]): c["views"] for c in replay.results["checks"]}
    assert replayed == views
    assert replay.exit_code == first.exit_code == 1
    assert replay.results["target"]["replayed_from"] == recording


def test_replay_needs_a_recording(run_cli: Callable[..., SuiteRun], tmp_path: object) -> None:
    run = run_cli("run", "--replay", f"{tmp_path}/nothing-here")
    assert run.exit_code == 4
    assert "no recording.json there" in run.output
