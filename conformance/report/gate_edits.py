"""The gate's edits: what an app's ``edits: {images, mask, stream}`` needs of a candidate.

An app that edits needs, per model, the candidate's edit of that shape to have
worked: answered (``generation.status`` passed) with no failure the app cannot
live with among its verdicts; for several images, the ``image[]`` list read
(``edits.images-list``); for a stream, the ``image_edit.*`` events
(``edits.stream-events``). The covering set's ``edit-multi-mask`` (two images
and a mask) stands for ``images`` above 1 and ``mask``, ``edit-stream`` for
``stream``; a model whose run has no such edit never offered it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Entry = dict[str, Any]
MULTI = "edit-multi-mask"
STREAM = "edit-stream"


@dataclass(frozen=True)
class EditNeeds:
    images: int = 1
    mask: bool = False
    stream: bool = False


def parse_needs(raw: Mapping[str, Any] | None) -> EditNeeds | None:
    if raw is None:
        return None
    return EditNeeds(
        images=int(raw.get("images", 1)),
        mask=bool(raw.get("mask", False)),
        stream=bool(raw.get("stream", False)),
    )


def _by_probe(entries: list[Entry], model: str) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        probe = entry.get("probe") or {}
        if probe.get("operation") == "edits" and entry.get("model") == model:
            out.setdefault(str(probe.get("id")), []).append(entry)
    return out


def _failing(entries: list[Entry], must_pass: tuple[str, ...]) -> Entry | None:
    for check in must_pass:
        found = [e for e in entries if e["check"] == check]
        if not found or found[0]["outcome"] != "passed":
            return found[0] if found else {"id": check, "outcome": "not judged", "message": ""}
    return None


def edit_breaks(
    model: str,
    needs: EditNeeds,
    entries: list[Entry],
    blocking: Callable[[list[Entry]], list[Entry]],
    describe: Callable[[Entry], str],
) -> Iterator[str]:
    """Why the candidate's edits on ``model`` do not do what the app needs (nothing: they do)."""
    probes = _by_probe(entries, model)
    if not probes:
        yield f"{model}: edits were never requested: the candidate documents none for it"
        return
    wanted: list[tuple[str, str, tuple[str, ...]]] = []
    if needs.images > 1 or needs.mask:
        what = f"edits with {max(needs.images, 2)} images" + (" and a mask" if needs.mask else "")
        checks = ("generation.status",) + (("edits.images-list",) if needs.images > 1 else ())
        wanted.append((MULTI, what, checks))
    if needs.stream:
        wanted.append((STREAM, "streamed edits", ("generation.status", "edits.stream-events")))
    if not wanted:
        wanted.append((next(iter(probes)), "edits", ("generation.status",)))
    for probe_id, what, checks in wanted:
        found = probes.get(probe_id)
        streamed = found and any(e["check"] == "edits.stream-events" for e in found)
        if not found or (probe_id == STREAM and not streamed):
            yield f"{model}: {what} were never requested: not among what the candidate documents"
            continue
        bad = _failing(found, checks) or next(iter(blocking(found)), None)
        if bad is not None:
            yield f"{model}: {what} fail: {describe(bad)}"
