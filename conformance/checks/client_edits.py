"""openai-python as an oracle for edits: ``client.openai-python.edits`` and the strict mode's.

Each recorded edit answer is replayed into ``images.edit`` called as an app
calls it (:mod:`conformance.clients.python_edits`); the app must get its
images: ``data[].b64_json``, or an ``image_edit.completed`` event per image of
a stream. Offline, at no extra cost, and the same on a replayed run.
"""

from __future__ import annotations

from conformance.checks.base import EDITS_ONLY, CheckFn, Context, Result, check, failed, passed
from conformance.clients.python_edits import read_edit
from conformance.probes import Probe


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
