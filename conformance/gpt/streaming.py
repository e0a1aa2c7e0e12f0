"""Where a GPT model's covering set streams: ``stream: true``, with and without partials.

A model streams when its profile's ``stream`` parameter allows ``true``. Its
covering set (:mod:`conformance.gpt.covering`) then sends two of its requests
as streams instead of adding requests of their own, so streaming costs at most
one more image than the covering set already bills:

* the cheapest request asks ``stream: true`` with ``partial_images: 1`` (the
  fewest that show a partial image, its index 0, and the cap on how many
  arrive), so it bills 2 images, the partial and the completed one;
* the next request asks ``stream: true`` alone, ``partial_images`` left to its
  default (0): a single ``image_generation.completed`` event and no partial.

Every partial image is billed: the budget reservation, the billing count and
``--plan``'s estimate count it as one image (OpenAI bills a partial ~100 output
tokens, a third of a low-quality 1024x1024 image, so the estimate errs high).
The streamed requests carry the covering values of their rows, so the checks
of GPT answers (``gpt-image.*``) judge the completed event as they judge a
JSON answer, and the ``stream.*`` checks judge the events.

A model that declares no streaming (no ``stream`` parameter, or ``stream:
unsupported``) streams nothing and gets the free refused probe
``stream-unsupported`` instead (:mod:`conformance.gpt.plan`): a JSON answer to
``stream: true`` leaves the official clients with zero events and no error.
"""

from __future__ import annotations

from typing import Any

from conformance.params.spec import GptSpec

# Partial images asked by the streamed request that shows them (capped at the model's maximum).
PARTIALS = 1


def declares_streaming(gpt: GptSpec) -> bool:
    """Whether the profile says the model answers ``stream: true`` with events."""
    spec = gpt.param("stream")
    return spec is not None and spec.allows(True)


def _partials(gpt: GptSpec) -> int:
    spec = gpt.param("partial_images")
    if spec is None or spec.kind != "range":
        return 0
    return PARTIALS if spec.maximum is None else min(PARTIALS, spec.maximum)


def shows_partials(gpt: GptSpec) -> bool:
    """Whether the model's covering set spends an image on a partial one."""
    return declares_streaming(gpt) and _partials(gpt) > 0


def stream_fields(gpt: GptSpec, rows: int, *, partials: bool = True) -> list[dict[str, Any]]:
    """Per covering row (cheapest first), the streaming fields it sends ({} for none).

    ``partials=False``: the stream without partial images only (the model spends
    that image on ``n = 2`` instead, see :mod:`conformance.gpt.covering`).
    """
    fields: list[dict[str, Any]] = [{} for _ in range(rows)]
    if not declares_streaming(gpt) or rows == 0:
        return fields
    if not partials:
        fields[0] = {"stream": True}
        return fields
    partials_asked = _partials(gpt)
    plain = 0
    if partials_asked > 0:
        fields[0] = {"stream": True, "partial_images": partials_asked}
        plain = 1
    if plain < rows:
        fields[plain] = {"stream": True}
    return fields
