"""The command line as users meet it: exit codes, one-line errors, a dead server."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import SuiteRun

RunCli = Callable[..., SuiteRun]


def _one_clear_line(run: SuiteRun) -> None:
    assert run.exit_code == 4, run.output
    assert "Traceback" not in run.output
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1, run.output


@pytest.mark.parametrize(
    "models",
    [
        pytest.param((), id="default", marks=pytest.mark.slow),  # five GPT models
        # The quick loop's one GPT suite run (the DALL·E one: tests/test_results.py).
        pytest.param(("--models", "gpt-image-2"), id="gpt-image-2", marks=pytest.mark.quick),
    ],
)
def test_default_run_writes_all_three_reports(run_cli: RunCli, models: tuple[str, ...]) -> None:
    run = run_cli("run", *models)
    assert run.exit_code == 0, run.output[-2000:]
    assert {"report.html", "results.json", "junit.xml"} <= set(run.files())
    assert run.results["summary"]["failed"] == 0
    assert "embedded reference server" in run.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--profile", "nosuch"], "unknown profile 'nosuch'"),
        (["--base-url", "not a url"], "is not an http(s) URL"),
        (["--base-url", "ftp://example.com/v1"], "is not an http(s) URL"),
        (["--models", "dall-e-9"], "'dall-e-9' not in profile openai"),
        (["--budget", "lots"], "--budget 'lots': expected a whole number"),
        (["--view", "sideways"], "--view 'sideways'"),
        (["--fault", "nosuch-fault"], "unknown fault 'nosuch-fault'"),
        # A DALL·E fault on the default GPT profile changes nothing (it passed 2,866 checks).
        (["--fault", "n-ignored"], "it applies with --profile openai-dalle"),
        (["--fault", "gpt-n-ignored", "--models", "gpt-image-2"], "asking n > 1"),
        (["--rate-limit", "fast"], "--rate-limit 'fast': expected N/s, N/m or N/h"),
    ],
)
def test_bad_input_is_one_line_and_exit_4(run_cli: RunCli, args: list[str], says: str) -> None:
    run = run_cli("run", *args)
    _one_clear_line(run)
    assert says in run.output


def test_malformed_profile_file(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nmodels: {dall-e-2: [\n")
    run = run_cli("run", "--profile", str(path))
    _one_clear_line(run)
    assert "malformed YAML" in run.output


def test_missing_key_for_a_real_endpoint(run_cli: RunCli) -> None:
    run = run_cli(
        "run",
        "--base-url",
        "https://api.example.com/v1",
        "--api-key-env",
        "IGC_UNSET_KEY",
        env={"IGC_UNSET_KEY": ""},
    )
    _one_clear_line(run)
    assert "IGC_UNSET_KEY is not set" in run.output


def test_profile_check_accepts_a_bundled_profile(run_cli: RunCli) -> None:
    run = run_cli("profile", "check", "openai")
    assert run.exit_code == 0
    assert "ok" in run.output


@pytest.mark.slow  # a whole run in a subprocess
def test_a_closed_port_is_an_error_not_a_failure(run_cli: RunCli) -> None:
    with socket.socket() as sock:  # a port nobody listens on once this closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = run_cli(
        "run",
        "--base-url",
        f"http://127.0.0.1:{port}/v1",
        "--api-key-env",
        "IGC_KEY",
        "--probes",
        "fixed",  # hundreds of fuzz probes would only repeat the same error
        env={"IGC_KEY": "sk-test"},
    )
    assert run.exit_code == 1
    summary = run.results["summary"]
    assert summary["error"] == len(run.results["checks"]) > 0
    assert summary["failed"] == 0
    assert f"cannot connect to 127.0.0.1:{port}: connection refused" in run.output


def test_serve_lists_its_faults(run_cli: RunCli) -> None:
    run = run_cli("serve", "--list-faults")
    assert run.exit_code == 0
    assert "accept-n-zero" in run.output
    assert "breaks validation.rejected" in run.output
    # Each fault says its family, operation and scope.
    assert (
        "n-ignored  [family dalle, operation generations, needs a valid request asking n > 1; "
        "shown with --profile openai-dalle; twin gpt-n-ignored]"
    ) in run.output.splitlines()


@pytest.mark.parametrize(
    "args", [["--fault", "typo"], ["--fault", "n-ignored"], ["--fault", "usage-missing"]]
)
def test_serve_refuses_a_fault_it_cannot_show(run_cli: RunCli, args: list[str]) -> None:
    # The default profile is openai (GPT models): the DALL·E faults change nothing.
    _one_clear_line(run_cli("serve", "--port", "0", *args))


def test_unknown_command(run_cli: RunCli) -> None:
    _one_clear_line(run_cli("frobnicate"))


def test_every_command_speaks_one_error_style(run_cli: RunCli) -> None:
    for args in (
        ("run", "--view", "sideways"),
        ("serve", "--port", "many"),
        ("serve", "--no-such-option"),
        ("gate",),
        ("matrix", "--out"),
        ("profile", "check"),
        ("frobnicate",),
    ):
        run = run_cli(*args)
        _one_clear_line(run)
        assert run.output.startswith("imagegen-conformance: error: "), run.output


def test_ctrl_c_stops_serve_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if first.startswith("note: "):  # the rate-limit advice comes before it listens
        first = proc.stdout.readline()  # printed once it listens
    assert "reference server (openai) at http://127.0.0.1:" in first
    url = first.split(" at ")[1].split()[0]
    for _ in range(300):  # Ctrl-C comes once it serves, as a user's does
        try:
            httpx.get(url + "/models", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert rest.strip() == "reference server stopped", rest
