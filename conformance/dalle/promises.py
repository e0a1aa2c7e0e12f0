"""Which refusals the docs promise: a refused probe is judged only where they do.

OpenAI refuses a value off its lists and a field it does not take, so the
drop-in view expects every such probe refused. A vendor's docs may not promise
it: a field they do not mention is refused or ignored as the profile's
``unknown_fields`` says, and a field they call free-form (``{type: string}``)
takes any value. Such a probe is still sent (the drop-in view judges it) but the
docs view expects it accepted (``Expectation.accepted_in``). The other way
round, a model that takes no ``size`` (dimensions of another kind, or a renamed
field) gets OpenAI's ``size``, which a client written for OpenAI sends: the
drop-in view expects it accepted, the docs view refused unless unknown fields
are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.params.dimensions import SIZE_FIELD, SIZE_NOT_TAKEN
from conformance.vocabulary import View

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec, Profile

# The DALL·E fields whose unknown-value probes depend on what the docs say.
_VALUE_PROBES = {
    "quality-unknown": "quality",
    "style-unknown": "style",
    "response-format-unknown": "response_format",
}


def size_not_taken(model: ModelSpec) -> bool:
    """Whether OpenAI's ``size`` is a field this DALL·E-form model does not take."""
    dims = model.dimensions
    return not dims.takes_size and SIZE_FIELD not in dims.fields()


def accepted_in(
    profile: Profile, model: ModelSpec, param: str, probe_id: str
) -> tuple[tuple[View, ...], str]:
    """The views that expect this refused probe accepted, and why (empty: none)."""
    ignored = profile.unknown_fields == "ignored"
    if probe_id == SIZE_NOT_TAKEN:
        views: tuple[View, ...] = ("docs", "drop-in") if ignored else ("drop-in",)
        return views, (
            "OpenAI's clients send size; "
            + ("the vendor ignores fields it does not take" if ignored else "")
        ).rstrip("; ")
    field = _VALUE_PROBES.get(probe_id)
    if field is None or field != param:
        return (), ""
    if model.free_form(field):
        return ("docs",), f"the docs call {field} free-form (any string)"
    if not model.documents(field) and ignored:
        return ("docs",), f"the docs do not mention {field}, and the vendor ignores unknown fields"
    return (), ""
