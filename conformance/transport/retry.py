"""When to try a request again, and how long to wait first.

The rule (README "Transient vs failing"):

* 429, 502, 503 and 504 are transient for every request: rate limits, gateways
  and overload say nothing about the request itself.
* 500 and the other 5xx are transient for a well-formed request (a valid or an
  auth probe); a 500 (or 501, 505, ...) on every one of its retries is the
  server's answer to that request, the verdict (``generation.status`` fails; a
  gateway that always 500s a stream is broken, not busy). To a *bad* request a
  500 is the server's answer to that input: it is asked once more, to be sure,
  and a second 5xx is the verdict (``validation.rejected`` fails); so is a
  502-504 on every attempt. The transport still errors such a verdict when the
  server answered nothing else.
* A connection reset or a broken answer is transient; a timeout is retried once
  (each costs a whole deadline), but not in an event stream that had started
  (the transport decides: its answer, and a retry would bill again); a refused
  connection or an unknown host is not (nothing there to wait for).
* Waits double from ``backoff_s`` up to ``max_backoff_s`` with jitter; a
  ``retry-after-ms`` or ``Retry-After`` header wins, up to ``max_wait_s``; a
  server that asks for longer is not retried.
* A 429 saying the quota is exhausted is not retried: waiting will not refill it;
  the run could not judge that request. To the request made with an empty-balance
  key any 429 is the answer it was sent for.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

from conformance.exchange import Headers, header

# Transient whatever was asked: rate limit, bad gateway, overloaded, gateway timeout.
TRANSIENT_ALWAYS = frozenset({429, 502, 503, 504})
# A 429 with one of these error codes will not clear by waiting.
FINAL_429_CODES = frozenset({"insufficient_quota"})

# well-formed: a valid or auth probe; bad-input: a request sent to be refused;
# empty-balance: the request made with an empty-balance key, whose 429 is the answer.
Kind = Literal["well-formed", "bad-input", "empty-balance"]


@dataclass(frozen=True)
class RetryPolicy:
    # Eight: at 20% transient answers a probe still gives up only once in ~2 million.
    retries: int = 8
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_wait_s: float = 60.0
    timeout_retries: int = 1
    bad_input_5xx_retries: int = 1

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Wait before retry number ``retry`` (1-based): exponential, jittered."""
        base = min(self.max_backoff_s, self.backoff_s * 2.0 ** (retry - 1))
        jitter: float = (rng or random).uniform(0.5, 1.0)
        return base * jitter


@dataclass(frozen=True)
class Decision:
    """What to do after one attempt."""

    action: Literal["final", "retry", "give-up"]
    wait_s: float = 0.0
    reason: str = ""


def retry_after(headers: Headers, now: float | None = None) -> float | None:
    """Seconds the server asks to wait: ``retry-after-ms`` first, then ``Retry-After``."""
    ms = header(headers, "retry-after-ms")
    if ms is not None:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = header(headers, "retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _error_code(body: bytes) -> str | None:
    try:
        payload = json.loads(body[:65536].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    err = payload.get("error") if isinstance(payload, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return code if isinstance(code, str) else None


def _wait(
    policy: RetryPolicy, retry: int, asked: float | None, rng: random.Random | None
) -> Decision:
    if asked is None:
        return Decision("retry", policy.backoff(retry, rng))
    if asked > policy.max_wait_s:
        return Decision(
            "give-up",
            reason=f"the server asks to retry after {asked:g} s, "
            f"more than the {policy.max_wait_s:g} s a run waits",
        )
    # A little jitter on top, so requests told the same time do not return together.
    return Decision("retry", asked + (rng or random).uniform(0, 0.1))


def after_answer(
    policy: RetryPolicy,
    *,
    kind: Kind,
    status: int,
    headers: Headers,
    body: bytes,
    retry: int,
    rng: random.Random | None = None,
) -> Decision:
    """Decide after an HTTP answer; ``retry`` is the number the next try would have."""
    if status < 500 and status != 429:
        return Decision("final")
    if status == 429 and kind == "empty-balance":
        return Decision("final")  # the refusal it was sent for, whatever the body says
    if status == 429 and _error_code(body) in FINAL_429_CODES:
        return Decision("give-up", reason=f"HTTP 429 {_error_code(body)}: the quota is exhausted")
    if kind == "empty-balance":
        kind = "bad-input"  # any other refusal, even a 5xx, is judged as it is
    bad_input_crash = kind == "bad-input" and status not in TRANSIENT_ALWAYS
    limit = policy.bad_input_5xx_retries if bad_input_crash else policy.retries
    if retry > limit:
        # Bad input answered 5xx every time, or a well-formed request answered 500
        # (not a gateway's or overload's 502-504) on every retry: that answer is
        # the verdict. A server down for everything is caught afterwards
        # (verdict.no_verdict_from_a_down_server): its probes are errors.
        final = status >= 500 and (kind == "bad-input" or status not in TRANSIENT_ALWAYS)
        return Decision("final" if final else "give-up")
    return _wait(policy, retry, retry_after(headers), rng)


def after_failure(
    policy: RetryPolicy,
    *,
    transient: bool,
    timeout: bool,
    retry: int,
    rng: random.Random | None = None,
) -> Decision:
    """Decide after an attempt that got no answer."""
    if not transient:
        return Decision("give-up")
    limit = min(policy.timeout_retries, policy.retries) if timeout else policy.retries
    if retry > limit:
        return Decision("give-up")
    return Decision("retry", policy.backoff(retry, rng))
