"""The day a run judges models' lifecycle on (their dates: :mod:`conformance.params.lifecycle`)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from conformance.errors import ConfigError

# Set it to judge as of another day (tests, or a replay read as of the day it was
# recorded): YYYY-MM-DD. Unset, the run's date is today in UTC.
TODAY_ENV = "IMAGEGEN_CONFORMANCE_TODAY"
# A listed shutdown this close is reported ("shuts down in 15 days").
SOON_DAYS = 30


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
