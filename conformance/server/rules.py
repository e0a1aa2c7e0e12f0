"""Which rules judge a request: the model it names decides its family's.

DALL·E-format rules live in :mod:`contract`, the GPT family's in :mod:`gpt_contract`
(built on the shared ones in :mod:`contract`); this module only dispatches, so
neither family's module needs the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.profile import Profile
from conformance.server.contract import Generation, Violation, check_dalle_request, resolve_model
from conformance.server.gpt_contract import GptGeneration, check_gpt_request


def check_request(
    body: Mapping[str, Any], profile: Profile, skip: frozenset[str] = frozenset()
) -> Generation | Violation | GptGeneration:
    """Judge a parsed body: the first broken rule not in ``skip``, or what to draw."""
    model, violation = resolve_model(body, profile)
    if violation is not None and violation.rule not in skip:
        return violation
    if model.gpt is not None:
        return check_gpt_request(body, model, skip)
    return check_dalle_request(body, model, skip)
