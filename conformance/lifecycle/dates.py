"""A model's lifecycle, and the date a run judges it on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from conformance.errors import ConfigError

# Set it to judge as of another day (tests, or a replay read as of the day it was
# recorded): YYYY-MM-DD. Unset, the run's date is today in UTC.
TODAY_ENV = "IMAGEGEN_CONFORMANCE_TODAY"
# A listed shutdown this close is reported ("shuts down in 15 days").
SOON_DAYS = 30


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
        return self.shutdown is not None and parse_day(self.shutdown, "shutdown") <= day

    def replacement_text(self) -> str:
        return " or ".join(self.replacement) if self.replacement else "a newer model"


def parse_day(raw: str, what: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{what} {raw!r}: expected a date YYYY-MM-DD") from None


def today() -> date:
    """The run's date: $IMAGEGEN_CONFORMANCE_TODAY, else today (UTC)."""
    raw = os.environ.get(TODAY_ENV, "").strip()
    if raw:
        return parse_day(raw, TODAY_ENV)
    return datetime.now(UTC).date()


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
