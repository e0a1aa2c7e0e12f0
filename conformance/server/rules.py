"""Which rules judge a request: the model it names decides its family's.

DALL·E-format rules live in :mod:`contract`, the GPT family's in :mod:`gpt_contract`
(built on the shared ones in :mod:`contract`); this module only dispatches, so
neither family's module needs the other. A profile whose vendor ignores the
fields its docs do not mention (``unknown_fields: ignored``) is emulated here:
such fields are dropped before the DALL·E rules see the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from conformance.dalle.promises import size_not_taken
from conformance.params.dimensions import SIZE_FIELD
from conformance.profile import ModelSpec, Profile
from conformance.server.contract import Generation, Violation, check_dalle_request, resolve_model
from conformance.server.gpt_contract import GptGeneration, check_gpt_request

# The DALL·E fields a model may leave undocumented (and a vendor then ignore).
_OPTIONAL_FIELDS = ("quality", "style", "response_format")


def ignored_fields(model: ModelSpec, profile: Profile) -> tuple[str, ...]:
    """The fields of a DALL·E-form request the vendor ignores, as its profile says."""
    if profile.unknown_fields != "ignored" or model.gpt is not None:
        return ()
    fields = [name for name in _OPTIONAL_FIELDS if not model.documents(name)]
    if size_not_taken(model):
        fields.append(SIZE_FIELD)
    return tuple(fields)


def check_request(
    body: Mapping[str, Any],
    profile: Profile,
    skip: frozenset[str] = frozenset(),
    *,
    strict_fields: bool = False,
) -> Generation | Violation | GptGeneration:
    """Judge a parsed body: the first broken rule not in ``skip``, or what to draw.

    ``strict_fields``: judge every field as if the vendor refused what it does not
    document (the fault that breaks ``unknown_fields: ignored``)."""
    model, violation = resolve_model(body, profile)
    if violation is not None and violation.rule not in skip:
        return violation
    if model.gpt is not None:
        return check_gpt_request(body, model, skip)
    if strict_fields:
        # Free-form fields judged as lists of no values: every value refused.
        kept = {k: v for k, v in model.vendor_params.items() if not v.free_form}
        model = replace(model, vendor_params=kept)
    else:
        dropped = ignored_fields(model, profile)
        body = {k: v for k, v in body.items() if k not in dropped}
    return check_dalle_request(body, model, skip)
