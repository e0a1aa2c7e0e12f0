"""Drop-in client: the official ``openai`` SDK, fed the server's recorded answers.

The SDK sends its own request for the probe's parameters into a replay transport
that answers with exactly what the server answered, so what the SDK makes of it
is what a drop-in client would see — judged offline, at no extra cost, and the
same on a replayed run. Strict response validation is on and retries are off.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any

import openai

from conformance.checks.base import Context, Result, check, failed, passed
from conformance.exchange import RecordedResponse

# Hop-by-hop and encoding headers describe the original wire form, not our bytes.
_DROP = {"content-encoding", "content-length", "transfer-encoding", "connection"}


@cache
def _http_module() -> ModuleType:
    """The HTTP library this SDK version is built on (httpx, or httpx2 in SDK 3.x)."""
    for base in openai.DefaultHttpxClient.__mro__[1:]:
        root = base.__module__.split(".")[0]
        if root.startswith("httpx"):
            return importlib.import_module(root)
    return importlib.import_module("httpx")


def sdk_call(ctx: Context) -> tuple[Any, BaseException | None]:
    """Run ``client.images.generate`` against the recorded answer."""
    http = _http_module()
    recorded: RecordedResponse = ctx.response
    headers = [(k, v) for k, v in recorded.headers if k.lower() not in _DROP]

    def answer(request: Any) -> Any:
        return http.Response(recorded.status, headers=headers, content=recorded.body)

    client = openai.OpenAI(
        api_key="sk-replay-not-a-real-key",
        base_url="http://replay.invalid/v1",
        max_retries=0,
        http_client=http.Client(transport=http.MockTransport(answer)),
        # The drop-in view (and OpenAI's own profile) validates the SDK's types
        # strictly; vendor docs show the SDK with its lenient default.
        _strict_response_validation=ctx.profile.strict_types,
    )
    kwargs = dict(ctx.probe.body or {})
    kwargs.setdefault("prompt", "")
    try:
        with client:
            return client.images.generate(**kwargs), None
    except Exception as exc:  # the verdict is which exception, if any
        return None, exc


def _name(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}"


@check(
    "sdk.parses",
    title="the openai SDK parses the answer",
    severity="must",
    # A stream's answer is events (stream.*); this check calls without stream=True.
    applies=lambda p: p.kind in ("valid", "example") and not p.expect.stream,
)
def parses(ctx: Context) -> Result:
    result, exc = sdk_call(ctx)
    if exc is not None:
        return failed(f"client.images.generate raised {_name(exc)}")
    if not isinstance(result, openai.types.ImagesResponse):
        return failed(
            f"client.images.generate returned {type(result).__name__}, "
            "not ImagesResponse (a non-JSON answer)"
        )
    return passed(f"ImagesResponse with {len(result.data or [])} image(s)")


# The exception the SDK raises for each status (openai._client._make_status_error).
_BY_STATUS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def _documented(ctx: Context, default: type[BaseException]) -> type[BaseException]:
    """What the SDK raises for the status this view's rules document."""
    statuses, _ = ctx.expected_error()
    return _BY_STATUS.get(statuses[0], default) if statuses else default


def _raises(ctx: Context, expected: type[BaseException]) -> Result:
    expected = _documented(ctx, expected)
    _, exc = sdk_call(ctx)
    if exc is None:
        return failed(f"client.images.generate returned normally; expected {expected.__name__}")
    if isinstance(exc, expected):
        return passed(f"raised {_name(exc)}")
    return failed(f"raised {_name(exc)}; expected {expected.__name__}")


@check(
    "sdk.bad-request",
    title="the openai SDK raises the documented error (BadRequestError) on invalid input",
    severity="must",
    applies=lambda p: p.kind == "invalid" and p.id == "prompt-empty",
)
def bad_request(ctx: Context) -> Result:
    return _raises(ctx, openai.BadRequestError)


@check(
    "sdk.authentication",
    title="the openai SDK raises the documented error (AuthenticationError) on a wrong key",
    severity="must",
    applies=lambda p: p.kind == "auth" and p.id == "wrong-key",
)
def authentication(ctx: Context) -> Result:
    return _raises(ctx, openai.AuthenticationError)
