"""Progress while sending: a line in CI every N seconds, with the time left at the
rate limit; a loopback stand-in is told that the profile's rate limit applies."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from conformance.transport.ratelimit import RateLimiter, parse_rate
from tests.conftest import conformance


def test_the_time_left_at_a_rate_limit_counts_the_burst_already_spent() -> None:
    limiter = RateLimiter(parse_rate("10/m"))

    async def begin(n: int) -> None:
        for _ in range(n):
            await limiter.wait()

    asyncio.run(begin(10))
    assert limiter.eta(0) == 0
    # The 11th to 20th wait for the first ten to be a minute old; the 21st a minute more.
    assert 59 < limiter.eta(10) <= 60
    assert 119 < limiter.eta(11) <= 120
    assert RateLimiter(None).eta(1000) == 0


PROFILE = ("--profile", "openai-dalle", "--probes", "fixed")


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """A fixed-probe openai-dalle run against a reference server on loopback."""
    with ReferenceServer(load_profile("openai-dalle")) as server:
        base_url = server.base_url
        target = ("--base-url", base_url, "--report-dir", str(tmp_path / "r"))
        env = {"OPENAI_API_KEY": server.api_key}
        proc = conformance(tmp_path, "run", *PROFILE, *args, *target, env=env, timeout=600)
    return proc, base_url


@pytest.mark.slow  # a whole fixed run held to 10 requests a second
def test_a_run_that_is_not_on_a_terminal_prints_progress_every_n_seconds(
    tmp_path: Path,
) -> None:
    # 10 a second, so the ~35 fixed requests take about three seconds: a window of a
    # minute would let them all go at once and end before the first line is due.
    proc, _ = _run(tmp_path, "--rate-limit", "10/s", "--progress-every", "0.2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("progress: sent ")]
    assert lines, proc.stdout[-3000:]
    assert " left at 10/s" in lines[-1]
    assert "billable images " in lines[-1]
    # The user named the rate limit: no note.
    assert "--rate-limit none lifts it" not in proc.stdout


def test_the_profiles_rate_limit_on_loopback_is_announced(tmp_path: Path) -> None:
    proc, base_url = _run(tmp_path, "-k", "auth")
    assert (
        f"rate limit 60/m from profile openai-dalle (limits.rate_limit) applies to "
        f"{base_url}, a loopback stand-in; --rate-limit none lifts it" in proc.stdout
    ), proc.stdout[-3000:]
