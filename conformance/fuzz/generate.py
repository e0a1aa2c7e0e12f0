"""Seeded draws of schemathesis cases, at plan time, without sending anything.

Each batch is a hypothesis ``@given`` run over the strategy schemathesis builds
for the narrowed operation, with a fixed seed, no example database and no
shrinking: the same seed, profile and library versions give the same cases in
the same order on every machine. Only the request body is kept (the transport
adds the key; auth has probes of its own), each body is classified against the
profile, ambiguous ones are dropped, and duplicates (same canonical JSON) count
once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.fuzz import cache, draws
from conformance.fuzz.classify import Classification, classify, parse
from conformance.fuzz.narrow import OPERATION, Mode, narrowed_spec
from conformance.probes import potential_images
from conformance.profile import ModelSpec, Profile

DEFAULT_SEED = 4242
# Batches drawn before giving up on reaching the count asked for.
_MAX_BATCHES = 8


@dataclass(frozen=True)
class Drawn:
    """One generated request body, as sent and as classified."""

    content: bytes
    body: Any  # the parsed JSON, or the raw bytes when it is not JSON
    classification: Classification

    @property
    def fields(self) -> dict[str, Any] | None:
        return self.body if isinstance(self.body, dict) else None


def derive_seed(seed: int, *parts: object) -> int:
    """A seed for one batch, stable across processes (unlike ``hash``)."""
    text = "/".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _operation(model: ModelSpec, mode: Mode) -> tuple[Any, Any]:
    return draws.operation(narrowed_spec(model, mode), *OPERATION)


def _coverage_cases(model: ModelSpec, mode: Mode) -> list[Any]:
    """schemathesis' coverage phase: one deterministic case per boundary.

    For a negative mode that is each constraint broken alone (``n`` one past
    either end, a prompt one character over the limit, a wrong type for every
    field, each required field missing, an unknown value for each enum), exactly
    the cases a server that skips one rule lets through. Other methods than POST
    are left out: the contract describes only POST.
    """
    return draws.coverage_bodies(*_operation(model, mode), mode, OPERATION[1])


def draw_batch(model: ModelSpec, mode: Mode, size: int, seed: int) -> list[Any]:
    """``size`` bodies exactly as schemathesis generated them, in order."""
    return draws.random_bodies(_operation(model, mode)[1], mode, size, seed)


def _content(body: Any) -> bytes | None:
    if isinstance(body, bytes):
        return body
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return None  # not something a JSON client could send


def cheapen(body: Any, classification: Classification) -> Any:
    """Make an invalid case cost as little as possible should a server accept it.

    The budget reserves what a request could bill before sending it, so a case
    asking for n=10**6 could never be sent. Above the maximum every value breaks
    the same rule, and ``n_max + 1`` is its cheapest witness; a valid ``n`` in a
    case that is invalid for another reason becomes the minimum.
    """
    model = classification.model
    if not isinstance(body, dict) or model is None:
        return body
    body = _fewer_partials(body, classification)
    if "n" not in body:
        return body
    if not any(r.param == "n" for r in classification.reasons):
        n = body["n"]
        return body if n is None or n == model.n_min else {**body, "n": model.n_min}
    cap = model.n_max + 1
    if potential_images({"n": body["n"]}) <= cap:
        return body
    n = body["n"]
    return {**body, "n": str(cap) if isinstance(n, str) else cap}


def _fewer_partials(body: dict[str, Any], classification: Classification) -> dict[str, Any]:
    """A streaming case's partial_images above the maximum becomes maximum + 1: each
    partial is billed, and any value above breaks the same rule."""
    value = body.get("partial_images")
    gpt = classification.model.gpt if classification.model else None
    spec = gpt.param("partial_images") if gpt else None
    if (
        spec is None
        or spec.maximum is None
        or isinstance(value, bool)
        or not isinstance(value, int)
        or value <= spec.maximum + 1
        or not any(r.param == "partial_images" for r in classification.reasons)
    ):
        return body
    return {**body, "partial_images": spec.maximum + 1}


def _canonical(body: Any, content: bytes) -> bytes:
    if isinstance(body, bytes):
        return b"raw:" + content
    return json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _accept(mode: Mode) -> Callable[[Classification], bool]:
    want = "valid" if mode == "positive" else "invalid"
    return lambda c: c.verdict == want


def _draw(profile: Profile, model: ModelSpec, mode: Mode, count: int, seed: int) -> list[Drawn]:
    accept = _accept(mode)
    found: dict[bytes, Drawn] = {}
    for raw in _sources(model, mode, max(count * 2, 20), seed):
        body = parse(raw) if isinstance(raw, bytes) else raw
        classification = classify(body, profile)
        if not accept(classification):
            continue
        cheap = cheapen(body, classification) if mode == "negative" else body
        if cheap is not body:
            # Sent as re-serialized: the bytes must ask for no more than is reserved.
            body, classification, raw = cheap, classify(cheap, profile), cheap
        content = raw if isinstance(raw, bytes) else _content(body)
        if content is None:
            continue
        found.setdefault(_canonical(body, content), Drawn(content, body, classification))
        if len(found) >= count:
            break
    return list(found.values())


# The cache keys the coverage phase's cases (deterministic, but seconds to build
# per model) as a batch of this size, which no random batch has.
_COVERAGE = 0


def _coverage_batch(model: ModelSpec, mode: Mode, _size: int, _seed: int) -> list[Any]:
    return _coverage_cases(model, mode)


def _sources(model: ModelSpec, mode: Mode, batch: int, seed: int) -> Iterator[Any]:
    """Boundary cases first, then seeded random batches, each drawn only if needed.

    About half the random draws survive (duplicates, cases valid for the profile
    after all): one batch of twice the count is usually enough, and cheaper than
    several small ones.
    """
    yield from cache.batch(model, mode, _COVERAGE, 0, _coverage_batch)
    for index in range(_MAX_BATCHES):
        seed_ = derive_seed(seed, model.name, mode, index)
        yield from cache.batch(model, mode, batch, seed_, draw_batch)


def draw(
    profile: Profile, model: ModelSpec, mode: Mode, count: int, seed: int
) -> tuple[Drawn, ...]:
    """Up to ``count`` distinct bodies of ``mode`` for ``model``, in drawing order
    (drawn once per process: :func:`draws.once`)."""
    if count <= 0:
        return ()
    key = ("generations", profile.sha256, model.name, mode, count, seed)
    return draws.once(key, lambda: _draw(profile, model, mode, count, seed))
