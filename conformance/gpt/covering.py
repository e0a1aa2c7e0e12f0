"""The covering set of a GPT model: every documented value once, at the lowest price.

One request per value of the longest list (size, quality, background,
output_format, moderation), plus one image: a model that streams sends its two
cheapest requests as streams (:mod:`conformance.gpt.streaming`), the cheapest
with one partial image; a model that does not stream asks ``n = 2`` on its
cheapest request instead. Either way a model bills at most its longest list +
1 images. A run of several streaming models spends the extra image of every
second one (``ask_n``, chosen by the plan) on ``n = 2`` rather than on a
partial image: that model streams once, without partials, and asks ``n = 2``
on its cheapest JSON request. So the partial images are still judged on the
run's first streaming model, and a vendor that ignores ``n`` is caught too.
(OpenAI was once seen answering ``n = 2`` with a single image and ``n = 3``
with three, on gpt-image-1 on 2026-09-20; that is the behaviour
``generation.count`` exists to report, and the baseline is judged by it like
any vendor.) A run of one streaming model keeps its partial image and sends no
``n > 1``. Sizes go cheapest first (``auto``
last); qualities are then placed where they cost least (an expensive quality
on a cheap size; the request with the extra image at the cheapest quality);
background and output_format are arranged so that every request obeys the
model's rules (transparent only with png or webp). A value equal to the
documented default is left out of one request, so the default itself is
exercised; ``output_compression`` gets one non-default value on a jpeg/webp
request, and the last request sends ``n`` and ``output_compression`` as null
(what the SDK sends for an argument given as None).

``complexity`` (no rule involves it) takes its values in row order.
``safety_identifier`` rides on the first two JSON requests: one sends it with
``user`` (the echo must be the safety_identifier), the other sends ``user``
with an empty safety_identifier (the echo must fall back to user). The valid
side of the prompt limit rides on the last requests: a prompt of exactly the
limit, and one just over each DALL·E-era limit a gateway enforces by mistake
(1000, 4000) that is below it, so a refusal also says which limit was applied.
GIF and SVG output (preview capabilities) are planned apart (``preview_rows``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from conformance.gpt.pricing import image_price
from conformance.gpt.streaming import shows_partials, stream_fields
from conformance.params.pairs import PAIR_RULES
from conformance.params.sizes import area
from conformance.params.spec import AUTO, GptSpec
from conformance.probes import PROMPT, Expectation, Row, potential_images

if TYPE_CHECKING:  # types only: the profile is read, never imported back
    from conformance.profile import ModelSpec

# Axes besides size and quality, in the order they are placed.
_FREE_AXES = ("background", "output_format", "moderation")
# Prompt limits that gateways enforce by mistake (dall-e-2's and dall-e-3's).
MISTAKEN_PROMPT_LIMITS = (1000, 4000)
SAFETY_IDENTIFIER = "imagegen-conformance-safety"
USER = "imagegen-conformance"
_FILLER = " The cube casts a soft shadow; the table is plain and the light is even."


def long_prompt(chars: int) -> str:
    """A harmless prompt of exactly ``chars`` characters."""
    text = PROMPT + _FILLER * (chars // len(_FILLER) + 1)
    return text[:chars]


def prompt_lengths(model: ModelSpec) -> list[int]:
    """Prompt lengths on the valid side of the limit, the limit itself first."""
    limit = model.prompt_max_chars
    if limit is None:
        return []
    return [limit] + [m + 1 for m in reversed(MISTAKEN_PROMPT_LIMITS) if m + 1 < limit]


def _price(model: ModelSpec, quality: Any, size: str) -> float:
    return image_price(model, quality, size) or 0.0


def cheapest_size(model: ModelSpec) -> str:
    """The listed size whose cheapest image costs least (then the smallest)."""
    gpt = _gpt(model)
    low = cheapest_quality(model)
    return min(gpt.size.fixed, key=lambda s: (_price(model, low, s), area(s)))


def cheapest_quality(model: ModelSpec) -> Any:
    gpt = _gpt(model)
    values = [q for q in gpt.values("quality") if q != AUTO]
    if not values:
        return None
    smallest = min(gpt.size.fixed, key=area)
    return min(values, key=lambda q: (_price(model, q, smallest), values.index(q)))


def _gpt(model: ModelSpec) -> GptSpec:
    if model.gpt is None:
        raise ValueError(f"{model.name} is not a GPT-family model")
    return model.gpt


def _sizes(model: ModelSpec) -> list[str]:
    gpt = _gpt(model)
    low = cheapest_quality(model)
    fixed = sorted(gpt.size.fixed, key=lambda s: (_price(model, low, s), area(s)))
    return fixed + ([AUTO] if gpt.size.has_auto else [])


def _padded(values: Sequence[Any], rows: int, pad: Any) -> list[Any]:
    return list(values) + [pad] * (rows - len(values))


def _qualities(model: ModelSpec, sizes: list[str], counts: list[int]) -> list[Any]:
    """The order of qualities over the rows that costs least (ties: listed order)."""
    values = list(_gpt(model).values("quality"))
    if not values:
        return [None] * len(sizes)
    padded = _padded(values, len(sizes), cheapest_quality(model) or values[0])
    best: tuple[float, tuple[Any, ...]] | None = None
    for order in dict.fromkeys(itertools.permutations(padded)):
        cost = sum(_price(model, q, s) * n for q, s, n in zip(order, sizes, counts, strict=True))
        if best is None or cost < best[0] - 1e-12:
            best = (cost, order)
    assert best is not None
    return list(best[1])


def _legal(gpt: GptSpec, row: dict[str, Any]) -> bool:
    return all(
        PAIR_RULES[name].broken(row, gpt) is None for name in gpt.rules if PAIR_RULES[name].refused
    )


def _free_axes(gpt: GptSpec, rows: int) -> list[dict[str, Any]]:
    """background / output_format / moderation per row, every row legal."""
    columns: dict[str, list[Any]] = {}
    for axis in _FREE_AXES:
        values = gpt.values(axis)
        if values:
            # Spare requests send the default explicitly (auto must resolve, too).
            pad = gpt.default(axis) if gpt.default(axis) is not None else values[0]
            columns[axis] = _padded(values, rows, pad)
    names = list(columns)
    options = [list(dict.fromkeys(itertools.permutations(columns[a]))) for a in names]
    for combo in itertools.product(*options):
        table = [{a: combo[k][i] for k, a in enumerate(names)} for i in range(rows)]
        if all(_legal(gpt, row) for row in table):
            return table
    raise ValueError("no arrangement of background and output_format obeys the model's rules")


def _compression(gpt: GptSpec) -> int | None:
    spec = gpt.param("output_compression")
    if spec is None or spec.kind != "range" or spec.minimum is None or spec.maximum is None:
        return None
    middle = (spec.minimum + spec.maximum) // 2
    return middle if middle != spec.default else spec.minimum


def _probe_id(values: dict[str, Any], n: int) -> str:
    parts = [str(values[k]) for k in ("size", "quality", *_FREE_AXES) if values.get(k) is not None]
    return "gen-" + "-".join(parts) + (f"-n{n}" if n > 1 else "")


def _stream_suffix(partials: int, streams: bool) -> str:
    if not streams:
        return ""
    return f"-stream-p{partials}" if partials else "-stream"


def can_ask_n(model: ModelSpec) -> bool:
    """Whether the model could spend its partial image on ``n = 2`` instead."""
    return model.gpt is not None and shows_partials(model.gpt) and model.n_max >= 2


def covering_rows(model: ModelSpec, *, ask_n: bool = False) -> list[tuple[str, Row]]:
    """``(probe id, row)`` pairs for one GPT model, cheapest sizes first.

    ``ask_n``: a streaming model spends its extra image on ``n = 2`` (on its
    cheapest request that does not stream) instead of on a partial image.
    """
    gpt = _gpt(model)
    sizes = _sizes(model)
    lists = [sizes] + [list(gpt.values(a)) for a in ("quality", *_FREE_AXES)]
    rows = max(len(v) for v in lists)
    sizes = _padded(sizes, rows, sizes[0])
    trade = ask_n and can_ask_n(model) and rows > 1
    streams = stream_fields(gpt, rows, partials=not trade)
    if trade:
        extra_row: int | None = next(i for i, fields in enumerate(streams) if not fields)
    else:  # no partial image: n = 2 instead
        extra_row = 0 if not streams[0] and model.n_max >= 2 else None
    counts = [2 if i == extra_row else 1 for i in range(rows)]
    # Images billed per row: a partial image is billed like one.
    billed = [potential_images({**row, "n": n}) for n, row in zip(counts, streams, strict=True)]
    qualities = _qualities(model, sizes, billed)
    free = _free_axes(gpt, rows)
    defaults = {"size": gpt.size.default, **{a: gpt.default(a) for a in ("quality", *_FREE_AXES)}}
    compression = _compression(gpt)
    complexities = _padded(gpt.values("complexity"), rows, None)
    # The JSON requests carry the safety_identifier pair (a stream's echo is optional).
    json_rows = [i for i in range(rows) if not streams[i]]
    identified = json_rows[:2] if gpt.supported("safety_identifier") else []
    lengths = prompt_lengths(model)[:rows]
    long_rows = {rows - 1 - k: length for k, length in enumerate(lengths)}
    omitted: set[str] = set()
    out = []
    for i in range(rows):
        chosen: dict[str, Any] = {"size": sizes[i], "quality": qualities[i], **free[i]}
        chosen = {k: v for k, v in chosen.items() if v is not None}
        body: dict[str, Any] = {"model": model.name, "prompt": PROMPT}
        covers = []
        for axis, value in chosen.items():
            if i > 0 and value == defaults.get(axis) and axis not in omitted:
                omitted.add(axis)  # left out once on purpose: the default must apply
                covers.append(f"{axis}={value} (default)")
                continue
            body[axis] = value
            covers.append(f"{axis}={value}")
        fmt = gpt.effective(body, "output_format")
        if compression is not None and fmt in ("jpeg", "webp") and "compression" not in omitted:
            omitted.add("compression")
            body["output_compression"] = compression
            covers.append(f"output_compression={compression}")
        if counts[i] > 1:
            body["n"] = counts[i]
            covers.append(f"n={counts[i]}")
        if complexities[i] is not None:
            body["complexity"] = complexities[i]
            covers.append(f"complexity={complexities[i]}")
        echo = None
        if identified and i in identified:
            first = i == identified[0]
            body["safety_identifier"] = SAFETY_IDENTIFIER if first else ""
            if gpt.supported("user"):
                body["user"] = USER
            echo = SAFETY_IDENTIFIER if first else (USER if gpt.supported("user") else None)
            covers.append("safety_identifier" if first else 'safety_identifier="" (user fallback)')
        elif i == 0 and not identified and gpt.supported("user"):
            body["user"] = USER
            covers.append("user")
        if i in long_rows:
            body["prompt"] = long_prompt(long_rows[i])
            covers.append(f"prompt of {long_rows[i]} characters")
        if i == rows - 1 and i > 0:
            # openai-python sends an argument given as None as null: null means default.
            for name in ("n", "output_compression"):
                if name not in body and (name == "n" or gpt.supported(name)):
                    body[name] = None
                    covers.append(f"{name}=null")
        partials = 0
        if streams[i]:
            body.update(streams[i])
            partials = streams[i].get("partial_images", 0)
            default = gpt.default("partial_images") or 0
            shown = str(partials) if partials else f"{default} (default)"
            covers += ["stream=true", f"partial_images={shown}"]
        expect = Expectation(
            statuses=(200,),
            n=counts[i],
            size=str(gpt.effective(body, "size") or AUTO),
            # A stream's completed event carries b64_json; there is no response_format.
            response_format=None if streams[i] else "b64_json",
            family="gpt",
            output_format=_text(gpt.effective(body, "output_format")),
            background=_text(gpt.effective(body, "background")),
            quality=_text(gpt.effective(body, "quality")),
            stream=bool(streams[i]),
            partial_images=partials,
            safety_identifier=echo,
        )
        probe_id = _probe_id(chosen, counts[i]) + _stream_suffix(partials, bool(streams[i]))
        out.append((probe_id, Row(body, expect, tuple(covers))))
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def expectation(model: ModelSpec, body: dict[str, Any]) -> Expectation:
    """What a valid request of any shape must show (used for fuzzed valid cases)."""
    gpt = _gpt(model)
    n = body.get("n") if isinstance(body.get("n"), int) else 1
    size = body.get("size") if body.get("size") is not None else gpt.size.default
    return Expectation(
        statuses=(200,),
        n=n or 1,
        size=str(size or AUTO),
        response_format="b64_json",
        family="gpt",
        output_format=_text(gpt.effective(body, "output_format")),
        background=_text(gpt.effective(body, "background")),
        quality=_text(gpt.effective(body, "quality")),
    )
