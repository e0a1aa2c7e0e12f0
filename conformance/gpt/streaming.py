"""Streaming probes of a GPT model: ``stream: true``, with and without partial images.

A model streams when its profile's ``stream`` parameter allows ``true``. It then
gets two billable probes at the lowest price (its cheapest size and quality):

* ``stream``: ``stream: true`` alone, ``partial_images`` left to its default
  (0): a single ``image_generation.completed`` event and no partial.
* ``stream-partials-2``: ``partial_images: 2`` (the fewest that show the order,
  index 0 then 1; at most the model's maximum) and an ``output_format`` other
  than the default, so the partial and completed images are judged in a
  format that had to be asked for.

Every partial image is billed: the budget reservation, the billing count and
``--plan``'s estimate count it as one image (OpenAI bills a partial ~100 output
tokens, a third of a low-quality 1024x1024 image, so the estimate errs high).
A model that declares no streaming (no ``stream`` parameter, or ``stream:
unsupported``) gets the free refused probe ``stream-unsupported`` instead
(:mod:`conformance.gpt.plan`): a JSON answer to ``stream: true`` leaves the
official clients with zero events and no error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.gpt.covering import PROMPT, cheapest_quality, cheapest_size
from conformance.gpt.pairs import PAIR_RULES
from conformance.gpt.params import AUTO, GptSpec
from conformance.probes import Expectation, Probe

if TYPE_CHECKING:  # types only: the profile reads this family's rules
    from conformance.profile import ModelSpec

# Partial images asked in the partials probe (capped at the model's maximum).
PARTIALS = 2


def declares_streaming(gpt: GptSpec) -> bool:
    """Whether the profile says the model answers ``stream: true`` with events."""
    spec = gpt.param("stream")
    return spec is not None and spec.allows(True)


def _partials_max(gpt: GptSpec) -> int:
    spec = gpt.param("partial_images")
    if spec is None or spec.kind != "range":
        return 0
    return PARTIALS if spec.maximum is None else min(PARTIALS, spec.maximum)


def _legal(gpt: GptSpec, body: dict[str, Any]) -> bool:
    return all(
        PAIR_RULES[name].broken(body, gpt) is None for name in gpt.rules if PAIR_RULES[name].refused
    )


def _other_format(gpt: GptSpec, body: dict[str, Any]) -> str | None:
    """An output_format other than the default that the request may carry."""
    default = gpt.default("output_format")
    for value in gpt.values("output_format"):
        if value != default and _legal(gpt, {**body, "output_format": value}):
            return str(value)
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _probe(model: ModelSpec, probe_id: str, body: dict[str, Any], covers: list[str]) -> Probe:
    gpt = model.gpt
    assert gpt is not None
    partials = gpt.effective(body, "partial_images")
    partials = partials if isinstance(partials, int) and not isinstance(partials, bool) else 0
    expect = Expectation(
        statuses=(200,),
        n=1,
        size=str(gpt.effective(body, "size") or AUTO),
        family="gpt",
        output_format=_text(gpt.effective(body, "output_format")),
        background=_text(gpt.effective(body, "background")),
        quality=_text(gpt.effective(body, "quality")),
        stream=True,
        partial_images=partials,
    )
    return Probe(
        id=probe_id,
        model=model.name,
        title="stream " + ", ".join(covers),
        kind="valid",
        body=body,
        expect=expect,
        potential_images=expect.images,
        covers=tuple(covers),
    )


def stream_probes(model: ModelSpec) -> list[Probe]:
    """The billable streaming probes of a model that declares streaming (else none)."""
    gpt = model.gpt
    if gpt is None or not declares_streaming(gpt):
        return []
    base: dict[str, Any] = {"model": model.name, "prompt": PROMPT, "size": cheapest_size(model)}
    quality = cheapest_quality(model)
    if quality is not None:
        base["quality"] = quality
    shown = [f"size={base['size']}"] + ([f"quality={quality}"] if quality is not None else [])
    default = gpt.default("partial_images") or 0
    probes = [
        _probe(
            model,
            "stream",
            {**base, "stream": True},
            ["stream=true", f"partial_images={default} (default)", *shown],
        )
    ]
    partials = _partials_max(gpt)
    if partials > 0:
        body = {**base, "stream": True, "partial_images": partials}
        covers = ["stream=true", f"partial_images={partials}", *shown]
        fmt = _other_format(gpt, body)
        if fmt is not None:
            body["output_format"] = fmt
            covers.append(f"output_format={fmt}")
        probes.append(_probe(model, f"stream-partials-{partials}", body, covers))
    return probes
