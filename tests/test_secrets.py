"""A planted canary key appears nowhere: not in any output, report or results file.

The server here echoes the caller's Authorization header back, in a response
header and inside every JSON body, the way some gateways quote a bad key in
their error message; so redaction is tested on what comes back, not only on
what is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun

CANARY = "sk-canary-7f3a9c1e5b2d4086a1b3c5d7e9f10234"
Asgi = Callable[..., Any]


def echo_credentials(app: Asgi) -> Asgi:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"")
        messages: list[dict[str, Any]] = []

        async def buffer(message: dict[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, buffer)
        start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
        if body.startswith(b"{"):
            data = json.loads(body)
            data["echo"] = auth.decode()
            body = json.dumps(data).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers += [(b"content-length", str(len(body)).encode()), (b"x-echo-authorization", auth)]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


# Tracebacks with local variables, and httpcore's debug log (which quotes every
# header it receives, the echoed key included) live on the terminal.
VERBOSE = ("--showlocals", "-o", "log_cli=true", "--log-cli-level=DEBUG", "--log-level=DEBUG")


@pytest.mark.slow  # whole runs
@pytest.mark.parametrize(
    ("faults", "extra"),
    [((), ()), (("error-html", "b64-data-uri", "created-ms"), VERBOSE)],
    ids=["passing-run", "failing-run"],
)
def test_canary_key_never_leaks(
    run_cli: Callable[..., SuiteRun], faults: tuple[str, ...], extra: tuple[str, ...]
) -> None:
    server = ReferenceServer(load_profile("openai"), faults=faults, api_key=CANARY)
    server.app = echo_credentials(server.app)  # type: ignore[assignment]
    with server:
        run = run_cli(
            "run",
            "--base-url",
            server.base_url,
            "--api-key-env",
            "IGC_CANARY",
            # Every probe, fuzz and its shrinking included: more output to leak into.
            "--rate-limit",
            "none",
            "-v",
            "--tb=long",
            "-rA",
            *extra,
            env={"IGC_CANARY": CANARY},
        )
    assert run.exit_code == (1 if faults else 0), run.output[-3000:]
    assert "<redacted>" in run.output + "".join(run.files().values())
    assert CANARY not in run.output
    for name, text in run.files().items():
        assert CANARY not in text, f"the key leaked into {name}"
    assert {"report.html", "results.json", "junit.xml"} <= set(run.files())


def test_plain_http_to_another_host_is_refused_before_the_key_is_read(
    run_cli: Callable[..., SuiteRun],
) -> None:
    run = run_cli(
        "run",
        "--base-url",
        "http://api.example.com/v1",
        "--api-key-env",
        "IGC_CANARY",
        env={"IGC_CANARY": CANARY},
    )
    assert run.exit_code == 4
    assert run.output.strip().splitlines() == [
        "imagegen-conformance: error: --base-url http://api.example.com/v1 would send "
        "the API key over plain http "
        "to api.example.com; use https, or pass --allow-insecure-http if you mean it"
    ]
