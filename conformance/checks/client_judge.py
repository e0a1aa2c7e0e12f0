"""Verdicts from observations: one set of rules for every client.

*generates*: the call returned, the app's code read every image and got image
bytes (a known signature) or an absolute http(s) URL; a stream must end in an
``image_generation.completed`` event. *refusal*: the call raised the client's
documented error for one of the documented statuses.
"""

from __future__ import annotations

from conformance.checks.base import Result, errored, failed, passed, skipped
from conformance.clients import NOT_RUN
from conformance.clients.observation import NotRun, Observation
from conformance.imaging import sniff

# openai-python and openai-node raise one class per status (their _makeStatusError).
OPENAI_BY_STATUS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}


def openai_error_for(status: int) -> str:
    if status >= 500:
        return "InternalServerError"
    return OPENAI_BY_STATUS.get(status, "APIStatusError")


def _unjudged(found: Observation | NotRun) -> Result | None:
    if isinstance(found, NotRun):
        return skipped(f"{NOT_RUN}{found.reason}")
    if found.harness:
        return errored(f"the client replay failed: {found.harness}")
    if not found.sent:
        why = f": {found.raised.text()}" if found.raised else ""
        return skipped(f"the client cannot make this call{why}")
    return None


def _svg(head: bytes) -> str | None:
    """An SVG document (output_format svg) is what the app asked for, not a broken image."""
    return "svg" if head.lstrip().startswith((b"<?xml", b"<svg")) else None


def generates(
    found: Observation | NotRun, call: str, completed: str = "image_generation.completed"
) -> Result:
    """``completed``: the stream event an app waits for (``image_edit.completed`` on edits)."""
    if (early := _unjudged(found)) is not None:
        return early
    assert isinstance(found, Observation)
    streamed = call in ("stream", "edit-stream")
    verb = "iterating the stream" if streamed else "the call"
    if found.raised is not None:
        seen = f" after {len(found.events)} event(s)" if found.events else ""
        return failed(f"{verb} raised {found.raised.text()}{seen}")
    if found.problem is not None:
        return failed(found.problem)
    if streamed and not found.images:
        kinds = ", ".join(dict.fromkeys(found.events)) or "none"
        return failed(
            f"the stream ended after {len(found.events)} event(s) ({kinds}) without "
            f"{completed}: no image and no error"
        )
    shown = []
    for read in found.images:
        if read.url is not None:
            shown.append(f"{read.where}: an absolute URL")
            continue
        kind = sniff(read.head) or _svg(read.head)
        if kind is None:
            return failed(
                f"{read.where} decoded to {read.size} bytes that are no image "
                f"(they start {read.head[:8]!r})"
            )
        shown.append(f"{read.where}: {kind}, {read.size} bytes")
    if not shown:
        return failed("no image came back")
    return passed("; ".join(shown))


def refusal(
    found: Observation | NotRun, expected: tuple[str, ...], statuses: tuple[int, ...]
) -> Result:
    """The call raised one of ``expected`` (class names); with ``statuses``, one of those."""
    if (early := _unjudged(found)) is not None:
        return early
    assert isinstance(found, Observation)
    want = " or ".join(dict.fromkeys(expected))
    if statuses:
        want += f" (status {' or '.join(str(s) for s in statuses)})"
    if found.raised is None:
        return failed(f"the call returned normally; the app expects {want}")
    names = set(found.raised.names)
    status_ok = not statuses or found.raised.status in statuses
    if names & set(expected) and status_ok:
        return passed(f"raised {found.raised.text()}")
    status = f" with status {found.raised.status}" if found.raised.status is not None else ""
    return failed(f"raised {found.raised.text()}{status}; the app expects {want}")
