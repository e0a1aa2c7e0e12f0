"""Named faults: each makes the reference server break exactly one rule.

The suite's self-tests run every check against a server with the fault that
``breaks`` names switched on, and the check must then fail. A check with no
fault that makes it fail is a check nobody has seen fail, hence this registry.
Most faults mirror a deviation seen in real gateways and resellers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.server.contract import MALFORMED_JSON, RULES
from conformance.server.edit_faults import EDIT_FAULT_MODELS, EDIT_FAULT_PROFILE, EDIT_FAULTS
from conformance.server.gpt import GPT_TOLERATED


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str  # the check id that must fail against a server with this fault
    description: str
    # Other checks that observe the same broken rule and must fail too (e.g. the
    # HTTP status of a refusal, seen directly and through each client).
    also: tuple[str, ...] = ()
    # The profile whose reference server shows the fault (a rule only some
    # vendors document, e.g. a usage object in every answer): the DALL·E
    # baseline unless the fault is about the GPT image models.
    profile: str = "openai-dalle"
    # The models the self-test runs it against (empty: all of the profile's).
    models: tuple[str, ...] = ()

    @property
    def checks(self) -> tuple[str, ...]:
        return (self.breaks, *self.also)


# What a server that skips each rule does with the value instead.
_TOLERATED: Mapping[str, str] = {
    MALFORMED_JSON: "a body that is not a JSON object is read as {} with a default prompt",
    "model-unknown": "an unknown model is served as the default model",
    "prompt-missing": "a missing or null prompt is drawn as an empty one",
    "prompt-type": "a non-string prompt is drawn as its str()",
    "prompt-empty": "an empty or blank prompt is drawn",
    "prompt-too-long": "a prompt over the model's limit is drawn",
    "n-type": "a non-integer n is read with int() (1 if that fails), clamped to 1..10",
    "n-zero": "n below the minimum is raised to 1",
    "n-above-max": "n above the model's maximum is served, up to 10",
    "size-unicode-x": "a size written with the multiplication sign is read as an x",
    "size-unsupported": "an unlisted WxH size is drawn (64..2048 per side), anything else "
    "at the default size",
    "response-format-unknown": "an unknown response_format answers with url",
    "quality-unknown": "an unknown quality is ignored",
    "style-unknown": "an unknown style is ignored",
}

# Fault name -> the validation rule it switches off (the GPT models' own rules last).
ACCEPT_RULE_FAULTS: Mapping[str, str] = MappingProxyType(
    {
        **{f"accept-{rule}": rule for rule in (MALFORMED_JSON, *RULES) if rule in _TOLERATED},
        **{f"accept-{rule}": rule for rule in GPT_TOLERATED},
    }
)
# The GPT model whose rules the GPT-only accept faults are shown on (it has them all).
_GPT_MODEL = ("gpt-image-2",)


def _accept_faults() -> tuple[Fault, ...]:
    faults = []
    for name, rule in ACCEPT_RULE_FAULTS.items():
        if rule in GPT_TOLERATED:
            description = f"skips rule {rule}: {GPT_TOLERATED[rule]}"
            faults.append(
                Fault(name, "validation.rejected", description, profile="openai", models=_GPT_MODEL)
            )
        else:
            faults.append(
                Fault(name, "validation.rejected", f"skips rule {rule}: {_TOLERATED[rule]}")
            )
    return tuple(faults)


_OTHER_FAULTS: tuple[Fault, ...] = (
    Fault(
        "accept-missing-key",
        "auth.rejected",
        "a request without the auth header is served normally",
    ),
    Fault(
        "accept-wrong-key",
        "auth.rejected",
        "any key value is accepted (a missing header is still refused)",
    ),
    Fault(
        "auth-403",
        "client.openai-python.authentication",
        "authentication failures answer 403 (code forbidden) instead of 401",
        also=(
            "auth.rejected",
            "client.openai-python-strict.authentication",
            "client.openai-node.authentication",
            "client.vercel-ai.authentication",
        ),
    ),
    Fault(
        "validation-500",
        "validation.rejected",
        "every invalid request answers 500 with type server_error",
    ),
    Fault(
        "validation-422",
        "validation.status",
        "every invalid request answers 422",
        also=(
            "client.openai-python.bad-request",
            "client.openai-python-strict.bad-request",
            "client.openai-node.bad-request",
            "client.vercel-ai.bad-request",
        ),
    ),
    Fault("wrong-param", "validation.param", 'validation errors carry "param": null'),
    Fault(
        "error-flat",
        "errors.envelope",
        "error bodies are flat, vLLM style: {object: error, message, type, param, code: "
        "<status>} without the error wrapper",
    ),
    Fault(
        "error-no-param-code",
        "errors.envelope",
        "error bodies lack the param and code keys, one-api middleware style",
    ),
    Fault(
        "error-stringly",
        "errors.fields",
        'error bodies carry "param": "None" and the status as the code ("400"), LiteLLM style',
    ),
    Fault(
        "error-html",
        "errors.envelope",
        "error answers are an HTML page (text/html) with the same status",
    ),
    Fault(
        "reject-hd",
        "generation.status",
        "quality hd is refused with 400 (param quality) as if it were unsupported",
    ),
    Fault(
        "content-type-text",
        "generation.content-type",
        "successful answers are sent as text/plain; charset=utf-8: openai-node returns a "
        "string (openai-python and the AI SDK parse it)",
        also=("client.openai-node.generates",),
    ),
    Fault(
        "data-missing",
        "generation.schema",
        "successful answers carry created but no data array",
    ),
    Fault(
        "usage-malformed",
        "generation.usage",
        'successful answers carry "usage": {"total_tokens": "many"}: strict openai-python '
        "and the AI SDK reject it",
        also=("client.openai-python-strict.generates", "client.vercel-ai.generates"),
    ),
    Fault(
        "json-truncated",
        "generation.schema",
        "successful answers stop halfway through the JSON (still application/json)",
        also=(
            "client.openai-python.generates",
            "client.openai-python-strict.generates",
            "client.openai-node.generates",
            "client.vercel-ai.generates",
        ),
    ),
    Fault("created-ms", "generation.created", "created is in milliseconds"),
    Fault(
        "created-null",
        "client.openai-python-strict.generates",
        "created is null: strict openai-python rejects it, the default mode reads None",
    ),
    Fault(
        "quality-auto",
        "client.openai-python-strict.generates",
        'successful answers echo "quality": "auto" instead of the quality drawn (strict '
        "openai-python rejects the value, the default mode and the other clients cope)",
    ),
    Fault("n-ignored", "generation.count", "one image is returned (and billed) whatever n is"),
    Fault(
        "format-ignored",
        "generation.format",
        "images are always returned as url whatever response_format says",
    ),
    Fault("both-formats", "generation.format", "every image carries both url and b64_json"),
    Fault(
        "null-fields",
        "generation.nulls",
        "unused keys (url, b64_json, revised_prompt) are sent as explicit nulls",
    ),
    Fault(
        "null-top-level",
        "generation.nulls",
        "answers carry the GPT-image keys background, output_format, quality and size as "
        "explicit nulls at the top level (LiteLLM style)",
    ),
    Fault("b64-data-uri", "images.b64", "b64_json values start with data:image/png;base64,"),
    Fault("b64-not-image", "images.b64", "b64_json is valid base64 of bytes that are no image"),
    Fault("url-404", "images.url", "image URLs name files that do not exist (404)"),
    Fault("url-relative", "images.url", "image URLs are relative (/v1/files/<id>.png)"),
    Fault(
        "usage-sum",
        "generation.usage",
        "usage in OpenAI's shape whose total_tokens is not input_tokens + output_tokens",
    ),
    Fault(
        "usage-zero",
        "generation.usage",
        "usage in OpenAI's shape counting 0 tokens for the images it returns",
    ),
    Fault(
        "usage-missing",
        "generation.usage",
        "no usage object, though the profile documents one in every answer",
        profile="modelmax",
    ),
    Fault(
        "balance-403",
        "balance.insufficient",
        "an empty balance answers 403 insufficient_user_quota (one-api style)",
    ),
    Fault(
        "wrong-dimensions",
        "images.dimensions",
        "images are drawn at half the requested width and height",
        also=("images.openai-size",),
    ),
    Fault(
        "revised-prompt-number",
        "generation.revised-prompt",
        'every image carries "revised_prompt": 42',
    ),
)

# The GPT image models, as the openai profile's reference server emulates them.
_GPT_FAULTS: tuple[Fault, ...] = (
    Fault(
        "gpt-url",
        "gpt-image.b64-only",
        "GPT image answers carry a url (a stored image) instead of b64_json",
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-usage-missing",
        "gpt-image.usage",
        "GPT image answers carry no usage",
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-usage-no-output",
        "gpt-image.usage",
        "GPT image usage counts 0 output tokens for the images it returns",
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-png-for-jpeg",
        "gpt-image.output-format",
        "output_format jpeg or webp is answered with a PNG (the echo still says jpeg/webp)",
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-opaque",
        "gpt-image.transparency",
        "background transparent is drawn without an alpha channel (the echo still says "
        "transparent)",
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-echo-auto",
        "gpt-image.echo",
        "size, quality and background asked as auto (or left to their auto default) are "
        'echoed as "auto"',
        also=("client.openai-python-strict.generates",),
        profile="openai",
        models=_GPT_MODEL,
    ),
    Fault(
        "gpt-auto-size",
        "gpt-image.dimensions",
        "size auto is drawn at 1344x768, a size no GPT model lists",
        profile="openai",
        models=_GPT_MODEL,
    ),
)

# Answers to stream: true (conformance/server/stream.py), shown on the cheapest GPT model.
_STREAM_MODEL = ("gpt-image-1-mini",)
# Every client that iterates a stream breaks on these two (the Vercel AI SDK's
# generateImage does not stream, so it has no say).
_STREAMING_CLIENTS = (
    "client.openai-python.generates",
    "client.openai-python-strict.generates",
    "client.openai-node.generates",
)
_STREAM_FAULTS: tuple[Fault, ...] = tuple(
    Fault(name, breaks, description, also=also, profile="openai", models=_STREAM_MODEL)
    for name, breaks, description, also in (
        (
            "stream-as-json",
            "stream.is-stream",
            "stream: true is answered with the JSON body (a server that ignores stream; "
            "a model without streaming answers instead of refusing)",
            _STREAMING_CLIENTS,
        ),
        (
            "stream-content-type-text",
            "stream.content-type",
            "event streams are sent as text/plain; charset=utf-8",
            (),
        ),
        (
            "stream-event-without-data",
            "stream.framing",
            "an event: ping line with no data: line follows the first partial image",
            _STREAMING_CLIENTS,
        ),
        (
            "stream-flat-error",
            "stream.event-types",
            'a flat {"type": "error", "message": ...} event instead of the completed image',
            ("stream.completed",),
        ),
        (
            "stream-partial-index-one-based",
            "stream.partials",
            "partial_image_index counts from 1",
            (),
        ),
        (
            "stream-no-completed",
            "stream.completed",
            "the stream ends after the partial images, without image_generation.completed",
            (),
        ),
        (
            "stream-completed-no-usage",
            "stream.fields",
            "the completed event carries no usage",
            (),
        ),
        ("stream-done", "stream.done", "data: [DONE] is sent after the last event", ()),
    )
)

_EDIT_FAULTS: tuple[Fault, ...] = tuple(
    Fault(
        name, breaks, description, also=also, profile=EDIT_FAULT_PROFILE, models=EDIT_FAULT_MODELS
    )
    for name, breaks, description, also in EDIT_FAULTS
)

FAULTS: Mapping[str, Fault] = MappingProxyType(
    {
        fault.name: fault
        for fault in (
            *_accept_faults(),
            *_OTHER_FAULTS,
            *_GPT_FAULTS,
            *_STREAM_FAULTS,
            *_EDIT_FAULTS,
        )
    }
)


def unknown_faults(names: Iterable[str]) -> list[str]:
    """The names in ``names`` that are no fault, once each, in the order given."""
    return list(dict.fromkeys(name for name in names if name not in FAULTS))
