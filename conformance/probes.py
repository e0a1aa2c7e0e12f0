"""Probes: a request plus what it must show. Plain data, made by the planner."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ProbeKind = Literal["auth", "invalid", "valid"]
AuthMode = Literal["key", "none", "wrong"]

# A key no vendor issues: the "wrong key" probe sends it. It is not a secret.
WRONG_KEY = "sk-conformance-wrong-key-0000000000000000"


@dataclass(frozen=True)
class Expectation:
    """What a conformant server answers to a probe.

    For refused probes ``statuses`` lists the acceptable codes and ``param`` the
    field the error must name; for valid probes ``n``, ``size`` and
    ``response_format`` are the effective values (documented defaults applied).
    """

    statuses: tuple[int, ...]
    error_kind: str | None = None
    param: str | None = None
    code: str | None = None
    n: int | None = None
    size: str | None = None
    response_format: str | None = None


@dataclass(frozen=True)
class Probe:
    id: str
    model: str
    title: str
    kind: ProbeKind
    expect: Expectation
    body: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    auth: AuthMode = "key"
    potential_images: int = 1
    covers: tuple[str, ...] = ()
    origin: Literal["fixed", "fuzz"] = "fixed"
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Unique within a plan: the same probe id runs once per model."""
        return f"{self.model}/{self.id}"

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
    server that wrongly accepts an invalid ``n`` may generate that many.
    """
    n: Any = (body or {}).get("n")
    if isinstance(n, str):
        try:
            n = int(n.strip())
        except ValueError:
            n = None
    if isinstance(n, bool) or not isinstance(n, int):
        return 1
    return max(n, 1)
