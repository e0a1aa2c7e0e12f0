"""The reference server's error answers, all built by :func:`error_answer`.

A refusal (invalid request, missing or wrong key, empty balance) goes out in
the envelope the profile documents (``errors.envelope``: OpenAI's by default),
reshaped by whichever error fault is on; a transient hiccup (429/503) and a
missing file are answered as OpenAI answers them, which no fault reshapes
(``state`` None).
"""

from __future__ import annotations

import hmac
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from conformance.server import faults as f
from conformance.server.contract import Violation
from conformance.server.state import ReferenceState

Json = dict[str, Any]


def _html_error(status: int) -> Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a profile may document a status http.HTTPStatus lacks
        phrase = "Error"
    title = f"{status} {phrase}"
    page = (
        f"<html><head><title>{title}</title></head><body>"
        f"<center><h1>{title}</h1></center><hr><center>nginx</center></body></html>"
    )
    return HTMLResponse(page, status_code=status)


def _body(
    state: ReferenceState | None, status: int, message: str, type_: str, param: Any, code: Any
) -> Json:
    if state is not None and state.has(f.ERROR_FLAT):
        return {
            "object": "error",
            "message": message,
            "type": type_,
            "param": param,
            "code": status,
        }
    if state is not None and state.has(f.ERROR_NO_PARAM_CODE):
        return {"error": {"message": message, "type": type_}}
    if state is not None and state.has(f.ERROR_STRINGLY):
        return {
            "error": {"message": message, "type": type_, "param": str(param), "code": str(status)}
        }
    documented = state is not None and not state.has(f.ENVELOPE_IGNORED)
    envelope = state.profile.envelope if state is not None and documented else "openai"
    return _documented(envelope, status, message, type_, param, code)


def _documented(
    envelope: str, status: int, message: str, type_: str, param: Any, code: Any
) -> Json:
    """A refusal in the envelope the profile documents (errors.envelope)."""
    if envelope == "code-int":
        return {"code": status, "message": message}
    if envelope == "fastapi":
        if param is None:
            return {"detail": message}
        return {"detail": [{"loc": ["body", param], "msg": message, "type": type_}]}
    if envelope == "message-only":
        return {"error": {"message": message}}
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_answer(
    state: ReferenceState | None,
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error in the contract's envelope, unless an error fault of ``state`` reshapes it."""
    if state is not None and state.has(f.ERROR_HTML):
        return _html_error(status)
    body = _body(state, status, message, type_, param, code)
    return JSONResponse(body, status_code=status, headers=headers)


def validation_error(state: ReferenceState, violation: Violation) -> Response:
    kind = state.error_kind(violation.kind)
    status, type_ = kind.status[0], "invalid_request_error"
    if state.has(f.VALIDATION_500):
        status, type_ = 500, "server_error"
    elif state.has(f.VALIDATION_422):
        status = 422
    param = None if state.has(f.WRONG_PARAM) else violation.param
    # A code the profile documents for this kind of refusal wins over ours.
    code = kind.code or violation.code
    return error_answer(state, status, violation.message, type_=type_, param=param, code=code)


def _balance_refusal(state: ReferenceState) -> Response:
    documented = state.profile.error("insufficient_balance")
    status = documented.status[0] if documented else 429
    code = (documented.code if documented else None) or "insufficient_quota"
    type_ = "insufficient_quota"
    if state.has(f.BALANCE_403):
        status, code, type_ = 403, "insufficient_user_quota", "one_api_error"
    message = "You exceeded your current quota: the balance of this key is empty."
    return error_answer(state, status, message, type_=type_, code=code)


def auth_refusal(request: Request, state: ReferenceState) -> Response | None:
    """The refusal a request's key earns (none, wrong, empty balance), or None."""
    auth = state.profile.auth
    sent = request.headers.get(auth.header)
    if sent is None:
        if not auth.required or state.has(f.ACCEPT_MISSING_KEY):
            return None
        message = (
            f"You didn't provide an API key. Send it in the {auth.header} header "
            f"({auth.value('YOUR_KEY')})."
        )
    else:
        expected = auth.value(state.api_key).encode()
        if state.zero_balance_key and hmac.compare_digest(
            sent.encode("latin-1"), auth.value(state.zero_balance_key).encode()
        ):
            return _balance_refusal(state)
        if state.has(f.ACCEPT_WRONG_KEY) or hmac.compare_digest(sent.encode("latin-1"), expected):
            return None
        # The key is not echoed back: it may be someone's real one sent by mistake.
        message = "Incorrect API key provided."
    # No key at all is refused as errors.missing_key documents (unauthorized's by default).
    missing = sent is None and not state.has(f.MISSING_KEY_AS_WRONG_KEY)
    kind = state.error_kind("missing_key" if missing else "unauthorized")
    status, code = kind.status[0], kind.code or "invalid_api_key"
    if state.has(f.AUTH_403):
        status, code = 403, "forbidden"
    return error_answer(state, status, message, code=code)


def transient(status: int) -> Response:
    """A hiccup, in the envelope OpenAI uses: nothing is generated or billed."""
    if status == 429:
        return error_answer(
            None,
            429,
            "Rate limit reached for requests. Please try again in 1s.",
            type_="requests",
            code="rate_limit_exceeded",
            headers={"Retry-After": "1"},
        )
    return error_answer(
        None, status, "The server is overloaded or not ready yet.", type_="server_error"
    )


def file_not_found() -> Response:
    return error_answer(
        None, 404, "No such file: it never existed or has expired.", code="not_found"
    )
