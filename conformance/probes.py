"""Probes: a request plus what it must show. Plain data, made by the planner."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from conformance.vocabulary import Operation

if TYPE_CHECKING:  # types only: an edit probe carries the case it was built from
    from conformance.edits.cases import EditCase

# auth: a valid request without a (valid) key; invalid: must be refused; valid: a
# billable generation; balance: sent with an empty-balance key; example: an answer
# printed in the vendor's docs, judged without a server.
ProbeKind = Literal["auth", "invalid", "valid", "balance", "example"]
AuthMode = Literal["key", "none", "wrong", "zero"]

# A key no vendor issues: the "wrong key" probe sends it. It is not a secret.
WRONG_KEY = "sk-conformance-wrong-key-0000000000000000"


@dataclass(frozen=True)
class Expectation:
    """What a conformant server answers to a probe.

    For refused probes ``statuses`` lists the acceptable codes and ``param`` the
    field the error must name; for valid probes ``n``, ``size`` and
    ``response_format`` are the effective values (documented defaults applied).
    A GPT-family probe (``family="gpt"``) also has the effective
    ``output_format``, ``background`` and ``quality``; its ``size`` may be
    ``auto`` (the server picks one of the model's sizes). A streaming probe
    (``stream``) expects an event stream of ``partial_images`` partial images
    per image before each completed one; every partial is billed.
    """

    statuses: tuple[int, ...]
    error_kind: str | None = None
    param: str | None = None
    code: str | None = None
    n: int | None = None
    size: str | None = None
    response_format: str | None = None
    family: str = "dalle"
    output_format: str | None = None
    background: str | None = None
    quality: str | None = None
    stream: bool = False
    partial_images: int = 0

    @property
    def images(self) -> int:
        """Images a conformant answer bills: each completed one and its partials."""
        return (self.n or 0) * (1 + self.partial_images)


@dataclass(frozen=True)
class Probe:
    id: str
    model: str
    title: str
    kind: ProbeKind
    expect: Expectation
    # The endpoint it is sent to (vocabulary.OPERATION_PATHS).
    operation: Operation = "generations"
    body: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    auth: AuthMode = "key"
    potential_images: int = 1
    covers: tuple[str, ...] = ()
    origin: Literal["fixed", "fuzz", "docs"] = "fixed"
    headers: Mapping[str, str] = field(default_factory=dict)
    # For kind "example": the answer the vendor's docs print, and where.
    answer: Mapping[str, Any] | None = None
    source: str | None = None
    # For operation "edits": the inputs, mask and expectations the body was built from.
    edit: EditCase | None = None

    @property
    def key(self) -> str:
        """Unique within a plan: the same probe id runs once per model."""
        return f"{self.model}/{self.id}"

    @property
    def sent(self) -> bool:
        """Whether the run sends it (doc examples are judged without a server)."""
        return self.kind != "example"

    @property
    def billable(self) -> bool:
        """Whether a conformant server bills it (a valid generation)."""
        return self.kind == "valid"

    def content(self) -> bytes:
        """The request body exactly as sent."""
        if self.raw_body is not None:
            return self.raw_body
        return json.dumps(self.body, ensure_ascii=False).encode()


def potential_images(body: Mapping[str, Any] | None) -> int:
    """Images a server that accepted this body as-is could bill.

    Used to reserve budget before sending anything that could be billed: a
    server that wrongly accepts an invalid ``n`` may generate that many, and a
    streaming request (``stream: true``) bills each of its ``partial_images``
    too, per image.
    """
    body = body or {}
    value: Any = body.get("partial_images")
    streaming = body.get("stream") is True
    partials = value if streaming and isinstance(value, int) and not isinstance(value, bool) else 0
    return _images_asked(body) * (1 + max(partials, 0))


def _images_asked(body: Mapping[str, Any]) -> int:
    n: Any = body.get("n")
    if isinstance(n, str):
        try:
            n = int(n.strip())
        except ValueError:
            n = None
    if isinstance(n, bool) or not isinstance(n, int):
        return 1
    return max(n, 1)
