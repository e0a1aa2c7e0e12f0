"""A query in the base URL (Azure's ``?api-version=``) is kept: paths join before it (D3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.config import check_base_url
from conformance.errors import ConfigError
from conformance.profile import load_profile
from conformance.server import ReferenceServer
from conformance.transport.values import Target
from conformance.vocabulary import OPERATION_PATHS
from tests.conftest import SuiteRun

Asgi = Callable[..., Any]
AZURE = "https://res.openai.azure.com/openai/v1?api-version=preview"


@pytest.mark.parametrize(
    ("given", "endpoint"),
    [
        (AZURE, "https://res.openai.azure.com/openai/v1/images/generations?api-version=preview"),
        (
            "https://h/openai/v1/?api-version=2025-04-01&x=a%20b",
            "https://h/openai/v1/images/generations?api-version=2025-04-01&x=a%20b",
        ),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1/images/generations"),
    ],
)
def test_the_endpoint_joins_its_path_before_the_query(given: str, endpoint: str) -> None:
    path = OPERATION_PATHS["generations"]
    assert Target(base_url=check_base_url(given)).url(path) == endpoint


def test_a_fragment_in_the_base_url_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="fragment"):
        check_base_url("https://h/v1#part")


def _seen_by(app: Asgi, seen: list[tuple[str, bytes]]) -> Asgi:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append((scope["path"], scope["query_string"]))
        await app(scope, receive, send)

    return wrapped


@pytest.mark.slow  # a whole modelmax run and its replay
def test_every_request_carries_the_query_and_evidence_shows_it(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    seen: list[tuple[str, bytes]] = []
    server = ReferenceServer(load_profile("modelmax"))
    server.app = _seen_by(server.app, seen)  # type: ignore[assignment]
    rec = tmp_path / "rec"
    with server:
        root = server.base_url
        base = root + "?api-version=preview"
        run = run_cli(
            "run",
            "--profile",
            "modelmax",
            "--base-url",
            base,
            "--api-key-env",
            "IGC_KEY",
            "--rate-limit",
            "none",
            "--fuzz-examples",
            "10",
            "--record",
            str(rec),
            env={"IGC_KEY": server.api_key},
        )
    assert run.exit_code == 0, run.output[-3000:]
    posts = [s for s in seen if s[0].endswith("/images/generations")]
    assert posts, seen[:5]
    assert {s for s in seen if "/files/" not in s[0]} == {  # image links are not the API
        ("/v1/images/generations", b"api-version=preview")
    }
    want = f"{root}/images/generations?api-version=preview"
    results = run.results
    assert results["target"]["base_url"] == base
    curls = [c["evidence"]["curl"] for c in results["checks"] if c["evidence"].get("curl")]
    assert curls
    assert all(curl.startswith(f"curl -sS -X POST '{want}'") for curl in curls), curls[0]
    recorded = json.loads((rec / "recording.json").read_text())
    urls = {e["request"]["url"] for e in recorded["exchanges"]}
    assert urls == {want}
    assert "<redacted>" not in want  # the query is no secret: it is kept as it is

    replay = run_cli("run", "--profile", "modelmax", "--replay", str(rec))
    assert replay.exit_code == 0, replay.output[-3000:]
