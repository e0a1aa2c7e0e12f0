"""Recorded edits: replayed offline (nothing sent), read by openai-python's
images.edit (JSON and stream), and reproduced by the report's curl -F command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.clients.python import replay_client
from conformance.edits.reproduce import parts
from conformance.exchange import header
from conformance.profile import load_profile
from conformance.recording import read_recording
from conformance.server.runner import ReferenceServer
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
ONE = ("--profile", "openai", "--models", "gpt-image-2", "--probes", "fixed")


def _edit_args(body: bytes, content_type: str) -> dict[str, Any]:
    """images.edit's arguments that send the recorded parts again."""
    kwargs: dict[str, Any] = {}
    images = []
    for part in parts(body, content_type):
        if part.filename is None:
            value = part.data.decode()
            kwargs[part.name] = {"true": True, "false": False}.get(value, value)
        elif part.name in ("image", "image[]"):
            images.append((part.filename, part.data, part.content_type))
        elif part.name == "mask":
            kwargs["mask"] = (part.filename, part.data, part.content_type)
    kwargs["image"] = images if len(images) > 1 else images[0]
    for name in ("n", "partial_images"):
        if name in kwargs:
            kwargs[name] = int(kwargs[name])
    return kwargs


def test_recorded_edits_replay_into_openai_python_images_edit(
    tmp_path: Path, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "rec"
    with ReferenceServer(load_profile("openai")) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        target = (*ONE, "--base-url", server.base_url, "-k", "edits.")
        run = run_suite(*target, "--record", str(record))
        assert run.exit_code == 0
        after_recording = server.stats()
        # The whole run again from the recording: the same verdicts, nothing sent.
        replay = run_suite(*target, "--replay", str(record))
        assert server.stats() == after_recording
    assert replay.exit_code == 0
    assert {c["id"]: c["outcome"] for c in replay.results["checks"]} == {
        c["id"]: c["outcome"] for c in run.results["checks"]
    }
    exchanges = read_recording(record).exchanges
    edits = {k: e for k, e in exchanges.items() if e.request.url.endswith("/images/edits")}
    assert {"gpt-image-2/edit-multi-mask", "gpt-image-2/edit-stream"} <= set(edits)
    seen = set()
    for key, exchange in edits.items():
        recorded = exchange.response
        assert recorded is not None
        if recorded.status != 200:
            continue
        ctype = header(exchange.request.headers, "content-type")
        assert ctype is not None
        kwargs = _edit_args(exchange.request.body, ctype)
        sent: list[bytes] = []
        with replay_client(recorded, strict=True, sent=sent) as client:
            result = client.images.edit(**kwargs)
            if kwargs.get("stream"):
                kinds = [type(e).__name__ for e in result]
                assert kinds == ["ImageEditPartialImageEvent", "ImageEditCompletedEvent"], key
                seen.add("stream")
            else:
                assert len(result.data) == 2, key
                assert result.usage.input_tokens_details.image_tokens > 0
                seen.add("json")
        # The SDK rebuilt the same parts (names, files, types) from the arguments.
        assert b'name="image' in sent[0]
    assert seen == {"json", "stream"}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_reproducer_gets_the_same_answer(
    tmp_path: Path, run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-reference-curl-test"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with ReferenceServer(load_profile("openai"), api_key=key) as server:
        run = run_suite(*ONE, "--base-url", server.base_url, "-k", "edits. or validation.status")
        assert run.exit_code == 0
        evidence = {
            c["id"].split("[")[1].rstrip("]"): c["evidence"]
            for c in run.results["checks"]
            if "edit-" in c["id"] and c["evidence"].get("curl")
        }
        for probe_id in ("edit-multi-mask", "edit-stream", "edit-octet-stream", "edit-mask-twice"):
            shown = evidence[probe_id]
            command = shown["curl"].replace("\\\n", " ")
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=run.report_dir,
                capture_output=True,
                timeout=60,
                env={"OPENAI_API_KEY": key, "PATH": os.environ["PATH"]},
                check=True,
            )
            recorded = shown["response"]["body"]
            if probe_id == "edit-stream":
                kinds = [x for x in done.stdout.decode().splitlines() if x.startswith("event:")]
                assert kinds == ["event: image_edit.partial_image", "event: image_edit.completed"]
                continue
            answer = json.loads(done.stdout)
            if "error" in answer:
                assert answer == recorded, probe_id
            else:
                same = ("size", "quality", "output_format", "background", "usage")
                assert {k: answer[k] for k in same} == {k: recorded[k] for k in same}
                assert len(answer["data"]) == 2
