"""Redaction and the curl reproducer."""

from __future__ import annotations

import json
import shlex

from conformance.exchange import RecordedRequest
from conformance.redact import REDACTED, Redactor
from conformance.transport.curl import curl_command


def test_redactor_replaces_every_secret_everywhere() -> None:
    redactor = Redactor(["sk-abc", "sk-abcdef"])
    assert redactor.text("a sk-abcdef b sk-abc") == f"a {REDACTED} b {REDACTED}"
    assert redactor.bytes(b"Bearer sk-abc") == f"Bearer {REDACTED}".encode()
    assert redactor.headers([("Authorization", "Bearer sk-abc")]) == [
        ("Authorization", f"Bearer {REDACTED}")
    ]


def test_curl_refers_to_the_key_by_its_variable() -> None:
    body = json.dumps({"prompt": "it's a cube", "model": "dall-e-3"}).encode()
    request = RecordedRequest(
        method="POST",
        url="https://api.example.com/v1/images/generations",
        headers=[
            ("Host", "api.example.com"),
            ("Content-Type", "application/json"),
            ("Authorization", f"Bearer {REDACTED}"),
        ],
        body=body,
    )
    command = curl_command(request, "VENDOR_KEY")
    assert '-H "Authorization: Bearer $VENDOR_KEY"' in command
    assert REDACTED not in command
    assert "Host:" not in command
    # The shell gives back the exact body that was sent.
    words = shlex.split(command.replace("\\\n", " ").replace("$VENDOR_KEY", "K"))
    assert words[words.index("--data-raw") + 1].encode() == body
