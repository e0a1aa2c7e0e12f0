"""The error envelope every OpenAI client parses.

``{"error": {"message": str, "type": str, "param": str|null, "code": str|null}}``
as JSON: the SDKs read ``error.message`` for the exception text and
``error.code``/``error.type`` to branch on. The docs view judges the envelope
the vendor documents instead (``errors.envelope``: code-int, fastapi,
message-only; :mod:`conformance.profile.errors_shape`).
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
from conformance.profile.errors_shape import Envelope


def _code_int_problems(payload: dict[str, Any]) -> list[str]:
    problems = []
    code = payload.get("code")
    if isinstance(code, bool) or not isinstance(code, int):
        problems.append(f"code is {code!r}, not the documented top-level integer")
    message = payload.get("message")
    if not isinstance(message, str) or not message.strip():
        problems.append("message is not a non-empty string")
    return problems


def _fastapi_problems(payload: dict[str, Any]) -> list[str]:
    detail = payload.get("detail")
    if isinstance(detail, str):
        return [] if detail.strip() else ["detail is an empty string"]
    if not isinstance(detail, list) or not detail:
        keys = ", ".join(sorted(payload)) or "none"
        return [f"no detail string or list at the top level (keys: {keys})"]
    bad = [
        i
        for i, entry in enumerate(detail)
        if not isinstance(entry, dict) or not isinstance(entry.get("msg"), str)
    ]
    return [f"detail[{bad[0]}] has no msg string"] if bad else []


def _message_only_problems(payload: dict[str, Any]) -> list[str]:
    err = payload.get("error")
    if not isinstance(err, dict):
        keys = ", ".join(sorted(payload)) or "none"
        return [f'no "error" object at the top level (keys: {keys})']
    message = err.get("message")
    if not isinstance(message, str) or not message.strip():
        return ["error.message is not a non-empty string"]
    return []


# Each envelope a profile can document (errors.envelope) but OpenAI's.
_DOCUMENTED = {
    "code-int": _code_int_problems,
    "fastapi": _fastapi_problems,
    "message-only": _message_only_problems,
}
_WORDS = {
    "openai": "error, message, type, param and code as OpenAI sends them",
    "code-int": "a top-level integer code and message, as the vendor documents",
    "fastapi": "FastAPI's detail, as the vendor documents",
    "message-only": "error.message, as the vendor documents",
}


def envelope_problems(payload: Any, envelope: Envelope = "openai") -> list[str]:
    """What is wrong with an error body; empty when it is in ``envelope`` (OpenAI's by default)."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    if envelope in _DOCUMENTED:
        return _DOCUMENTED[envelope](payload)
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
    problems = envelope_problems(ctx.payload, ctx.envelope)
    if problems:
        return failed("; ".join(problems))
    return passed(_WORDS[ctx.envelope])


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
    if ctx.envelope in ("code-int", "fastapi"):
        return skipped(f"the {ctx.envelope} envelope has no param or string code")
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


def named_param(payload: Any, envelope: Envelope) -> tuple[bool, Any]:
    """Whether a refusal in ``envelope`` can name a parameter, and the one it names
    (``error.param``; FastAPI: the last part of ``detail[0].loc``)."""
    if envelope in ("code-int", "message-only"):
        return False, None
    if envelope == "fastapi":
        detail = payload.get("detail") if isinstance(payload, dict) else None
        first = detail[0] if isinstance(detail, list) and detail else None
        loc = first.get("loc") if isinstance(first, dict) else None
        return True, loc[-1] if isinstance(loc, list) and loc else None
    err = payload.get("error") if isinstance(payload, dict) else None
    return True, err.get("param") if isinstance(err, dict) else None
