"""The error envelope every OpenAI client parses.

``{"error": {"message": str, "type": str, "param": str|null, "code": str|null}}``
as JSON: the SDKs read ``error.message`` for the exception text and
``error.code``/``error.type`` to branch on.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import (
    Context,
    Result,
    check,
    describe_status,
    failed,
    kind_is,
    passed,
    skipped,
)


def envelope_problems(payload: Any) -> list[str]:
    """What is wrong with an error body; empty when it is the OpenAI envelope."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    err = payload.get("error")
    if not isinstance(err, dict):
        keys = ", ".join(sorted(payload)) or "none"
        return [f'no "error" object at the top level (keys: {keys})']
    problems = []
    message = err.get("message")
    if not isinstance(message, str) or not message.strip():
        problems.append("error.message is not a non-empty string")
    if not isinstance(err.get("type"), str):
        problems.append("error.type is not a string")
    for key in ("param", "code"):
        if key not in err:
            problems.append(f"error.{key} is missing")
        elif err[key] is not None and not isinstance(err[key], str):
            problems.append(f"error.{key} is {type(err[key]).__name__}, not a string or null")
    return problems


@check(
    "errors.envelope",
    title="error answer in OpenAI's envelope",
    severity="must",
    applies=kind_is("auth", "invalid", "balance"),
)
def envelope(ctx: Context) -> Result:
    response = ctx.response
    if response.status < 400:
        return skipped(f"answered {response.status}, not an error")
    if not response.is_json_type:
        return failed(f"{describe_status(response)}: an error answer must be application/json")
    if ctx.payload is None:
        return failed(f"{describe_status(response)}: the body is not valid JSON")
    problems = envelope_problems(ctx.payload)
    if problems:
        return failed("; ".join(problems))
    return passed("error, message, type, param and code as OpenAI sends them")
