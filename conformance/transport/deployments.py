"""A probe as sent to a vendor that names deployments, not models (Azure OpenAI).

The plan, the checks and the report speak of models; only the request on the wire
names the customer's deployment, in the body's ``model`` (JSON) or the ``model``
part (an edit's form). A body that names no model of the mapping (an unknown
model, a malformed body) goes as planned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from conformance.probes import Probe


def deployed(probe: Probe, deployments: Mapping[str, str]) -> Probe:
    """``probe`` with its model named by its deployment, if it has one."""
    if not deployments:
        return probe
    body = probe.body
    if probe.raw_body is None and body is not None:
        name = body.get("model")
        if isinstance(name, str) and name in deployments:
            probe = dataclasses.replace(probe, body={**body, "model": deployments[name]})
    edit = probe.edit
    if edit is not None:
        name = edit.form.field("model")
        if name is not None and name in deployments:
            fields = tuple(
                (key, deployments[value] if key == "model" and value == name else value)
                for key, value in edit.form.fields
            )
            form = dataclasses.replace(edit.form, fields=fields)
            probe = dataclasses.replace(probe, edit=dataclasses.replace(edit, form=form))
    return probe
