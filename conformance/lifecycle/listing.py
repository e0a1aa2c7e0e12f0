"""The vendor's free lifecycle probe: ``GET /v1/models``, read before anything else.

OpenAI: "To monitor model shutdowns programmatically, call the List models
endpoint (GET /v1/models) and check each model's optional shutdown_date field
(YYYY-MM-DD or null)". Where a profile says ``list_models: true``, the plan
holds one listing probe per judged model (so each model's lifecycle.* verdicts
stand in its own column); the session sends the list once and judges each
probe on that one answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from conformance.lifecycle.dates import SOON_DAYS
from conformance.probes import Expectation, Probe

if TYPE_CHECKING:
    from conformance.exchange import Exchange
    from conformance.profile import Profile

PROBE_ID = "models-list"


def listing_probes(profile: Profile, models: Sequence[str]) -> list[Probe]:
    """One GET /v1/models probe per judged model, when the profile says the vendor has it."""
    if not profile.list_models:
        return []
    return [
        Probe(
            id=PROBE_ID,
            model=name,
            title="GET /v1/models lists the model, with its shutdown_date",
            kind="listing",
            expect=Expectation(statuses=(200,)),
            operation="models",
            potential_images=0,
        )
        for name in models
    ]


@dataclass(frozen=True)
class Listed:
    """One model as the vendor's list shows it."""

    id: str
    shutdown_date: str | None

    def shutdown_day(self) -> date | None:
        if not isinstance(self.shutdown_date, str):
            return None
        try:
            return date.fromisoformat(self.shutdown_date)
        except ValueError:
            return None


def listed_models(payload: Any) -> dict[str, Listed] | None:
    """The models of a List models answer ({"object": "list", "data": [...]}), or None."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list):
        return None
    found = {}
    for item in data:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            shutdown = item.get("shutdown_date")
            found[item["id"]] = Listed(item["id"], shutdown if isinstance(shutdown, str) else None)
    return found


def days_left(entry: Listed, day: date) -> int | None:
    shutdown = entry.shutdown_day()
    return None if shutdown is None else (shutdown - day).days


def summary_lines(
    models: Sequence[str], exchange: Exchange | None, day: date, *, gone: Sequence[str] = ()
) -> list[str]:
    """What the list said about the judged models: the run's first lines after the header
    (``gone``: the judged models past their shutdown by the rules, which a list may drop)."""
    if exchange is None or exchange.response is None:
        why = exchange.error if exchange is not None and exchange.error else "no answer"
        return [f"lifecycle: GET /v1/models got no answer ({why})"]
    status = exchange.response.status
    found = listed_models(exchange.response.json_or_none()) if status == 200 else None
    if found is None:
        return [f"lifecycle: GET /v1/models answered {status} with no model list"]
    lines = []
    missing = [m for m in models if m not in found]
    listed = len(models) - len(missing)
    head = f"lifecycle: GET /v1/models (free) lists {listed} of {len(models)} judged model(s)"
    live = [m for m in missing if m not in gone]
    dropped = [m for m in missing if m in gone]
    if live:
        head += f"; not listed: {', '.join(live)}"
    if dropped:
        head += (
            f"; past their shutdown by these rules, so a list may drop them: {', '.join(dropped)}"
        )
    lines.append(head)
    for name in models:
        entry = found.get(name)
        left = days_left(entry, day) if entry is not None else None
        if entry is None or left is None:
            continue
        if left <= 0:
            lines.append(f"lifecycle: {name} is listed as shut down on {entry.shutdown_date}")
        elif left <= SOON_DAYS:
            lines.append(f"lifecycle: {name} shuts down in {left} days ({entry.shutdown_date})")
    return lines
