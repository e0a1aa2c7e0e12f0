"""An empty balance: refused with the documented status, never served.

Only with a key whose balance is empty (the reference server has one;
for a vendor, --zero-balance-key-env). OpenAI answers 429 with code
insufficient_quota, which its SDK maps to RateLimitError (and retries); several
resellers document 402 instead.
"""

from __future__ import annotations

from conformance.checks.base import Context, Result, check, failed, kind_is, passed


@check(
    "balance.insufficient",
    title="an empty balance is refused as documented",
    severity="should",
    applies=kind_is("balance"),
)
def insufficient(ctx: Context) -> Result:
    allowed, code = ctx.expected_error()
    status = ctx.status
    want = " or ".join(str(s) for s in allowed) + (f" with code {code}" if code else "")
    if 200 <= status < 300:
        return failed(
            f"served a request made with an empty-balance key ({status}); expected {want}"
        )
    if status not in allowed:
        return failed(f"answered {status}; expected {want}")
    if code:
        payload = ctx.payload
        err = payload.get("error") if isinstance(payload, dict) else None
        got = err.get("code") if isinstance(err, dict) else None
        if got != code:
            return failed(f"answered {status} with code {got!r}; expected code {code!r}")
    return passed(f"answered {status}" + (f" with code {code}" if code else ""))
