"""Refusals as a vendor documents them: the error envelope, and a status per kind.

OpenAI's envelope is ``{"error": {"message", "type", "param", "code"}}`` with a
string (or null) code. Vendors document others (``errors.envelope``):

- ``code-int``: a top-level integer ``code`` beside ``message`` (``{"code": 400,
  "message": "..."}``);
- ``fastapi``: FastAPI's ``{"detail": [...]}`` (a list of ``{loc, msg, type}``) or
  ``{"detail": "..."}``;
- ``message-only``: ``{"error": {"message": "..."}}`` without ``type`` or ``param``.

The docs view judges a refusal's body by it, the drop-in view by OpenAI's; the
reference server answers in it. ``errors.missing_key`` is the refusal of a
request that sends no key, apart from ``errors.unauthorized`` (a wrong key):
it defaults to unauthorized's statuses, so a profile without it means what it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

Envelope = Literal["openai", "code-int", "fastapi", "message-only"]
ENVELOPES: tuple[Envelope, ...] = ("openai", "code-int", "fastapi", "message-only")
OPENAI_ENVELOPE: Envelope = "openai"

# The refusal of a request that sends no key at all.
MISSING_KEY = "missing_key"


def parse_envelope(raw_errors: Mapping[str, Any]) -> Envelope:
    value = raw_errors.get("envelope", OPENAI_ENVELOPE)
    return cast(Envelope, value)


def error_kinds(raw_errors: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each refusal kind's raw rule (not the envelope), missing_key defaulted to unauthorized's."""
    kinds: dict[str, Mapping[str, Any]] = {
        kind: rule for kind, rule in raw_errors.items() if kind != "envelope"
    }
    if MISSING_KEY not in kinds and "unauthorized" in kinds:
        kinds[MISSING_KEY] = kinds["unauthorized"]
    return kinds
