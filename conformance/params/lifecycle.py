"""A model's lifecycle as a profile declares it: its dates, with their source.

Part of the profile's language (a leaf: it imports nothing of the suite). The
run's date and what a run does with these dates are in :mod:`conformance.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Lifecycle:
    """What the vendor says about one model's life: dates are ISO days (YYYY-MM-DD)."""

    source: str
    released: str | None = None
    # The first day the vendor no longer serves it.
    shutdown: str | None = None
    # The day the shutdown was announced.
    notice: str | None = None
    replacement: tuple[str, ...] = ()

    def shut_down_by(self, day: date) -> bool:
        # The profile's dates were checked when it was read (lifecycle_problems).
        return self.shutdown is not None and date.fromisoformat(self.shutdown) <= day

    def replacement_text(self) -> str:
        return " or ".join(self.replacement) if self.replacement else "a newer model"


def parse_lifecycle(raw: Mapping[str, Any] | None) -> Lifecycle | None:
    """The profile's ``lifecycle`` of one model (already schema-checked), or None."""
    if raw is None:
        return None
    return Lifecycle(
        source=str(raw["source"]),
        released=raw.get("released"),
        shutdown=raw.get("shutdown"),
        notice=raw.get("notice"),
        replacement=tuple(raw.get("replacement", ())),
    )


def lifecycle_problems(life: Lifecycle) -> list[str]:
    """Dates that do not parse, or a shutdown before the release."""
    problems = []
    days = {}
    for key in ("released", "shutdown", "notice"):
        value = getattr(life, key)
        if value is None:
            continue
        try:
            days[key] = date.fromisoformat(value)
        except ValueError:
            problems.append(f"lifecycle.{key} {value!r} is not a date YYYY-MM-DD")
    if "released" in days and "shutdown" in days and days["shutdown"] < days["released"]:
        problems.append("lifecycle.shutdown is before lifecycle.released")
    return problems
