"""The error envelope every OpenAI client parses.

``{"error": {"message": str, "type": str, "param": str|null, "code": str|null}}``
as JSON: the SDKs read ``error.message`` for the exception text and
``error.code``/``error.type`` to branch on.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import (
    EDITS_TOO,
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
    operations=EDITS_TOO,
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


# What a gateway writes when it stringifies a missing value.
_STRINGIFIED_NULLS = frozenset({"None", "none", "null", "nil", "undefined", ""})


@check(
    "errors.fields",
    title="error param and code are real values, not placeholders",
    severity="should",
    applies=kind_is("auth", "invalid", "balance"),
    operations=EDITS_TOO,
)
def fields(ctx: Context) -> Result:
    """Clients branch on ``error.code`` and test ``if error.param``: a stringified
    null ("None") or the HTTP status as the code ("400") misleads both."""
    response = ctx.response
    if response.status < 400:
        return skipped(f"answered {response.status}, not an error")
    payload = ctx.payload
    err = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(err, dict):
        return skipped("no error object (judged by errors.envelope)")
    problems = []
    param, code = err.get("param"), err.get("code")
    if isinstance(param, str) and param in _STRINGIFIED_NULLS:
        problems.append(f"error.param is the string {param!r} where null means no parameter")
    if isinstance(code, str) and code.isdigit():
        problems.append(f"error.code is {code!r}, an HTTP status, not an error code")
    if problems:
        return failed("; ".join(problems))
    return passed(f"param {param!r}, code {code!r}")
