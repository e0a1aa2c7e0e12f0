"""The clients as oracles for edits: ``client.<client>.edits``.

Each recorded edit answer is replayed into the client's edit call, made as an
app makes it: openai-python's ``images.edit`` (default and strict mode,
:mod:`conformance.clients.python_edits`), openai-node's ``images.edit`` with
``toFile`` (majors 6 and 7) and the AI SDK's ``generateImage`` with ``prompt:
{text, images, mask}`` (ai 6 and 7), both in the Node runner. The app must get
every image it asked for: ``data[].b64_json``, or an ``image_edit.completed``
event per image of a stream (the AI SDK does not stream edits). Offline, at no
extra cost, and the same on a replayed run.
"""

from __future__ import annotations

from conformance.checks import client_judge as judge
from conformance.checks.base import (
    EDITS_ONLY,
    Applies,
    CheckFn,
    Context,
    Result,
    check,
    failed,
    passed,
)
from conformance.clients import CLIENTS, Client, check_id, family_of, replay
from conformance.clients.observation import Observation, edit_call
from conformance.clients.python_edits import read_edit
from conformance.probes import Probe
from conformance.sse import EDIT_COMPLETED


def _edit(probe: Probe) -> bool:
    """A billable edit, built from its case (the operation is the registry's test)."""
    return probe.kind == "valid" and probe.edit is not None


def _judge(strict: bool) -> CheckFn:
    def run(ctx: Context) -> Result:
        case = ctx.probe.edit
        assert case is not None
        read = read_edit(case, ctx.response, strict=strict)
        if read.problem is not None:
            return failed(f"images.edit: {read.problem}")
        if read.images < case.n:
            return failed(f"images.edit gave {read.images} image(s) for n = {case.n}")
        how = "stream" if case.stream else "answer"
        return passed(f"images.edit read {read.images} image(s) from the {how}")

    return run


def edits_default(ctx: Context) -> Result:
    """openai-python 3.57 (default mode) ``images.edit``: the app gets its edited images."""
    return _judge(strict=False)(ctx)


def edits_strict(ctx: Context) -> Result:
    """openai-python with ``_strict_response_validation=True``: the answer also validates
    against the SDK's types (``ImagesResponse``, ``ImageEdit*Event``)."""
    return _judge(strict=True)(ctx)


check(
    "client.openai-python.edits",
    title="openai-python images.edit gets the edited images",
    severity="must",
    applies=_edit,
    operations=EDITS_ONLY,
)(edits_default)
check(
    "client.openai-python-strict.edits",
    title="openai-python (strict) images.edit gets the edited images",
    severity="should",
    applies=_edit,
    operations=EDITS_ONLY,
)(edits_strict)


def _node_applies(client: Client) -> Applies:
    def applies(probe: Probe) -> bool:
        if not _edit(probe):
            return False
        assert probe.edit is not None
        return client.streams or not probe.edit.stream

    return applies


def _node_judge(client: Client) -> CheckFn:
    def run(ctx: Context) -> Result:
        case = ctx.probe.edit
        assert case is not None
        call = edit_call(case, ctx.response)
        found = replay.observe(client.name, call)
        result = judge.generates(found, call.call, EDIT_COMPLETED)
        if result.outcome != "passed" or not isinstance(found, Observation):
            return result
        if len(found.images) < case.n:
            return failed(f"the app got {len(found.images)} image(s) for n = {case.n}")
        return result

    how = (
        "images.edit with toFile"
        if family_of(client.name) == "openai-node"
        else "generateImage with prompt {text, images, mask}"
    )
    run.__doc__ = f"{client.title}: {how}; the app reads and decodes every edited image."
    return run


for _client in CLIENTS.values():
    if _client.runtime != "node":
        continue
    check(
        check_id(_client.name, "edits"),
        title=f"an app using {_client.title} gets its edited images",
        severity=_client.severity,
        applies=_node_applies(_client),
        operations=EDITS_ONLY,
    )(_node_judge(_client))
