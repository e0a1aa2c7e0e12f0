"""GET /v1/models: OpenAI's List models, with each model's ``shutdown_date``.

Routed where the profile says the vendor has it (``list_models``). As OpenAI
does, a model past its shutdown (the profile's lifecycle, as of the run's date)
is no longer listed; one that is still served carries its shutdown date, or
null. The ``models-list-*`` faults (:mod:`.faults`) break one lifecycle rule each.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.lifecycle.dates import today
from conformance.server import faults as f
from conformance.server.state import ReferenceState

# The day the vendor's models were "created" (OpenAI's Model.created, Unix time).
_CREATED = 1776729600  # 2026-04-21
SOON = timedelta(days=15)


def _shutdown(day: date, shutdown: str | None, state: ReferenceState) -> str | None:
    if state.has(f.MODELS_LIST_SHUT_DOWN):
        return (day - timedelta(days=1)).isoformat()
    if state.has(f.MODELS_LIST_SHUTDOWN_SOON):
        return (day + SOON).isoformat()
    if state.has(f.MODELS_LIST_SERVES_SHUT_DOWN):
        return None
    return shutdown


def model_list(state: ReferenceState) -> dict[str, Any]:
    """The answer to GET /v1/models for the state's profile's models."""
    profile, day = state.profile, today()
    data = []
    for name, spec in profile.models.items():
        if state.has(f.MODELS_LIST_OMITS) and name == profile.default_model:
            continue
        life = spec.lifecycle
        gone = life is not None and life.shut_down_by(day)
        if gone and not state.has(f.MODELS_LIST_SERVES_SHUT_DOWN):
            continue
        data.append(
            {
                "id": name,
                "object": "model",
                "created": _CREATED,
                "owned_by": "system",
                "shutdown_date": _shutdown(day, life.shutdown if life else None, state),
            }
        )
    return {"object": "list", "data": data}


async def answer(request: Request, state: ReferenceState, base_url: str) -> Response:
    """The answer to an authenticated List models request: free, nothing generated."""
    return JSONResponse(model_list(state))
