"""One suite run through a LiteLLM release in front of a tapped reference server.

Installing and starting LiteLLM is slow, so a test module runs the suite once
per release (a module fixture) and its tests read that one run: the suite's
verdicts, its recording, and the upstream's own record of the same exchanges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.exchange import Exchange
from conformance.profile import load_profile
from conformance.recording import read_recording
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun
from tests.peers import litellm
from tests.peers.judge import judge, suite_runner
from tests.peers.network import loopback_only
from tests.peers.tap import Tap, UpstreamExchange


@dataclass(frozen=True)
class PeerRun:
    release: litellm.Release
    run: SuiteRun
    exchanges: dict[str, Exchange]  # the suite's recording, by model/probe
    upstream: list[UpstreamExchange]  # what the reference server got and answered
    generated: int  # images the reference server generated (billed upstream)

    @property
    def results(self) -> dict[str, Any]:
        return self.run.results


def through_litellm(root: Path, release: litellm.Release, profile: str, *args: str) -> PeerRun:
    """The suite, drop-in view, against ``release`` routing to the reference server."""
    record = root / "recording"
    seen: list[UpstreamExchange] = []
    with pytest.MonkeyPatch.context() as patch:
        loopback_only(patch)
        upstream = ReferenceServer(load_profile(profile))
        upstream.app.add_middleware(Tap, seen=seen)
        with upstream, litellm.serve(root, upstream, release) as peer:
            run = judge(suite_runner(root), patch, peer, profile, *args, "--record", str(record))
            generated = int(upstream.stats()["generations"])
    return PeerRun(release, run, dict(read_recording(record).exchanges), seen, generated)
