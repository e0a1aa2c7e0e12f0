"""Hostile or broken servers: every behaviour ends the run in time, with a verdict naming
the cause, and under 500 MB of memory.

Each case runs `python -m conformance run` in a subprocess (peak memory is that
process's own, from wait4 in a small launcher, tests/peak_rss.py) against a
purpose-built loopback server from tests/hostile.py, or the reference server with
its image links pointed at one. Selecting a few tests with -k sends only their
probes, so each run is short.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests import hostile
from tests.hostile import RawServer, Request

# Each case is a whole run in a subprocess (10-20 s): not in the quick loop.
pytestmark = pytest.mark.slow

PEAK_RSS = Path(__file__).with_name("peak_rss.py")
MEMORY_LIMIT_KIB = 500_000_000 // 1024  # 500 MB
HANG_GUARD_S = 120
KEY = "sk-hostile-test-key-0123456789abcdef"
# The six valid probes: four in flight at once (the default concurrency), the worst
# case for memory.
# (DALL·E models: their answers may carry image links, which the link cases need.)
DALLE = ("--profile", "openai-dalle")
API_PROBES = ("--probes", "fixed", "-k", "generation.status", *DALLE)
URL_PROBES = ("--probes", "fixed", "-k", "dall-e-2 and images.url", *DALLE)  # two url answers


@dataclass
class Measured:
    exit_code: int
    output: str
    results: dict[str, Any]
    elapsed_s: float
    peak_rss_kib: int

    def verdicts(self, check_id: str) -> list[tuple[str, str]]:
        return [
            (c["outcome"], c["message"]) for c in self.results["checks"] if c["check"] == check_id
        ]


def run_measured(tmp_path: Path, *args: str) -> Measured:
    """The CLI in a subprocess; its own peak RSS, from wait4 in tests/peak_rss.py."""
    out = tmp_path / "output.txt"
    rss_file = tmp_path / "peak_rss_kib.txt"
    command = [sys.executable, "-m", "conformance", "run", "--report-dir", str(tmp_path), *args]
    started = time.monotonic()
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, str(PEAK_RSS), str(rss_file), *command],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env={**os.environ, "IGC_KEY": KEY},
            start_new_session=True,  # the hang guard kills launcher and run together
        )
        try:
            proc.wait(timeout=HANG_GUARD_S)  # a hang guard, not a speed test
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    elapsed = time.monotonic() - started
    results = json.loads((tmp_path / "results.json").read_text())
    peak = int(rss_file.read_text()) if rss_file.exists() else 0
    return Measured(proc.returncode, out.read_text(errors="replace"), results, elapsed, peak)


def _assert_contained(run: Measured) -> None:
    assert run.elapsed_s < HANG_GUARD_S, "the run did not finish"
    assert run.peak_rss_kib < MEMORY_LIMIT_KIB, f"peak RSS {run.peak_rss_kib} KiB"
    assert "Traceback" not in run.output
    assert KEY not in run.output


# --- the API answer itself -------------------------------------------------


def _same_place(request: Request) -> str:
    return request.path


STOPPED = "the server stopped answering (2 in a row: "


@dataclass(frozen=True)
class ApiCase:
    behaviour: hostile.Behaviour
    args: tuple[str, ...]
    outcome: str
    says: str
    # Nothing answers at all: the run stops sending (the message then names the cause).
    stops: bool = False


API_CASES = {
    "huge-declared-body": ApiCase(
        hostile.huge_declared,
        (),
        "error",
        "answer declares a 10737418240-byte body, larger than the 67108864-byte cap (--max-body)",
    ),
    "endless-stream": ApiCase(
        hostile.endless, (), "error", "answer body larger than the 67108864-byte cap (--max-body)"
    ),
    "gzip-bomb": ApiCase(
        hostile.gzip_bombing,
        (),
        "error",
        "answer body (gzip-decoded) larger than the 67108864-byte cap (--max-body)",
    ),
    "trickle": ApiCase(
        hostile.trickle,
        ("--deadline", "1.5"),
        "error",
        "did not finish answering within the 1.5 s deadline (--deadline)",
        stops=True,
    ),
    "silence": ApiCase(
        hostile.silent,
        ("--read-timeout", "1"),
        "error",
        "sent nothing for 1 s (--read-timeout)",
        stops=True,
    ),
    "connection-reset": ApiCase(
        hostile.reset, ("--retries", "2"), "error", "connection reset by peer", stops=True
    ),
    "redirect-loop": ApiCase(
        hostile.redirect_to(_same_place),
        (),
        "failed",
        "answered 307 to a valid request",
    ),
}


@pytest.mark.parametrize("name", list(API_CASES))
def test_hostile_api_answer(tmp_path: Path, name: str) -> None:
    case = API_CASES[name]
    with RawServer(case.behaviour) as server:
        run = run_measured(
            tmp_path,
            "--base-url",
            server.base_url,
            "--api-key-env",
            "IGC_KEY",
            *API_PROBES,
            *case.args,
        )
    _assert_contained(run)
    assert run.exit_code == 1
    verdicts = run.verdicts("generation.status")
    assert len(verdicts) == 6
    for outcome, message in verdicts:
        assert outcome == case.outcome, message
        assert case.says in message
    if case.stops:
        assert any(STOPPED in message for _, message in verdicts)
        assert run.output.count(f"stopped: {STOPPED}") == 1


def test_a_server_that_never_accepts_the_connection(tmp_path: Path) -> None:
    with hostile.full_backlog() as base_url:
        run = run_measured(
            tmp_path,
            *("--base-url", base_url, "--api-key-env", "IGC_KEY", "--connect-timeout", "0.5"),
            *API_PROBES,
        )
    _assert_contained(run)
    verdicts = run.verdicts("generation.status")
    for outcome, message in verdicts:
        assert outcome == "error"
        assert "within the 0.5 s connect timeout (--connect-timeout)" in message
    assert any(STOPPED in message for _, message in verdicts)


def test_redirect_to_another_host_is_not_followed_with_the_key(tmp_path: Path) -> None:
    # 127.0.0.2 is loopback too, but another host: the key must never reach it.
    with RawServer(hostile.recorded_ok, host="127.0.0.2") as other:
        elsewhere = hostile.redirect_to(lambda r: f"{other.root}{r.path}")
        with RawServer(elsewhere) as server:
            run = run_measured(
                tmp_path, "--base-url", server.base_url, "--api-key-env", "IGC_KEY", *API_PROBES
            )
    _assert_contained(run)
    assert other.seen == [], "the redirect was followed"
    for outcome, message in run.verdicts("generation.status"):
        assert outcome == "failed"
        assert "a redirect to another host" in message
        assert "not followed" in message


def test_invalid_json_fails_the_schema_check(tmp_path: Path) -> None:
    run = run_measured(tmp_path, "--fault", "json-truncated", *API_PROBES, "-k", "schema or status")
    _assert_contained(run)
    assert ("failed", "the body is not JSON") in run.verdicts("generation.schema")


# --- image links --------------------------------------------------------------


@contextmanager
def _images_at(link_root: str | Callable[[ExitStack], str]) -> Iterator[ReferenceServer]:
    """The reference server, answering with image links under ``link_root``."""
    with ExitStack() as stack:
        root = link_root(stack) if callable(link_root) else link_root
        server = ReferenceServer(load_profile("openai-dalle"), api_key=KEY, public_base_url=root)
        yield stack.enter_context(server)


def _raw(behaviour: hostile.Behaviour, host: str = "127.0.0.1") -> Callable[[ExitStack], str]:
    def start(stack: ExitStack) -> str:
        return stack.enter_context(RawServer(behaviour, host=host)).root + "/"

    return start


def _loop_forever(request: Request) -> str:
    return request.path + "x"


IMAGE_CASES: dict[str, tuple[str | Callable[[ExitStack], str], str, str]] = {
    "private-address": ("http://10.1.2.3:9/", "failed", "10.1.2.3 is a private address"),
    "link-local-address": (
        "http://169.254.169.254/",
        "failed",
        "169.254.169.254 is a link-local address",
    ),
    "not-http": ("ftp://127.0.0.1/", "failed", "is not an absolute http(s) URL"),
    "redirect-loop": (
        _raw(hostile.redirect_to(_loop_forever, "302 Found")),
        "failed",
        "more than 5 redirects (a redirect loop?)",
    ),
    "redirect-to-a-private-host": (
        _raw(hostile.redirect_to(lambda r: f"http://127.0.0.2:9{r.path}", "302 Found")),
        "failed",
        "127.0.0.2 is a loopback address",
    ),
    "endless-image": (
        _raw(hostile.endless),
        "error",
        "answer body larger than the 67108864-byte cap (--max-body)",
    ),
}


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_hostile_image_link(tmp_path: Path, name: str) -> None:
    root, outcome, says = IMAGE_CASES[name]
    with _images_at(root) as server:
        run = run_measured(
            tmp_path, "--base-url", server.base_url, "--api-key-env", "IGC_KEY", *URL_PROBES
        )
    _assert_contained(run)
    verdicts = run.verdicts("images.url")
    assert len(verdicts) == 2
    for got, message in verdicts:
        assert got == outcome, message
        assert says in message
