"""The report and the matrix render in a real headless Chromium, and their filters work.

Debian's Chromium is driven through Playwright (no browser download). When
Chromium is missing, the test installs it (apt-get, as root) or is skipped with
the reason, never passed. Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.report.matrix import build, write
from tests.conftest import REPO, SuiteRun

pytestmark = pytest.mark.browser
SHOTS = REPO / "reports" / "screenshots"
# Without these, Chromium tries Google's hosts at start and the closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _install_chromium() -> str | None:
    """Debian's chromium, installed once even with several xdist workers."""
    found = shutil.which("chromium")
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    with open("/tmp/imagegen-conformance-chromium.lock", "w") as lock:  # noqa: S108
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shutil.which("chromium"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(
                ["apt-get", "update", "-qq"], env=env, check=False, capture_output=True, timeout=600
            )
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "chromium"],
                env=env,
                check=False,
                capture_output=True,
                timeout=1200,
            )
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = _install_chromium()
    if chromium is None:
        pytest.skip(
            "Chromium is not installed and cannot be installed here (needs root and apt-get)"
        )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1600})
        browser.close()


def _open(page: Any, path: Path) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return errors


def test_report_renders_and_its_filters_work(page: Any, profile_runs: dict[str, SuiteRun]) -> None:
    errors = _open(page, profile_runs["yescale"].report_dir / "report.html")
    # One summary, opening with its verdict (pytest-html's own heading is hidden).
    verdict = page.locator("h2.igc-verdict")
    assert verdict.count() == 1
    assert verdict.inner_text().startswith("Verdict: ")
    assert not page.locator(".summary__data > h2").is_visible()
    rows = page.locator("#results-table tbody")
    total = rows.count()
    passed = page.locator("#results-table tbody.passed").count()
    assert 0 < passed < total
    page.locator('input.filter[data-test-result="passed"]').uncheck()
    assert page.locator("#results-table tbody").count() == total - passed
    assert page.locator("#results-table tbody.passed").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"))
    assert errors == []


def test_the_reports_first_screen_shows_the_verdict_and_the_failures_by_check(
    page: Any, run_cli: Any
) -> None:
    # In a process of its own: the page's Playwright loop runs in this thread.
    run = run_cli("run", "--profile", "openai-dalle", "--probes", "fixed", "--fault", "created-ms")
    assert run.exit_code == 1, run.output[-2000:]
    page.set_viewport_size({"width": 1280, "height": 800})
    errors = _open(page, run.report_dir / "report.html")
    verdict = page.locator("h2.igc-verdict")
    assert verdict.inner_text() == "Verdict: not conformant"
    failures = page.locator("table.igc-failures").first
    assert "generation.created" in failures.inner_text()
    box = failures.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] < 800  # on the first screen
    gallery = page.locator("text=Returned images").bounding_box()
    assert gallery is not None
    assert gallery["y"] > box["y"]  # failures before the gallery
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-first-screen.png"))
    page.set_viewport_size({"width": 1400, "height": 1600})
    assert errors == []


def test_matrix_renders_and_its_filters_work(
    page: Any, profile_runs: dict[str, SuiteRun], tmp_path: Path
) -> None:
    write(build([run.report_dir / "results.json" for run in profile_runs.values()]), tmp_path)
    errors = _open(page, tmp_path / "index.html")
    rows = page.locator("tr.row")
    visible = page.locator("tr.row:not([hidden])")
    total = rows.count()
    assert visible.count() == total > 40
    page.check("#only-bad")
    bad = page.locator('tr.row[data-bad="1"]').count()
    assert 0 < visible.count() == bad < total
    page.uncheck("#only-bad")
    page.select_option("#feature", "client")
    features = visible.evaluate_all("rows => rows.map(r => r.dataset.feature)")
    assert features
    assert set(features) == {"client"}
    page.select_option("#feature", "")
    assert visible.count() == total
    page.click("tr.row td.cell a >> nth=0")
    page.wait_for_load_state("load")
    assert "/runs/" in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    _open(page, tmp_path / "index.html")
    page.screenshot(path=str(SHOTS / "matrix.png"), full_page=True)
    assert errors == []
