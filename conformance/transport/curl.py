"""A copy-paste curl reproducer for an exchange, with the key as an env reference."""

from __future__ import annotations

import shlex

from conformance.edits.reproduce import form_args, is_multipart
from conformance.exchange import RecordedRequest, header
from conformance.redact import REDACTED

# Headers curl sets itself, or that describe our client rather than the request.
_SKIP = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}


def curl_command(request: RecordedRequest, key_env: str) -> str:
    """The request as a curl command; a multipart edit as ``-F`` parts whose files
    are written beside the report (run it from the report's directory)."""
    content_type = header(request.headers, "content-type")
    multipart = is_multipart(content_type)
    parts = [f"curl -sS -X {request.method} {shlex.quote(request.url)}"]
    for name, value in request.headers:
        if name.lower() in _SKIP or (multipart and name.lower() == "content-type"):
            continue  # curl writes its own multipart Content-Type, with its boundary
        if REDACTED in value:
            # The key travels as "$VAR", expanded by the shell that runs the command.
            quoted = '"' + f"{name}: {value}".replace(REDACTED, f"${key_env}") + '"'
            parts.append(f"-H {quoted}")
        else:
            parts.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if multipart and content_type is not None:
        parts += form_args(request.body, content_type)
    elif request.body:
        parts.append(f"--data-raw {shlex.quote(request.body.decode('utf-8', 'replace'))}")
    return " \\\n  ".join(parts)
