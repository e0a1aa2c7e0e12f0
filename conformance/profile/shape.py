"""The success answer as a vendor documents it (``response.shape``).

OpenAI answers ``{"created": ..., "data": [...]}`` (and, for the GPT image
models, the echoed settings and token usage). Many vendors document another
shape: the list under ``images``, no ``created``, extra top-level fields (``id``,
``seed``, ``timings``) or per-item ones (``mime_type``, ``block_reason``), a GPT-form
answer without usage or echo. The docs view judges an answer by this shape and
the reference server emulates it; the drop-in view keeps OpenAI's
(:data:`OPENAI_SHAPE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.errors import ConfigError

# Usage shapes (response.usage): none (not documented), openai (ImageGenUsage),
# chat (prompt/completion tokens), cost (a cost only, no tokens).
USAGE_SHAPES = ("none", "openai", "chat", "cost")


@dataclass(frozen=True)
class AnswerShape:
    """What a successful JSON answer carries."""

    # The key of the image list (the profile's ``list``).
    list_key: str = "data"
    # Whether ``created`` (Unix seconds) is documented.
    created: bool = True
    # Extra top-level fields the docs show in every answer.
    fields: tuple[str, ...] = ()
    # Extra fields the docs show in every image item.
    item_fields: tuple[str, ...] = ()
    # GPT form: whether token usage, and the echoed size/quality/background/
    # output_format, come back.
    usage: bool = True
    echo: bool = True

    @property
    def is_openai(self) -> bool:
        return self == OPENAI_SHAPE

    def differences(self) -> list[str]:
        """How it differs from OpenAI's, in words (for a verdict or a skip)."""
        out = []
        if self.list_key != OPENAI_SHAPE.list_key:
            out.append(f"the images under {self.list_key!r}, not 'data'")
        if not self.created:
            out.append("no created")
        if not self.usage:
            out.append("no usage")
        if not self.echo:
            out.append("no echoed settings")
        return out


OPENAI_SHAPE = AnswerShape()


def parse_shape(raw: Mapping[str, Any] | None) -> AnswerShape:
    """``response.shape`` (already schema-checked); OpenAI's when absent."""
    if not raw:
        return OPENAI_SHAPE
    return AnswerShape(
        list_key=raw.get("list", OPENAI_SHAPE.list_key),
        created=raw.get("created", True),
        fields=tuple(raw.get("fields", ())),
        item_fields=tuple(raw.get("item_fields", ())),
        usage=raw.get("usage", True),
        echo=raw.get("echo", True),
    )


def shape_problems(shape: AnswerShape) -> list[str]:
    """Cross-field rules the schema cannot say."""
    reserved = {"created", "usage", shape.list_key}
    problems = [
        f"response.shape.fields: {name!r} is part of the answer already"
        for name in shape.fields
        if name in reserved
    ]
    problems += [
        f"response.shape.item_fields: {name!r} is an image field already"
        for name in shape.item_fields
        if name in ("url", "b64_json", "revised_prompt")
    ]
    return problems


def parse_response_shape(response: Mapping[str, Any], where: str) -> tuple[AnswerShape, str]:
    """The answer shape, and the GPT form's usage shape.

    A GPT-form answer was always judged for OpenAI's token usage, whatever
    ``response.usage`` said (none, the default and TEMPLATE.yaml's value, was
    read for the DALL·E form only). So for the GPT form none keeps that meaning;
    chat and cost are honoured, and ``shape.usage: false`` says no usage comes back.
    """
    shape = parse_shape(response.get("shape"))
    problems = shape_problems(shape)
    if problems:
        raise ConfigError(f"profile {where}: {problems[0]}")
    documented = str(response.get("usage", "none"))
    gpt_usage = documented if documented in ("chat", "cost") else "openai"
    if not shape.usage:
        gpt_usage = "none"
    return shape, gpt_usage
