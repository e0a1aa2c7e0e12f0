"""What a run's billed images cost: one way, shared by the report and ``--plan``.

Every request is priced by :func:`conformance.gpt.pricing.request_price` for its
own model, quality and size, times the images it billed (a stream's partial
images included), exactly as ``--plan`` prices what it expects each request to
bill. So a run that bills what its plan expected costs what the plan said.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conformance.exchange import Exchange
from conformance.gpt.pricing import request_price
from conformance.plan import probe_price
from conformance.probes import Probe
from conformance.profile import ModelSpec, Profile


@dataclass(frozen=True)
class Cost:
    usd: float
    images: int
    # Billed images whose request names no model of the profile, or one without a price.
    unpriced: int = 0

    def text(self) -> str:
        priced = f"${self.usd:.2f} at the profile's list prices"
        if self.unpriced:
            priced += f" (and {self.unpriced} image(s) without a price)"
        return priced


def _deployed_model(profile: Profile, probe_key: str) -> ModelSpec | None:
    """The model a request sent under a deployment name was planned for (its probe key
    starts with the model's id, which may itself hold a ``/``)."""
    owners = [m for m in profile.deployments if probe_key.startswith(f"{m}/")]
    return profile.models[max(owners, key=len)] if owners else None


def billed_cost(
    profile: Profile, exchanges: Iterable[Exchange], probes: Mapping[str, Probe] | None = None
) -> Cost:
    """The cost of what was billed, each request priced by what it asked for.

    ``probes`` (by key) price what a JSON body cannot say: an edit's multipart
    form, its input images included, as ``--plan`` prices it."""
    usd = 0.0
    images = unpriced = 0
    for exchange in exchanges:
        if not exchange.billed:
            continue
        images += exchange.billed
        probe = (probes or {}).get(exchange.probe_key)
        if probe is not None and probe.operation == "edits":
            spec = profile.models.get(probe.model)
            price = probe_price(spec, probe, exchange.billed) if spec is not None else None
            if price is None:
                unpriced += exchange.billed
            else:
                usd += price
            continue
        try:
            body = json.loads(exchange.request.body or b"{}")
        except ValueError:
            body = None
        name = body.get("model") if isinstance(body, dict) else None
        model = profile.models.get(name) if isinstance(name, str) else None
        if model is None and isinstance(name, str) and profile.deployments:
            model = _deployed_model(profile, exchange.probe_key)
        price = request_price(model, body, exchange.billed) if model is not None else None
        if price is None:
            unpriced += exchange.billed
        else:
            usd += price
    return Cost(round(usd, 6), images, unpriced)
