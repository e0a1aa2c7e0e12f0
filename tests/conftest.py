"""Shared helpers: run the suite the way users do, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from filelock import FileLock

from conformance.profile import Profile, load_profile_file
from conformance.report.results import resolve_evidence
from conformance.server.runner import ReferenceServer
from tests.dims_profile import REFUSED

REPO = Path(__file__).resolve().parents[1]

# The self-tests judge models' lifecycle as of a fixed day, not the wall clock:
# one when openai-legacy's gpt-image-1-mini and gpt-image-1.5 were served and
# their shutdown (2026-12-01) was still more than 30 days off, so the tests of
# that profile run them without --allow-shutdown and the clean server passes
# lifecycle.shutdown-soon. The lifecycle's own tests (tests/test_lifecycle.py)
# set the day they need (2026-12-01: the legacy run then stops, exit 4).
os.environ.setdefault("IMAGEGEN_CONFORMANCE_TODAY", "2026-10-01")

# A test that uses one of these runs the suite end to end, so it is slow unless marked
# quick (the quick loop keeps one suite run per family); so is a peer or browser test.
# gpt_results (tests/test_gate_gpt.py) and dalle_recording (tests/test_replay_profile.py)
# are module-wide whole runs of their own.
SUITE_RUN_FIXTURES = frozenset(
    {"run_suite", "profile_runs", "text_plain_results", "gpt_results", "dalle_recording"}
)
SLOW_MARKERS = ("peers", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("quick"):
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SUITE_RUN_FIXTURES or any(item.get_closest_marker(m) for m in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


@dataclass
class SuiteRun:
    exit_code: int
    report_dir: Path
    output: str = ""

    @property
    def results(self) -> dict[str, Any]:
        """results.json, with the evidence passed checks share put back inline."""
        data: dict[str, Any] = json.loads((self.report_dir / "results.json").read_text())
        return resolve_evidence(data)

    def outcomes(self, check_id: str) -> list[str]:
        """Outcomes of every verdict of one check (all probes, all models)."""
        return [c["outcome"] for c in self.results["checks"] if c["check"] == check_id]

    def files(self) -> dict[str, str]:
        return {
            p.name: p.read_text(errors="replace") for p in self.report_dir.iterdir() if p.is_file()
        }


def suite_args(report_dir: Path, *args: str) -> list[str]:
    return [
        "--pyargs",
        "conformance",
        "-p",
        "no:cacheprovider",
        "-q",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--report-dir",
        str(report_dir),
        *args,
    ]


@pytest.fixture
def run_suite(tmp_path: Path) -> Callable[..., SuiteRun]:
    """Run the suite in this process (as `python -m pytest --pyargs conformance` would)."""
    counter = iter(range(1000))

    def run(*args: str) -> SuiteRun:
        report_dir = tmp_path / f"run{next(counter)}"
        code = pytest.main(suite_args(report_dir, *args))
        return SuiteRun(int(code), report_dir)

    return run


PROFILE_RUNS = (
    "openai-dalle",
    "modelmax",
    "ezmodel",
    "yescale",
    "azure-openai",
    "deepinfra",
    "nanogpt",
    "together",
)


class ProfileRuns(Mapping[str, SuiteRun]):
    """One drop-in run per bundled profile, each built on first use, once per test
    session: the first xdist worker to need it runs it under a file lock, the others
    read what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __getitem__(self, name: str) -> SuiteRun:
        if name not in PROFILE_RUNS:
            raise KeyError(name)
        report_dir = self.root / name
        done = self.root / f"{name}.exit-code"
        with FileLock(self.root / f"{name}.lock"):
            if not done.is_file():
                # A process of its own: the first test to ask may be running an event
                # loop (Playwright's sync API does), and the suite starts its own.
                args = suite_args(report_dir, "--profile", name, "--view", "drop-in")
                with (self.root / f"{name}.log").open("w") as log:
                    code = subprocess.run(
                        [sys.executable, "-m", "pytest", *args],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        timeout=900,
                        check=False,
                    ).returncode
                done.write_text(str(code))
        return SuiteRun(int(done.read_text()), report_dir)

    def __iter__(self) -> Iterator[str]:
        return iter(PROFILE_RUNS)

    def __len__(self) -> int:
        return len(PROFILE_RUNS)


@pytest.fixture(scope="session")
def profile_runs(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> ProfileRuns:
    """The bundled profiles' drop-in runs against the reference server emulating each,
    shared by every worker of the session (xdist workers' temp dirs share a parent)."""
    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "profile-runs"
    root.mkdir(exist_ok=True)
    return ProfileRuns(root)


def conformance(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m conformance ARGS` in a subprocess at ``cwd``, with the environment
    and ``env``, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., SuiteRun]:
    """Run `python -m conformance ...` in a subprocess, the way the README says."""
    counter = iter(range(1000))

    def run(*args: str, env: dict[str, str] | None = None, report: bool = True) -> SuiteRun:
        report_dir = tmp_path / f"cli{next(counter)}"
        extra = ["--report-dir", str(report_dir)] if report and args[:1] == ("run",) else []
        proc = conformance(tmp_path, *args, *extra, env=env)
        return SuiteRun(proc.returncode, report_dir, proc.stdout + proc.stderr)

    return run


@pytest.fixture(scope="module")
def dims_refused() -> Profile:
    """tests/profiles/dims-refused.yaml: one model per kind of dimensions, with vendor
    parameters (tests/test_dimensions.py, tests/test_vendor_params.py)."""
    return load_profile_file(REFUSED)


@pytest.fixture(scope="module")
def dims_server(dims_refused: Profile) -> Iterator[ReferenceServer]:
    with ReferenceServer(dims_refused) as srv:
        yield srv


def assert_typo_is_one_line(
    run_cli: Any, tmp_path: Path, raw: Mapping[str, Any], said: str
) -> None:
    """`profile check` of the profile ``raw``: exit 4 and one line saying ``said``, no
    traceback (bad input to the tool)."""
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(dict(raw), sort_keys=False))
    run = run_cli("profile", "check", str(path))
    assert run.exit_code == 4, run.output
    assert "Traceback" not in run.output
    lines = run.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert said in lines[0]
