"""A copy-paste curl reproducer for an exchange, with the key as an env reference."""

from __future__ import annotations

import shlex

from conformance.exchange import RecordedRequest
from conformance.redact import REDACTED

# Headers curl sets itself, or that describe our client rather than the request.
_SKIP = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}


def curl_command(request: RecordedRequest, key_env: str) -> str:
    parts = [f"curl -sS -X {request.method} {shlex.quote(request.url)}"]
    for name, value in request.headers:
        if name.lower() in _SKIP:
            continue
        if REDACTED in value:
            # The key travels as "$VAR", expanded by the shell that runs the command.
            quoted = '"' + f"{name}: {value}".replace(REDACTED, f"${key_env}") + '"'
            parts.append(f"-H {quoted}")
        else:
            parts.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if request.body:
        parts.append(f"--data-raw {shlex.quote(request.body.decode('utf-8', 'replace'))}")
    return " \\\n  ".join(parts)
