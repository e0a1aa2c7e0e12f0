"""How many images a request asks for, as a vendor documents it (a model's ``n``).

``n: {min, max}`` is OpenAI's parameter. A vendor may have none (``n: absent``: one
image a request; n is never sent and n > 1 never probed), or call it something
else (``n: {rename: num_images, min: 1, max: 4}``: requests carry that name on the
wire). ``assumed: true`` says the docs give no range: the range is a guess, and a
verdict that rests on it says so (in the report and results.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ABSENT = "absent"
OPENAI_NAME = "n"


@dataclass(frozen=True)
class Count:
    min: int
    max: int
    # The name requests carry on the wire; None: the vendor has no such parameter.
    param: str | None = OPENAI_NAME
    assumed: bool = False


# What a ModelSpec built without a profile's n means: OpenAI's n, one image.
ONE = Count(1, 1)


def parse_count(raw: Any) -> Count:
    """A model's ``n`` (already schema-checked)."""
    if raw == ABSENT:
        return Count(1, 1, param=None)
    return Count(
        raw["min"],
        raw["max"],
        param=raw.get("rename", OPENAI_NAME),
        assumed=raw.get("assumed", False),
    )


def assumed_range(count: Count) -> tuple[str, ...]:
    """What a probe of the range rests on, in words, when the docs give none."""
    if not count.assumed:
        return ()
    return (f"n {count.min}-{count.max} is assumed: the docs give no range",)
