"""Runs that must stop, and say so truthfully: a base URL with no images API
behind it, and a run the user interrupts after its billable requests went out."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.conftest import conformance


def _run(
    cwd: Path, *args: str, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    proc = conformance(cwd, "run", *args, env=env, timeout=600)
    return proc, time.monotonic() - began


def _results(report: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report / "results.json").read_text())
    return data


# -- no images API at the base URL ------------------------------------------


def test_a_base_url_without_v1_stops_in_seconds_and_charges_the_vendor_nothing(
    tmp_path: Path,
) -> None:
    with ReferenceServer(load_profile("openai")) as server:
        root = server.base_url.removesuffix("/v1")  # the server answers text/plain 404 here
        began = time.time()
        run, took = _run(
            tmp_path,
            "--base-url",
            root,
            "--report-dir",
            str(tmp_path / "r"),
            "--record",
            str(tmp_path / "rec"),
            env={"OPENAI_API_KEY": server.api_key},
        )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-3000:]
    recording = json.loads((tmp_path / "rec" / "recording.json").read_text())
    sent = [e for e in recording["exchanges"] if e["attempts"]]
    # Sending stopped within seconds of the first request (planning before it, and
    # judging and writing the report after, took the rest of `took`: printed with -s).
    first = min(e["sent_at"] for e in sent)
    stopped_after = max(e["sent_at"] + e["elapsed_s"] for e in sent) - first
    print(
        f"404 stop: last request {stopped_after:.1f} s after the first, "
        f"{first - began:.1f} s after start; whole run {took:.1f} s"
    )
    assert stopped_after < 30, f"the last request came {stopped_after:.1f} s after the first"
    assert f"no images endpoint at {root}/images/generations" in out
    assert f"is --base-url the API root, e.g. {root}/v1?" in out
    results = _results(tmp_path / "r")
    assert results["summary"]["failed"] == 0
    assert results["summary"]["passed"] == 0  # no "validation.rejected: answered 404" pass
    assert results["requests"]["possibly_billed"] == 0
    assert len(sent) < 20, f"{len(sent)} requests went out"


class _Site(BaseHTTPRequestHandler):
    """A web site (HTML for every POST) or a login wall (a redirect)."""

    redirect = False

    def do_POST(self) -> None:
        # The run stops and abandons requests in flight: as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.redirect:
            self.send_response(302)
            self.send_header("Location", "/login?next=/images/generations")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        page = b"<!DOCTYPE html><html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(params=[False, True], ids=["html-page", "login-redirect"])
def site(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Site,), {"redirect": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_web_page_or_a_login_redirect_stops_the_run_as_an_error(
    site: str, tmp_path: Path
) -> None:
    run, _ = _run(
        tmp_path,
        "--profile",
        "openai-dalle",
        "--probes",
        "fixed",
        "--base-url",
        site,
        "--report-dir",
        str(tmp_path / "r"),
        env={"OPENAI_API_KEY": "sk-test-key"},
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-3000:]
    assert f"is --base-url the API root, e.g. {site}/v1?" in out
    assert "error of the run" in out
    assert _results(tmp_path / "r")["summary"]["failed"] == 0


# -- an interrupted run -------------------------------------------------------


@pytest.mark.slow  # a whole fixed run, then one interrupted
def test_an_interrupted_run_reports_what_was_billed_and_keeps_the_earlier_report(
    tmp_path: Path,
) -> None:
    report, record = tmp_path / "report", tmp_path / "rec"
    with ReferenceServer(load_profile("openai-dalle"), latency_s=1.0) as server:
        common = [
            "--profile",
            "openai-dalle",
            "--base-url",
            server.base_url,
            "--rate-limit",
            "none",
            "--report-dir",
            str(report),
            "--record",
            str(record),
        ]
        env = {**os.environ, "OPENAI_API_KEY": server.api_key}
        first, _ = _run(tmp_path, *common, "--probes", "fixed", env=env)
        assert first.returncode == 0, first.stdout[-3000:]
        kept = {p.name: p.read_bytes() for p in report.iterdir() if p.is_file()}
        kept_recording = (record / "recording.json").read_bytes()
        before = server.stats()

        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", *common],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        deadline = time.monotonic() + 120
        while server.stats()["generations"] - before["generations"] < 3:
            assert proc.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
        after = server.stats()
    billed_by_server = after["generations"] - before["generations"]
    assert proc.returncode == 2, out[-3000:]
    # The complete earlier run is untouched; this one is written beside it.
    assert {p.name: p.read_bytes() for p in report.iterdir() if p.is_file()} == kept
    assert (record / "recording.json").read_bytes() == kept_recording
    results = _results(report / "interrupted")
    assert results["interrupted"]["reason"].startswith("SIGINT")
    assert results["interrupted"]["not_sent"] > 0
    requests = results["requests"]
    print(
        f"interrupted: server billed {billed_by_server} image(s) in "
        f"{after['requests'] - before['requests']} request(s); the run reports billable "
        f"{requests['billable']}, possibly billed {requests['possibly_billed']}, "
        f"{requests['total']} request(s), {results['interrupted']['not_sent']} probe(s) not sent"
    )
    assert requests["billable"] + requests["possibly_billed"] >= billed_by_server >= 3
    assert requests["billable"] == billed_by_server  # in flight ones were waited for
    assert requests["total"] >= after["requests"] - before["requests"] > 0
    assert results["checks"]
    recording = json.loads((record / "interrupted" / "recording.json").read_text())
    assert recording["interrupted"]["reason"].startswith("SIGINT")
    assert recording["requests"]["billable"] == billed_by_server
    assert f"this run's files are in {report / 'interrupted'}" in out
    # Neither the matrix nor the gate takes it for a verdict.
    for args in (
        ["matrix", str(report / "interrupted" / "results.json"), "--out", str(tmp_path / "m")],
        [
            "gate",
            "--requires",
            str(_app(tmp_path)),
            "--candidate",
            str(report / "interrupted" / "results.json"),
        ],
    ):
        refused = subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert "an interrupted run" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


def _app(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text("name: thumbnailer\nmodels:\n  dall-e-2: {}\n")
    return path
