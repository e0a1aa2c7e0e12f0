"""openai-python's ``images.edit`` fed a recorded edit answer: what an app gets.

The call is rebuilt from the probe's edit case the way an app writes it: the
images as ``(filename, bytes, content_type)`` tuples (a list when there are
several, so the SDK sends ``image[]``), the mask likewise, the text fields as
keyword arguments. The answer is the recorded one (no network); the app gets
its images from ``data[].b64_json``, or from the ``image_edit.completed``
events of a stream, the event type apps wait for.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from conformance.clients.python import replay_client
from conformance.edits.cases import EditCase
from conformance.exchange import RecordedResponse
from conformance.sse import EDIT_COMPLETED as COMPLETED

_INTEGERS = ("n", "partial_images")


@dataclass(frozen=True)
class EditRead:
    images: int = 0
    events: tuple[str, ...] = ()
    problem: str | None = None


def edit_kwargs(case: EditCase) -> dict[str, Any]:
    """``images.edit``'s arguments for the case, as an app passes them."""
    kwargs: dict[str, Any] = {}
    for key, value in case.form.fields:
        if key in _INTEGERS:
            kwargs[key] = int(value)
        elif value in ("true", "false"):
            kwargs[key] = value == "true"
        else:
            kwargs[key] = value
    images = [(p.filename, p.data, p.content_type) for p in case.form.images]
    kwargs["image"] = images if any(p.name == "image[]" for p in case.form.images) else images[0]
    for part in case.form.files:
        if part.name == "mask":
            kwargs["mask"] = (part.filename, part.data, part.content_type)
    return kwargs


def _decodes(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def read_edit(case: EditCase, recorded: RecordedResponse, *, strict: bool) -> EditRead:
    """What ``images.edit`` gave the app; a raised exception is the problem."""
    kwargs = edit_kwargs(case)
    try:
        with replay_client(recorded, strict=strict) as client:
            result = client.images.edit(**kwargs)
            if not case.stream:
                data = result.data or []
                good = sum(1 for item in data if _decodes(item.b64_json))
                problem = None if good else "no image in data[].b64_json"
                return EditRead(images=good, problem=problem)
            events = []
            good = 0
            for event in result:
                kind = getattr(event, "type", None)
                events.append(str(kind))
                if kind == COMPLETED and _decodes(getattr(event, "b64_json", None)):
                    good += 1
            problem = None if good else f"no {COMPLETED} event with an image (events: {events})"
            return EditRead(images=good, events=tuple(events), problem=problem)
    except Exception as exc:  # the exception the app would see is the observation
        return EditRead(problem=f"raised {type(exc).__name__}: {str(exc)[:160]}")
