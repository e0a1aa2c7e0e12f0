"""One price: the report, results.json and --plan price a run the same way, and
requests that cannot have reached a server are never "possibly billed"."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from tests.conftest import conformance

# The report's wording, today's and 662cf09's ("at most $X at list price"), HTML-escaped.
PRICE = re.compile(r"\$(\d+\.\d\d) at (?:the profile(?:'|&#x27;)s )?list price")


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = conformance(cwd, "run", *args, env=env, timeout=600)
    return proc.stdout + proc.stderr


@pytest.mark.slow  # a whole fixed run of the openai profile
def test_the_report_costs_what_the_plan_estimated(tmp_path: Path) -> None:
    args = ("--profile", "openai", "--probes", "fixed")
    plan = _cli(tmp_path, *args, "--plan")
    found = re.search(r"estimated \$(\d+\.\d\d) at the profile's prices", plan)
    assert found, plan[-2000:]
    _cli(tmp_path, *args, "--report-dir", str(tmp_path / "r"))
    html = (tmp_path / "r" / "report.html").read_text()
    in_report = PRICE.search(html)
    assert in_report, "no price in the report"
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["requests"]["billable"] > 0
    print(
        f"price: plan ${found.group(1)}, report ${in_report.group(1)}, "
        f"results.json {results['requests']['cost_usd']}"
    )
    assert in_report.group(1) == found.group(1)
    assert f"{results['requests']['cost_usd']:.2f}" == found.group(1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "base_url",
    ["http://nonexistent.invalid/v1", f"http://127.0.0.1:{_closed_port()}/v1"],
    ids=["unresolved-host", "refused-connection"],
)
def test_requests_that_cannot_have_reached_a_server_are_not_possibly_billed(
    tmp_path: Path, base_url: str
) -> None:
    out = _cli(
        tmp_path,
        "--profile",
        "openai-dalle",
        "--probes",
        "fixed",
        "--base-url",
        base_url,
        "--allow-insecure-http",
        "--report-dir",
        str(tmp_path / "r"),
        env={"OPENAI_API_KEY": "sk-test-key"},
    )
    assert "stopped: the server stopped answering" in out, out[-3000:]
    assert "possibly billed" not in out
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["requests"]["possibly_billed"] == 0
    assert results["summary"]["failed"] == 0
