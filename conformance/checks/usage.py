"""Token usage in a generation answer, when there is one.

Drop-in view: OpenAI's ImageGenUsage (input_tokens, output_tokens, total_tokens,
input_tokens_details.{text_tokens,image_tokens}), which typed clients validate
(a chat-style ``prompt_tokens`` usage breaks LiteLLM's pydantic models). Docs
view: the shape the vendor documents (``response.usage``: openai, chat, or a
cost only), present in every answer if it says so; the GPT form's usage is
judged by ``gpt-image.usage`` on the same shapes.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import (
    Context,
    Result,
    answer_of,
    check,
    failed,
    not_a_success,
    passed,
    skipped,
)

SHAPES = {
    "openai": ("input_tokens", "output_tokens", "total_tokens"),
    "chat": ("prompt_tokens", "completion_tokens", "total_tokens"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cost_problems(usage: dict[str, Any]) -> list[str]:
    cost = usage.get("cost")
    if isinstance(cost, bool) or not isinstance(cost, (int, float)):
        return [f"usage.cost is {cost!r}, not a number (the docs report a cost)"]
    if cost < 0:
        return [f"usage.cost is {cost}, below zero"]
    return []


def shape_problems(usage: Any, shape: str) -> list[str]:
    if not isinstance(usage, dict):
        return [f"usage is {type(usage).__name__}, not an object"]
    if shape == "cost":
        return _cost_problems(usage)
    first, second, total = SHAPES[shape]
    problems = [
        f"usage.{k} is missing or not an integer"
        for k in (first, second, total)
        if not _is_int(usage.get(k))
    ]
    if shape == "openai":
        details = usage.get("input_tokens_details")
        if not isinstance(details, dict) or not all(
            _is_int(details.get(k)) for k in ("text_tokens", "image_tokens")
        ):
            problems.append("usage.input_tokens_details.{text_tokens,image_tokens} missing")
        leaked = [k for k in SHAPES["chat"][:2] if k in usage]
        if leaked:
            problems.append(
                f"chat-style keys {', '.join(leaked)} (OpenAI's images usage "
                "says input_tokens/output_tokens)"
            )
    if not problems and usage[total] != usage[first] + usage[second]:
        problems.append(
            f"usage.{total} {usage[total]} != {first} {usage[first]} + {second} {usage[second]}"
        )
    return problems


def judged_shape(ctx: Context, documented: str) -> str:
    """The usage shape an answer's usage is judged as: the documented one in the docs
    view; in the drop-in view OpenAI's (chat names stay chat: their known deviation)."""
    if ctx.view == "docs" and documented in ("chat", "cost"):
        return documented
    return "chat" if documented == "chat" else "openai"


@check(
    "generation.usage",
    title="usage, where present, has the documented shape",
    severity="should",
    applies=answer_of("dalle", "valid", "example"),
)
def usage(ctx: Context) -> Result:
    if (refused := not_a_success(ctx)) is not None:
        return refused
    payload = ctx.payload
    if not isinstance(payload, dict):
        return skipped("no JSON object to judge (judged by generation.schema)")
    documented = ctx.profile.usage
    if "usage" not in payload or payload["usage"] is None:
        if documented != "none":
            return failed(
                f"no usage, but the docs promise a {documented}-style usage in every answer"
            )
        return passed("no usage (none documented)")
    shape = judged_shape(ctx, documented)
    problems = shape_problems(payload["usage"], shape)
    if problems:
        return failed("; ".join(problems))
    if shape == "cost":
        return passed(f"cost {payload['usage']['cost']}, as documented")
    images = len(ctx.items() or [])
    if ctx.openai_rules and images and payload["usage"]["total_tokens"] == 0:
        # A gateway's placeholder: cost accounting would book these images as free.
        return failed(f"usage counts 0 tokens for {images} generated image(s)")
    return passed(f"{shape}-style usage, totals add up")
