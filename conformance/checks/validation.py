"""Request validation: invalid input is refused with a 4xx naming the field.

Never a 2xx (that is also a billed image) and never a 5xx (clients retry those,
so a 5xx can mean the same bad request billed several times).
"""

from __future__ import annotations

from conformance.checks.base import (
    EDITS_TOO,
    Context,
    Result,
    check,
    error_text,
    failed,
    kind_is,
    passed,
    redirect_note,
    skipped,
)
from conformance.checks.errors import named_param


def _is_4xx(status: int) -> bool:
    return 400 <= status < 500


def _not_promised(ctx: Context) -> Result | None:
    """Why this view does not judge the probe's refusal (the docs never promise it,
    or OpenAI's clients send the field), or None."""
    expect = ctx.probe.expect
    if ctx.view in expect.accepted_in:
        return skipped(
            f"not expected refused in this view: {expect.accepted_why} "
            "(judged by validation.not-refused)"
        )
    return None


@check(
    "validation.rejected",
    title="invalid request refused with a 4xx",
    severity="must",
    applies=kind_is("invalid"),
    operations=EDITS_TOO,
)
def rejected(ctx: Context) -> Result:
    if (unjudged := _not_promised(ctx)) is not None:
        return unjudged
    status = ctx.status
    if _is_4xx(status):
        return passed(f"answered {status}")
    if 200 <= status < 300:
        billed = ctx.exchange.billed
        return failed(
            f"accepted {ctx.probe.title} with {status}"
            + (f" and billed {billed} image(s)" if billed else "")
        )
    if status >= 500:
        tries = len(ctx.exchange.attempts)
        every = f" on each of {tries} attempts" if tries > 1 else ""
        return failed(
            f"answered {status}{every} to {ctx.probe.title}: invalid input must get a 4xx; "
            f"clients retry a 5xx ({error_text(ctx.response, 80)!r})"
        )
    return failed(f"answered {status} to {ctx.probe.title}; expected a 4xx{redirect_note(ctx)}")


@check(
    "validation.status",
    title="documented status for an invalid request",
    severity="should",
    applies=kind_is("invalid"),
    operations=EDITS_TOO,
)
def status(ctx: Context) -> Result:
    if (unjudged := _not_promised(ctx)) is not None:
        return unjudged
    allowed, _ = ctx.expected_error()
    if not _is_4xx(ctx.status):
        return skipped(f"answered {ctx.status}, not a 4xx (judged by validation.rejected)")
    if ctx.status in allowed:
        return passed(f"answered {ctx.status}")
    want = " or ".join(str(s) for s in allowed)
    return failed(f"answered {ctx.status} to {ctx.probe.title}; the contract says {want}")


@check(
    "validation.param",
    title="error names the offending parameter",
    severity="should",
    applies=lambda p: p.kind == "invalid" and p.expect.param is not None,
    operations=EDITS_TOO,
)
def param(ctx: Context) -> Result:
    if (unjudged := _not_promised(ctx)) is not None:
        return unjudged
    want = ctx.probe.expect.param
    if not _is_4xx(ctx.status):
        return skipped(f"answered {ctx.status}, not a 4xx (judged by validation.rejected)")
    payload = ctx.payload
    if ctx.envelope == "fastapi":
        _, named = named_param(payload, ctx.envelope)
        if named == want:
            return passed(f"detail[0].loc names {want!r}")
        return failed(f"detail[0].loc names {named!r}; expected {want!r}")
    if not named_param(payload, ctx.envelope)[0]:
        return skipped(f"the vendor's {ctx.envelope} envelope names no parameter")
    err = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(err, dict) or "param" not in err:
        return failed(f"no error.param in the answer; expected {want!r}")
    if err["param"] == want:
        return passed(f"error.param is {want!r}")
    return failed(f"error.param is {err['param']!r}; expected {want!r}")


@check(
    "validation.not-refused",
    title="a field the rules do not refuse is not refused",
    severity="should",
    applies=lambda p: p.kind == "invalid" and bool(p.expect.accepted_in),
)
def not_refused(ctx: Context) -> Result:
    """OpenAI refuses an unknown value or field, but a vendor's docs may call the
    field free-form, or say unknown fields are ignored; and a client written for
    OpenAI sends ``size`` where a vendor takes other dimensions. Where a view's
    rules accept the request, a refusal breaks what they promise."""
    expect = ctx.probe.expect
    if ctx.view not in expect.accepted_in:
        return skipped("expected refused in this view (judged by validation.rejected)")
    status = ctx.status
    if 200 <= status < 300:
        return passed(f"answered {status}: {expect.accepted_why}")
    return failed(
        f"answered {status} to {ctx.probe.title} ({error_text(ctx.response, 80)!r}); "
        f"not expected refused: {expect.accepted_why}"
    )
