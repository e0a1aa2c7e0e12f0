"""``GET /v1/models``: OpenAI's List models, with each model's ``shutdown_date``.

Served where the profile says the vendor has it (``list_models``). As OpenAI
does, a model past its shutdown (the profile's lifecycle, as of the run's date)
is no longer listed; one that is still served carries its shutdown date, or
null. The ``models-list-*`` faults break one lifecycle rule each.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conformance.lifecycle.dates import today
from conformance.profile import Profile

# The day the vendor's models were "created" (OpenAI's Model.created, Unix time).
_CREATED = 1776729600  # 2026-04-21
SOON = timedelta(days=15)

# Fault name -> what the list then shows (the self-tests' fault matrix reads FAULTS).
LISTING_FAULTS = {
    "models-list-omits": "GET /v1/models leaves out the profile's default model",
    "models-list-shut-down": "GET /v1/models lists every model with yesterday's shutdown_date",
    "models-list-shutdown-soon": "GET /v1/models lists every model as shutting down in 15 days",
    "models-list-serves-shut-down": "GET /v1/models still lists the models past their "
    "shutdown, with shutdown_date null (a remapped or legacy route)",
}


def _shutdown(day: date, shutdown: str | None, faults: frozenset[str]) -> str | None:
    if "models-list-shut-down" in faults:
        return (day - timedelta(days=1)).isoformat()
    if "models-list-shutdown-soon" in faults:
        return (day + SOON).isoformat()
    if "models-list-serves-shut-down" in faults:
        return None
    return shutdown


def model_list(profile: Profile, faults: frozenset[str]) -> dict[str, Any]:
    """The answer to GET /v1/models for this profile's models."""
    day = today()
    data = []
    for name, spec in profile.models.items():
        if "models-list-omits" in faults and name == profile.default_model:
            continue
        life = spec.lifecycle
        gone = life is not None and life.shut_down_by(day)
        if gone and "models-list-serves-shut-down" not in faults:
            continue
        shutdown = _shutdown(day, life.shutdown if life else None, faults)
        data.append(
            {
                "id": name,
                "object": "model",
                "created": _CREATED,
                "owned_by": "system",
                "shutdown_date": shutdown,
            }
        )
    return {"object": "list", "data": data}
