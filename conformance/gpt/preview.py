"""GIF and SVG output: billable requests that need preview access on the key.

The 2.6 models draw animated GIFs (``frame_count`` frames, ``frame_duration_ms``
each, rounded to the nearest 10 ms) and SVG documents (``svg.model`` selects
the model that writes them when SVG model selection is on; the answer then
carries ``svg_usage``). Both need preview access, which some keys lack, so the
profile marks them (``preview``) and they are planned only where the profile
(``preview_access``) or ``--preview-access`` says the key has access. Each adds
one request apart from the covering set: a GIF of the fewest frames (2, billed
as 2 images for the budget, since GIF billing is not documented) at the
cheapest size and quality, and one SVG image. Neither streams, neither sends
``output_compression``, and the SVG asks ``n = 1`` (the rules in
:mod:`conformance.params.pairs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.gpt.covering import cheapest_quality, cheapest_size
from conformance.params.pairs import SVG_MODEL
from conformance.probes import PROMPT, Expectation, Row

if TYPE_CHECKING:  # types only: the profile reads this family's rules
    from conformance.profile import ModelSpec

GIF_FRAMES = 2
# Not a multiple of 10, and not a half: the rounding the SDK documents shows (134 -> 130).
GIF_DELAY_MS = 134
# The encoded delay's cap per frame (the SDK: 655,350 ms).
GIF_DELAY_CAP_MS = 655_350


def rounded_delay(asked: int) -> int:
    """The delay a GIF carries for ``asked`` ms: the nearest 10 ms, capped."""
    return min(int((asked + 5) // 10 * 10), GIF_DELAY_CAP_MS)


def has_access(profile_access: frozenset[str], preview: str | None) -> bool:
    return preview is None or preview in profile_access


# Words an answer uses when the key lacks a preview (the exact body is not captured).
_NO_ACCESS = ("access", "preview", "permission", "not enabled", "not available", "verified")


def access_refusal(preview: str | None, status: int, payload: Any) -> str | None:
    """Why a refusal of a preview request reads as "this key has no access", or None.

    A 403, or a 4xx whose error speaks of access or a preview, is recorded as not
    available to this key (skipped, with the answer); any other refusal is judged.
    """
    if preview is None or not 400 <= status < 500:
        return None
    err = payload.get("error") if isinstance(payload, dict) else None
    message = err.get("message") if isinstance(err, dict) else None
    text = " ".join(str(v) for v in (message, err.get("code") if isinstance(err, dict) else None))
    if status != 403 and not any(word in text.lower() for word in _NO_ACCESS):
        return None
    quoted = f": {str(message)[:120]!r}" if message else ""
    return f"{preview.upper()} output is not available to this key (HTTP {status}{quoted})"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def preview_rows(model: ModelSpec, access: frozenset[str]) -> list[tuple[str, Row]]:
    """The GIF and SVG requests of one model that the key has access to, as
    ``(probe id, row)`` pairs of its covering set (built by ``probes.valid_probe``)."""
    gpt = model.gpt
    if gpt is None:
        return []
    formats = gpt.preview_values("output_format")
    size, quality = cheapest_size(model), cheapest_quality(model)
    base: dict[str, Any] = {"model": model.name, "prompt": PROMPT, "size": size}
    if quality is not None:
        base["quality"] = quality
    rows: list[tuple[str, Row]] = []
    if "gif" in formats and "gif" in access:
        body = {**base, "output_format": "gif"}
        covers = ["output_format=gif"]
        if gpt.supported("frame_count"):
            body["frame_count"] = GIF_FRAMES
            covers.append(f"frame_count={GIF_FRAMES}")
        if gpt.supported("frame_duration_ms"):
            body["frame_duration_ms"] = GIF_DELAY_MS
            covers.append(f"frame_duration_ms={GIF_DELAY_MS}")
        frames = body.get("frame_count", gpt.default("frame_count") or 1)
        delay = body.get("frame_duration_ms", gpt.default("frame_duration_ms"))
        rows.append(
            _row(
                model,
                "gen-gif",
                body,
                covers,
                preview="gif",
                frames=int(frames),
                frame_delay_ms=rounded_delay(int(delay)) if delay is not None else None,
            )
        )
    if "svg" in formats and "svg" in access:
        body = {**base, "output_format": "svg", "n": 1}
        covers = ["output_format=svg", "n=1"]
        svg_model = None
        spec = gpt.param("svg")
        if spec is not None and spec.kind == "object":
            value = dict(spec.example or {"model": SVG_MODEL})
            body["svg"] = value
            svg_model = str(value["model"]) if value.get("model") is not None else None
            covers.append(f"svg.model={svg_model}")
        rows.append(_row(model, "gen-svg", body, covers, preview="svg", svg_model=svg_model))
    return rows


def _row(
    model: ModelSpec,
    probe_id: str,
    body: dict[str, Any],
    covers: list[str],
    **expect: Any,
) -> tuple[str, Row]:
    gpt = model.gpt
    assert gpt is not None
    expectation = Expectation(
        statuses=(200,),
        n=1,
        size=str(body["size"]),
        response_format="b64_json",
        family="gpt",
        output_format=_text(gpt.effective(body, "output_format")),
        background=_text(gpt.effective(body, "background")),
        quality=_text(gpt.effective(body, "quality")),
        **expect,
    )
    return probe_id, Row(body, expectation, tuple(covers))
