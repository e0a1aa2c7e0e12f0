"""Authentication: a request without a key, or with a wrong one, is refused."""

from __future__ import annotations

from conformance.checks.base import Context, Result, check, failed, kind_is, passed


@check(
    "auth.rejected", title="refused without a valid key", severity="must", applies=kind_is("auth")
)
def rejected(ctx: Context) -> Result:
    """The documented unauthorized status (401 at OpenAI), never an image."""
    status = ctx.status
    allowed, _ = ctx.expected_error()
    if status in allowed:
        return passed(f"answered {status}")
    want = " or ".join(str(s) for s in allowed)
    if 200 <= status < 300:
        return failed(
            f"answered {status} and served the request ({ctx.probe.title}); expected {want}"
        )
    return failed(f"answered {status}; expected {want} for {ctx.probe.title}")
