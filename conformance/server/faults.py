"""Named faults: each makes the reference server break exactly one rule.

The suite's self-tests run every check against a server with the fault that
``breaks`` names switched on, and the check must then fail. A check with no
fault that makes it fail is a check nobody has seen fail, hence this registry.
Most faults mirror a deviation seen in real gateways and resellers.

Each fault is declared once, here, as a :class:`Fault` constant; the server asks
``state.has(faults.N_IGNORED)``, never a string, so a misspelt fault is an
``AttributeError`` at import (and a mypy error), not a switch that is silently
off. A name given from outside (``--fault``, ``create_app``) is checked against
:data:`FAULTS` when the server is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Literal

from conformance.server.contract import MALFORMED_JSON, RULES
from conformance.server.gpt_contract import GPT_TOLERATED

# Which model family's answers a fault changes: a DALL·E-format model's, a GPT
# image model's, or any model's (errors, authentication, serialization).
Family = Literal["dalle", "gpt", "any"]
# The operations a fault can apply to; keyed like the server's routes (app.py)
# and a probe's operation: POST /v1/images/generations, GET /v1/models and
# POST /v1/images/edits.
GENERATIONS = "generations"
MODELS = "models"
EDITS = "edits"


class Need(Enum):
    """What a run must send for a fault to change any answer (its profile scope).

    Judged on the run's plan by :mod:`conformance.server.scope`, over the models
    of the fault's family; the value says it in words, for ``--list-faults``
    and for the one line that refuses a fault that cannot apply.
    """

    VALID = "a valid request"
    JSON_ANSWER = "a valid request answered as JSON (not streamed)"
    N_ABOVE_ONE = "a valid request asking n > 1"
    QUALITY_HD = "a valid request asking quality hd"
    URL = "a valid request answered with url"
    B64 = "a valid request answered with b64_json"
    ABSENT_KEYS = "a valid request, on a profile that documents no explicit nulls"
    USAGE_DOCUMENTED = "a valid request, on a profile that documents usage in every answer"
    AUTO = "a valid request whose size, quality or background resolves auto"
    SIZE_AUTO = "a valid request whose size resolves auto"
    TRANSPARENT = "a valid request asking background transparent"
    NOT_PNG = "a valid request asking output_format jpeg or webp"
    STREAM = "a request asking stream: true"
    STREAM_ASKED = (
        "a request asking stream: true (valid, or refused by a model that does not stream)"
    )
    PARTIALS = "a streamed request asking partial images"
    RULE = "a refused request testing the rule it skips"
    REFUSED = "a request the contract refuses"
    ASPECT_RATIO = "a valid request asking an aspect ratio (dimensions kind aspect_ratio)"
    NOT_REFUSED = (
        "a request OpenAI refuses but the docs view expects accepted (a field the docs "
        "do not mention on a vendor that ignores such fields, or a free-form value)"
    )
    AUTH_REQUIRED = "a request without a key, on a profile that requires one"
    WRONG_KEY = "a request with a wrong key"
    ZERO_BALANCE = "a request with an empty-balance key"
    LISTING = "a GET /v1/models request, on a profile whose vendor lists its models"
    LISTING_SHUTDOWN = (
        "a GET /v1/models request, on a profile with a model's shutdown date "
        "(openai-legacy, with --allow-shutdown)"
    )
    QUALITY_ABOVE_HIGH = "a valid request asking quality xhigh or max"
    GIF = "a valid request asking output_format gif (the key's GIF preview)"
    SVG = "a valid request asking output_format svg (the key's SVG preview)"
    EDIT = "a valid edit (POST /v1/images/edits)"
    EDIT_IMAGES = "a valid edit sending several input images as image[]"
    EDIT_MASK = "a valid edit sending a mask"
    EDIT_N_ABOVE_ONE = "a valid edit asking n > 1"
    EDIT_SIZE = "a valid edit whose size resolves to other than 1024x1024"
    EDIT_STREAM = "a valid edit asking stream: true"
    EDIT_MIMETYPE = "an edit sending an image part labelled application/octet-stream"
    EDIT_N_ABOVE_MAX = (
        "an edit asking n above the model's maximum (the property-based edits draw one; "
        "run with --probes all or fuzz)"
    )
    SHAPED = "a valid request, on a profile documenting another answer shape (response.shape)"
    SHAPE_FIELDS = (
        "a valid request, on a profile documenting extra answer fields (response.shape.fields)"
    )
    USAGE_SHAPED = "a valid request, on a profile documenting a usage other than OpenAI's tokens"
    ENVELOPE = "a refused request, on a profile documenting another envelope (errors.envelope)"
    RENAMED_N = "a valid request asking n > 1, on a profile whose model renames n (n: rename)"
    MISSING_KEY = (
        "a request without a key, on a profile whose errors.missing_key differs from unauthorized"
    )


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str  # the check id that must fail against a server with this fault
    description: str
    family: Family
    # Other checks that observe the same broken rule and must fail too (e.g. the
    # HTTP status of a refusal, seen directly and through each client).
    also: tuple[str, ...] = ()
    # The profile whose reference server shows the fault (a rule only some
    # vendors document, e.g. a usage object in every answer): the DALL·E
    # baseline unless the fault is about the GPT image models.
    profile: str = "openai-dalle"
    # The models the self-test runs it against (empty: all of the profile's).
    models: tuple[str, ...] = ()
    operation: str = GENERATIONS
    # The validation rule an accept-* fault switches off, else None.
    rule: str | None = None
    # What the run must send for the fault to change anything (see Need).
    needs: Need = Need.VALID
    # The fault that breaks the same rule for the other family, if any.
    twin: str | None = None
    # Further run options the self-test needs (the preview access GIF/SVG faults need).
    options: tuple[str, ...] = ()

    @property
    def checks(self) -> tuple[str, ...]:
        return (self.breaks, *self.also)


_DECLARED: dict[str, Fault] = {}


def _declare(fault: Fault) -> Fault:
    if fault.name in _DECLARED:
        raise ValueError(f"fault {fault.name!r} is declared twice")
    _DECLARED[fault.name] = fault
    return fault


def _fault(
    name: str,
    breaks: str,
    description: str,
    family: Family,
    *,
    also: tuple[str, ...] = (),
    profile: str = "openai-dalle",
    models: tuple[str, ...] = (),
    rule: str | None = None,
    needs: Need = Need.VALID,
    twin: str | None = None,
    operation: str = GENERATIONS,
    options: tuple[str, ...] = (),
) -> Fault:
    return _declare(
        Fault(
            name,
            breaks,
            description,
            family,
            also,
            profile,
            models,
            operation,
            rule,
            needs,
            twin,
            options,
        )
    )


# --- accept-*: one validation rule switched off ------------------------------

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
# The GPT model whose rules the GPT-only accept faults are shown on (it has them all).
_GPT_MODEL = ("gpt-image-2",)
# The 2.6 rules (complexity, GIF, SVG, safety_identifier's type) are shown on a
# 2.6 model with the preview access a key needs for GIF and SVG.
_NEWER_MODEL = ("gpt-image-2.6-flare",)


def _gpt_fault(
    name: str,
    breaks: str,
    description: str,
    *,
    also: tuple[str, ...] = (),
    models: tuple[str, ...] = _GPT_MODEL,
    needs: Need = Need.VALID,
    twin: str | None = None,
    operation: str = GENERATIONS,
    options: tuple[str, ...] = (),
) -> Fault:
    """A fault of the GPT image answers, shown on the openai profile's reference server
    (on gpt-image-2 unless ``models`` says otherwise)."""
    return _fault(
        name,
        breaks,
        description,
        "gpt",
        also=also,
        profile="openai",
        models=models,
        needs=needs,
        twin=twin,
        operation=operation,
        options=options,
    )


PREVIEW_OPTIONS = ("--preview-access", "gif,svg")
_NEWER_RULES = (
    "complexity-unknown",
    "frame-count-range",
    "safety-identifier-type",
    "svg-type",
    "gif-no-stream",
    "gif-no-partial-images",
    "gif-no-compression",
    "frames-need-gif",
    "svg-no-stream",
    "svg-no-partial-images",
    "svg-no-compression",
    "svg-single-image",
    "svg-object-needs-svg",
)

# Rules of the DALL·E format only: the GPT models refuse these fields as
# unsupported (rules *-unsupported); every other rule above they share.
_DALLE_ONLY_RULES = ("response-format-unknown", "style-unknown")
for _rule in (MALFORMED_JSON, *RULES):
    if _rule in _TOLERATED:
        _fault(
            f"accept-{_rule}",
            "validation.rejected",
            f"skips rule {_rule}: {_TOLERATED[_rule]}",
            "dalle" if _rule in _DALLE_ONLY_RULES else "any",
            rule=_rule,
            needs=Need.RULE,
        )
for _rule, _tolerated in GPT_TOLERATED.items():
    _newer = _rule in _NEWER_RULES
    _fault(
        f"accept-{_rule}",
        "validation.rejected",
        f"skips rule {_rule}: {_tolerated}",
        "gpt",
        rule=_rule,
        needs=Need.RULE,
        profile="openai",
        models=_NEWER_MODEL if _newer else _GPT_MODEL,
        options=PREVIEW_OPTIONS if _newer else (),
    )

# The self-test profiles of the dimensions and vendor parameters beyond OpenAI's
# (issue 22): one refuses unknown fields, the other ignores them.
DIMS_PROFILE = "tests/profiles/dims-refused.yaml"
DIMS_IGNORED_PROFILE = "tests/profiles/dims-ignored.yaml"
_DIMENSION_TOLERATED: Mapping[str, tuple[str, str]] = {
    "width-below-min": ("wh-1", "a width below the minimum is drawn (at least 64)"),
    "width-above-max": ("wh-1", "a width above the maximum is drawn (at most 2048)"),
    "width-step": ("wh-1", "a width off the step is drawn as asked"),
    "width-type": ("wh-1", "a width that is no integer is drawn at the default"),
    "height-below-min": ("wh-1", "a height below the minimum is drawn (at least 64)"),
    "height-above-max": ("wh-1", "a height above the maximum is drawn (at most 2048)"),
    "height-step": ("wh-1", "a height off the step is drawn as asked"),
    "height-type": ("wh-1", "a height that is no integer is drawn at the default"),
    "aspect-ratio-unknown": ("ar-1", "an unknown aspect_ratio is drawn at the default size"),
    "resolution-unknown": ("ar-1", "an unknown resolution is drawn at the default size"),
    "size-not-taken": ("nodims", "a size sent to a model that takes none is ignored"),
    "vendor-value": ("wh-1", "an unknown value of a vendor parameter is ignored"),
    "vendor-below-min": ("wh-1", "a vendor parameter below its minimum is ignored"),
    "vendor-above-max": ("wh-1", "a vendor parameter above its maximum is ignored"),
    "vendor-type": ("wh-1", "a vendor parameter of the wrong type is ignored"),
}
for _rule, (_model, _tolerated) in _DIMENSION_TOLERATED.items():
    _fault(
        f"accept-{_rule}",
        "validation.rejected",
        f"skips rule {_rule}: {_tolerated}",
        "dalle",
        rule=_rule,
        needs=Need.RULE,
        profile=DIMS_PROFILE,
        models=(_model,),
    )

# Fault name -> the validation rule it switches off (the GPT models' own rules last).
ACCEPT_RULE_FAULTS: Mapping[str, str] = MappingProxyType(
    {fault.name: fault.rule for fault in _DECLARED.values() if fault.rule is not None}
)

# --- authentication and refusals ---------------------------------------------

ACCEPT_MISSING_KEY = _fault(
    "accept-missing-key",
    "auth.rejected",
    "a request without the auth header is served normally",
    "any",
    needs=Need.AUTH_REQUIRED,
)
ACCEPT_WRONG_KEY = _fault(
    "accept-wrong-key",
    "auth.rejected",
    "any key value is accepted (a missing header is still refused)",
    "any",
    needs=Need.WRONG_KEY,
)
AUTH_403 = _fault(
    "auth-403",
    "client.openai-python.authentication",
    "authentication failures answer 403 (code forbidden) instead of 401",
    "any",
    also=(
        "auth.rejected",
        "client.openai-python-strict.authentication",
        "client.openai-node.authentication",
        "client.vercel-ai.authentication",
        "client.openai-node-7.authentication",
        "client.vercel-ai-7.authentication",
    ),
    needs=Need.WRONG_KEY,
)
VALIDATION_500 = _fault(
    "validation-500",
    "validation.rejected",
    "every invalid request answers 500 with type server_error",
    "any",
    needs=Need.REFUSED,
)
VALIDATION_422 = _fault(
    "validation-422",
    "validation.status",
    "every invalid request answers 422",
    "any",
    also=(
        "client.openai-python.bad-request",
        "client.openai-python-strict.bad-request",
        "client.openai-node.bad-request",
        "client.vercel-ai.bad-request",
        "client.openai-node-7.bad-request",
        "client.vercel-ai-7.bad-request",
    ),
    needs=Need.REFUSED,
)
WRONG_PARAM = _fault(
    "wrong-param",
    "validation.param",
    'validation errors carry "param": null',
    "any",
    needs=Need.REFUSED,
)
ERROR_FLAT = _fault(
    "error-flat",
    "errors.envelope",
    "error bodies are flat, vLLM style: {object: error, message, type, param, code: "
    "<status>} without the error wrapper",
    "any",
    needs=Need.REFUSED,
)
ERROR_NO_PARAM_CODE = _fault(
    "error-no-param-code",
    "errors.envelope",
    "error bodies lack the param and code keys, one-api middleware style",
    "any",
    needs=Need.REFUSED,
)
ERROR_STRINGLY = _fault(
    "error-stringly",
    "errors.fields",
    'error bodies carry "param": "None" and the status as the code ("400"), LiteLLM style',
    "any",
    needs=Need.REFUSED,
)
ERROR_HTML = _fault(
    "error-html",
    "errors.envelope",
    "error answers are an HTML page (text/html) with the same status",
    "any",
    needs=Need.REFUSED,
)
REJECT_HD = _fault(
    "reject-hd",
    "generation.status",
    "quality hd is refused with 400 (param quality) as if it were unsupported",
    "dalle",
    needs=Need.QUALITY_HD,
)
BALANCE_403 = _fault(
    "balance-403",
    "balance.insufficient",
    "an empty balance answers 403 insufficient_user_quota (one-api style)",
    "any",
    needs=Need.ZERO_BALANCE,
)

# --- successful answers ------------------------------------------------------

CONTENT_TYPE_TEXT = _fault(
    "content-type-text",
    "generation.content-type",
    "successful answers are sent as text/plain; charset=utf-8: openai-node returns a "
    "string (openai-python and the AI SDK parse it)",
    "any",
    also=("client.openai-node.generates", "client.openai-node-7.generates"),
    needs=Need.JSON_ANSWER,
)
DATA_MISSING = _fault(
    "data-missing",
    "generation.schema",
    "successful answers carry created but no data array",
    "dalle",
    twin="gpt-data-missing",
)
USAGE_MALFORMED = _fault(
    "usage-malformed",
    "generation.usage",
    'successful answers carry "usage": {"total_tokens": "many"}: strict openai-python '
    "and the AI SDK reject it",
    "dalle",
    also=(
        "client.openai-python-strict.generates",
        "client.vercel-ai.generates",
        "client.vercel-ai-7.generates",
    ),
    twin="gpt-usage-malformed",
)
JSON_TRUNCATED = _fault(
    "json-truncated",
    "generation.schema",
    "successful answers stop halfway through the JSON (still application/json)",
    "any",
    also=(
        "client.openai-python.generates",
        "client.openai-python-strict.generates",
        "client.openai-node.generates",
        "client.vercel-ai.generates",
        "client.openai-node-7.generates",
        "client.vercel-ai-7.generates",
    ),
    needs=Need.JSON_ANSWER,
)
CREATED_MS = _fault("created-ms", "generation.created", "created is in milliseconds", "any")
CREATED_NULL = _fault(
    "created-null",
    "client.openai-python-strict.generates",
    "created is null: strict openai-python rejects it, the default mode reads None",
    "any",
)
QUALITY_AUTO = _fault(
    "quality-auto",
    "client.openai-python-strict.generates",
    'successful answers echo "quality": "auto" instead of the quality drawn (strict '
    "openai-python rejects the value, the default mode and the other clients cope)",
    "dalle",
    twin="gpt-echo-auto",
)
N_IGNORED = _fault(
    "n-ignored",
    "generation.count",
    "one image is returned (and billed) whatever n is",
    "dalle",
    needs=Need.N_ABOVE_ONE,
    twin="gpt-n-ignored",
)
FORMAT_IGNORED = _fault(
    "format-ignored",
    "generation.format",
    "images are always returned as url whatever response_format says",
    "dalle",
    needs=Need.B64,
    twin="gpt-png-for-jpeg",
)
BOTH_FORMATS = _fault(
    "both-formats", "generation.format", "every image carries both url and b64_json", "dalle"
)
NULL_FIELDS = _fault(
    "null-fields",
    "generation.nulls",
    "unused keys (url, b64_json, revised_prompt) are sent as explicit nulls",
    "dalle",
    needs=Need.ABSENT_KEYS,
    twin="gpt-null-fields",
)
NULL_TOP_LEVEL = _fault(
    "null-top-level",
    "generation.nulls",
    "answers carry the GPT-image keys background, output_format, quality and size as "
    "explicit nulls at the top level (LiteLLM style)",
    "dalle",
)
B64_DATA_URI = _fault(
    "b64-data-uri",
    "images.b64",
    "b64_json values start with data:image/png;base64,",
    "dalle",
    needs=Need.B64,
    twin="gpt-b64-data-uri",
    also=("images.b64-bare",),
)
B64_URL = _fault(
    "b64-url",
    "images.b64-bare",
    "b64_json values are the image's URL, not its base64",
    "dalle",
    needs=Need.B64,
)
B64_NOT_IMAGE = _fault(
    "b64-not-image",
    "images.b64",
    "b64_json is valid base64 of bytes that are no image",
    "dalle",
    needs=Need.B64,
    twin="gpt-b64-not-image",
)
URL_404 = _fault(
    "url-404",
    "images.url",
    "image URLs name files that do not exist (404)",
    "dalle",
    needs=Need.URL,
)
URL_RELATIVE = _fault(
    "url-relative",
    "images.url",
    "image URLs are relative (/v1/files/<id>.png)",
    "dalle",
    needs=Need.URL,
)
USAGE_SUM = _fault(
    "usage-sum",
    "generation.usage",
    "usage in OpenAI's shape whose total_tokens is not input_tokens + output_tokens",
    "dalle",
    twin="gpt-usage-sum",
)
USAGE_ZERO = _fault(
    "usage-zero",
    "generation.usage",
    "usage in OpenAI's shape counting 0 tokens for the images it returns",
    "dalle",
    twin="gpt-usage-no-output",
)
USAGE_MISSING = _fault(
    "usage-missing",
    "generation.usage",
    "no usage object, though the profile documents one in every answer",
    "dalle",
    profile="modelmax",
    needs=Need.USAGE_DOCUMENTED,
    twin="gpt-usage-missing",
)
WRONG_DIMENSIONS = _fault(
    "wrong-dimensions",
    "images.dimensions",
    "images are drawn at half the requested width and height",
    "any",
    also=("images.openai-size",),
)
WRONG_RATIO = _fault(
    "wrong-ratio",
    "images.dimensions",
    "images asked by aspect ratio are drawn square",
    "dalle",
    profile=DIMS_PROFILE,
    models=("ar-plain",),
    needs=Need.ASPECT_RATIO,
)
REFUSES_UNDOCUMENTED = _fault(
    "refuses-undocumented",
    "validation.not-refused",
    "fields the docs do not mention are refused though the profile says the vendor "
    "ignores them, and free-form values off no list are refused",
    "dalle",
    profile=DIMS_IGNORED_PROFILE,
    needs=Need.NOT_REFUSED,
)
REVISED_PROMPT_NUMBER = _fault(
    "revised-prompt-number",
    "generation.revised-prompt",
    'every image carries "revised_prompt": 42',
    "dalle",
)

# --- the GPT image models, as the openai profile's reference server emulates them

GPT_URL = _gpt_fault(
    "gpt-url",
    "gpt-image.b64-only",
    "GPT image answers carry a url (a stored image) instead of b64_json",
)
GPT_USAGE_MISSING = _gpt_fault(
    "gpt-usage-missing",
    "gpt-image.usage",
    "GPT image answers carry no usage",
)
GPT_USAGE_NO_OUTPUT = _gpt_fault(
    "gpt-usage-no-output",
    "gpt-image.usage",
    "GPT image usage counts 0 output tokens for the images it returns",
)
GPT_PNG_FOR_JPEG = _gpt_fault(
    "gpt-png-for-jpeg",
    "gpt-image.output-format",
    "output_format jpeg or webp is answered with a PNG (the echo still says jpeg/webp)",
    needs=Need.NOT_PNG,
)
GPT_OPAQUE = _gpt_fault(
    "gpt-opaque",
    "gpt-image.transparency",
    "background transparent is drawn without an alpha channel (the echo still says transparent)",
    needs=Need.TRANSPARENT,
)
GPT_ECHO_AUTO = _gpt_fault(
    "gpt-echo-auto",
    "gpt-image.echo",
    "size, quality and background asked as auto (or left to their auto default) are "
    'echoed as "auto"',
    also=("client.openai-python-strict.generates",),
    needs=Need.AUTO,
)
GPT_AUTO_SIZE = _gpt_fault(
    "gpt-auto-size",
    "gpt-image.dimensions",
    "size auto is drawn at 1344x768, a size no GPT model lists",
    needs=Need.SIZE_AUTO,
)

# The GPT twins of DALL·E faults: the same rule broken in a GPT image answer.
GPT_N_IGNORED = _gpt_fault(
    "gpt-n-ignored",
    "generation.count",
    "GPT image answers carry (and bill) one image whatever n is",
    # The covering set asks n = 2 of the second streaming model of a run.
    models=("gpt-image-2", "gpt-image-2.5-sunburst"),
    needs=Need.N_ABOVE_ONE,
    twin="n-ignored",
)
GPT_USAGE_MALFORMED = _gpt_fault(
    "gpt-usage-malformed",
    "gpt-image.usage",
    'GPT image answers carry "usage": {"total_tokens": "many"}',
    twin="usage-malformed",
)
GPT_USAGE_SUM = _gpt_fault(
    "gpt-usage-sum",
    "gpt-image.usage",
    "GPT image usage whose total_tokens is not input_tokens + output_tokens",
    twin="usage-sum",
)
GPT_DATA_MISSING = _gpt_fault(
    "gpt-data-missing",
    "generation.schema",
    "GPT image JSON answers carry created and the echo but no data array",
    needs=Need.JSON_ANSWER,
    twin="data-missing",
)
GPT_NULL_FIELDS = _gpt_fault(
    "gpt-null-fields",
    "generation.nulls",
    'GPT images carry the unused keys as explicit nulls ("url": null, "revised_prompt": null)',
    needs=Need.ABSENT_KEYS,
    twin="null-fields",
)
GPT_B64_DATA_URI = _gpt_fault(
    "gpt-b64-data-uri",
    "images.b64",
    "GPT image b64_json values start with data:image/<format>;base64,",
    twin="b64-data-uri",
    also=("images.b64-bare",),
)
GPT_B64_NOT_IMAGE = _gpt_fault(
    "gpt-b64-not-image",
    "images.b64",
    "GPT image b64_json is valid base64 of bytes that are no image",
    twin="b64-not-image",
)

# --- the outputs and echo fields of the 2.5/2.6 models (server/outputs.py)

GPT_QUALITY_DOWNGRADE = _gpt_fault(
    "gpt-quality-downgrade",
    "gpt-image.echo",
    "quality xhigh and max are drawn and echoed as high (a silent downgrade)",
    models=("gpt-image-2.5-flare",),
    needs=Need.QUALITY_ABOVE_HIGH,
)
SAFETY_IDENTIFIER_MISSING = _gpt_fault(
    "safety-identifier-missing",
    "gpt-image.safety-identifier",
    "answers carry no safety_identifier, whatever the request sent",
)
SAFETY_IDENTIFIER_NO_FALLBACK = _gpt_fault(
    "safety-identifier-no-fallback",
    "gpt-image.safety-identifier",
    "an empty safety_identifier is echoed as null instead of falling back to user",
)
PROMPT_LIMIT_4000 = _gpt_fault(
    "prompt-limit-4000",
    "gpt-image.prompt-limit",
    "prompts over 4000 characters are refused (a DALL·E-era limit) though the model takes 32000",
    also=("generation.status",),
)
GIF_STILL = _gpt_fault(
    "gif-still",
    "gpt-image.gif",
    "a GIF is a single still frame whatever frame_count asks",
    models=_NEWER_MODEL,
    options=PREVIEW_OPTIONS,
    needs=Need.GIF,
)
GIF_DELAY_IGNORED = _gpt_fault(
    "gif-delay-ignored",
    "gpt-image.gif",
    "every GIF frame carries the 200 ms default, whatever frame_duration_ms asks",
    models=_NEWER_MODEL,
    options=PREVIEW_OPTIONS,
    needs=Need.GIF,
)
SVG_NOT_XML = _gpt_fault(
    "svg-not-xml",
    "gpt-image.svg",
    "output_format svg is answered with PNG bytes (the echo still says svg)",
    models=_NEWER_MODEL,
    options=PREVIEW_OPTIONS,
    needs=Need.SVG,
)
SVG_USAGE_MISSING = _gpt_fault(
    "svg-usage-missing",
    "gpt-image.svg-usage",
    "an SVG made with svg.model carries no svg_usage",
    models=_NEWER_MODEL,
    options=PREVIEW_OPTIONS,
    needs=Need.SVG,
)

# --- answers to stream: true (server/stream.py), shown on the cheapest GPT model

_STREAM_MODEL = ("gpt-image-2",)
# Every client that iterates a stream breaks on these two (the Vercel AI SDK's
# generateImage does not stream, so it has no say).
_STREAMING_CLIENTS = (
    "client.openai-python.generates",
    "client.openai-python-strict.generates",
    "client.openai-node.generates",
    "client.openai-node-7.generates",
)


def _stream_fault(
    name: str, breaks: str, description: str, *also: str, needs: Need = Need.STREAM
) -> Fault:
    return _gpt_fault(name, breaks, description, also=also, models=_STREAM_MODEL, needs=needs)


STREAM_AS_JSON = _stream_fault(
    "stream-as-json",
    "stream.is-stream",
    "stream: true is answered with the JSON body (a server that ignores stream; "
    "a model without streaming answers instead of refusing)",
    *_STREAMING_CLIENTS,
    needs=Need.STREAM_ASKED,
)
STREAM_CONTENT_TYPE_TEXT = _stream_fault(
    "stream-content-type-text",
    "stream.content-type",
    "event streams are sent as text/plain; charset=utf-8",
)
STREAM_EVENT_WITHOUT_DATA = _stream_fault(
    "stream-event-without-data",
    "stream.framing",
    "an event: ping line with no data: line follows the first partial image",
    *_STREAMING_CLIENTS,
    needs=Need.PARTIALS,
)
STREAM_FLAT_ERROR = _stream_fault(
    "stream-flat-error",
    "stream.event-types",
    'a flat {"type": "error", "message": ...} event instead of the completed image',
    "stream.completed",
)
STREAM_PARTIAL_INDEX_ONE_BASED = _stream_fault(
    "stream-partial-index-one-based",
    "stream.partials",
    "partial_image_index counts from 1",
    needs=Need.PARTIALS,
)
STREAM_NO_COMPLETED = _stream_fault(
    "stream-no-completed",
    "stream.completed",
    "the stream ends after the partial images, without image_generation.completed",
)
STREAM_COMPLETED_NO_USAGE = _stream_fault(
    "stream-completed-no-usage", "stream.fields", "the completed event carries no usage"
)
STREAM_DONE = _stream_fault(
    "stream-done", "stream.done", "data: [DONE] is sent after the last event"
)
STREAM_DONE_PADDED = _stream_fault(
    "stream-done-padded",
    "stream.done",
    "data: [DONE] with a trailing space is sent after the last event: openai-node 6 "
    "(and openai-python) stop at its prefix; openai-node 7 matches [DONE] exactly, "
    "parses it as JSON and throws",
    "client.openai-node-7.generates",
)

# --- GET /v1/models (server/models.py), on the openai profile's default model -


def _listing_fault(
    name: str,
    breaks: str,
    description: str,
    models: tuple[str, ...] = _GPT_MODEL,
    profile: str = "openai",
    needs: Need = Need.LISTING,
) -> Fault:
    return _fault(
        name,
        breaks,
        description,
        "any",
        profile=profile,
        models=models,
        operation=MODELS,
        needs=needs,
    )


MODELS_LIST_OMITS = _listing_fault(
    "models-list-omits",
    "lifecycle.listed",
    "GET /v1/models leaves out the profile's default model",
)
MODELS_LIST_SHUT_DOWN = _listing_fault(
    "models-list-shut-down",
    "lifecycle.shutdown-past",
    "GET /v1/models lists every model with yesterday's shutdown_date",
)
MODELS_LIST_SHUTDOWN_SOON = _listing_fault(
    "models-list-shutdown-soon",
    "lifecycle.shutdown-soon",
    "GET /v1/models lists every model as shutting down in 15 days",
)
# A model past its shutdown, judged with --allow-shutdown.
MODELS_LIST_SERVES_SHUT_DOWN = _listing_fault(
    "models-list-serves-shut-down",
    "lifecycle.served-after-shutdown",
    "GET /v1/models still lists the models past their shutdown, with shutdown_date null "
    "(a remapped or legacy route)",
    models=("gpt-image-1.5",),
    profile="openai-legacy",
    needs=Need.LISTING_SHUTDOWN,
)

STREAM_NO_EVENT_LINES = _stream_fault(
    "stream-no-event-lines",
    "stream.event-lines",
    "events carry a data: line only, no event: line naming them",
)
STREAM_NO_PARTIALS = _stream_fault(
    "stream-no-partials",
    "stream.partials-arrive",
    "the partial images asked for never come: only the completed image is sent",
)

# --- edits: each breaks one rule of POST /v1/images/edits -----------------------

# Shown on the openai profile's cheapest model that edits; each names the edit
# check that must notice (``conformance.checks.edits``). Several mirror gateways
# seen in the wild: LiteLLM 1.100-1.101 turning a list of images into a stray
# text part, a gateway that ignores the mask and regenerates the whole image,
# relays answering an edit stream with the generation events.
_EDIT_MODEL = ("gpt-image-2",)


def _edit_fault(name: str, breaks: str, description: str, needs: Need, *also: str) -> Fault:
    return _gpt_fault(
        name, breaks, description, also=also, models=_EDIT_MODEL, operation=EDITS, needs=needs
    )


EDIT_IMAGE_ONLY = _edit_fault(
    "edit-image-only",
    "edits.images-list",
    "only a single image part is taken: images sent as image[] are refused with 400 "
    "invalid_type (param image[0]), as OpenAI answers LiteLLM 1.100-1.101's stray text part",
    Need.EDIT_IMAGES,
    "client.openai-python.edits",
    "client.openai-node.edits",
    "client.openai-node-7.edits",
    "client.vercel-ai.edits",
    "client.vercel-ai-7.edits",
)
EDIT_MASK_IGNORED = _edit_fault(
    "edit-mask-ignored",
    "edits.mask-effect",
    "the mask is ignored: the whole image is repainted",
    Need.EDIT_MASK,
)
EDIT_STREAM_GENERATION_EVENTS = _edit_fault(
    "edit-stream-generation-events",
    "edits.stream-events",
    "an edit stream carries image_generation.partial_image / image_generation.completed "
    "events instead of image_edit.*: openai-python's default mode parses them as partial "
    "edit images (no completed one), its strict mode raises, openai-node passes the types "
    "through (an app waiting for image_edit.completed gets no image)",
    Need.EDIT_STREAM,
    "client.openai-python.edits",
    "client.openai-python-strict.edits",
    "client.openai-node.edits",
    "client.openai-node-7.edits",
)
EDIT_USAGE_NO_IMAGE_TOKENS = _edit_fault(
    "edit-usage-no-image-tokens",
    "edits.usage",
    "edit usage counts 0 input image tokens (input_tokens_details.image_tokens 0)",
    Need.EDIT,
)
EDIT_N_IGNORED = _edit_fault(
    "edit-n-ignored",
    "edits.count",
    "an edit returns one image whatever n asks",
    Need.EDIT_N_ABOVE_ONE,
    "client.openai-python.edits",
    "client.openai-python-strict.edits",
    "client.openai-node.edits",
    "client.openai-node-7.edits",
    "client.vercel-ai.edits",
    "client.vercel-ai-7.edits",
)
EDIT_SIZE_IGNORED = _edit_fault(
    "edit-size-ignored",
    "edits.size",
    "edits are drawn at 1024x1024 whatever size asks (auto does not follow the input)",
    Need.EDIT_SIZE,
)
EDIT_MIMETYPE_SNIFFED = _edit_fault(
    "edit-mimetype-sniffed",
    "validation.rejected",
    "an image part labelled application/octet-stream is accepted (the type is sniffed from "
    "the bytes, as lenient gateways do; OpenAI decides by the part's Content-Type)",
    Need.EDIT_MIMETYPE,
)

# No fixed edit asks n above the maximum (generations probe that rule): only a
# property-based edit does, so the self-test runs with them (tests/test_fuzz_edits.py
# shows the fixed probes alone let this fault through).
EDIT_ACCEPT_N_ABOVE_MAX = _gpt_fault(
    "edit-accept-n-above-max",
    "validation.rejected",
    "edits skip the n maximum: an edit asking n above it is served (generations still "
    "refuse it), as a gateway that validates only its generations route would",
    models=("gpt-image-2",),
    operation=EDITS,
    needs=Need.EDIT_N_ABOVE_MAX,
    options=("--probes", "all"),
)
# --- the answer shape, usage and envelope a vendor documents (issue 22) ------
# Shown on the self-test profiles in tests/profiles/: no bundled profile
# documents another shape (a run from a checkout; --list-faults names the file).
SHAPE_PROFILE = "tests/profiles/shape-images.yaml"
SHAPE_IGNORED = _fault(
    "shape-ignored",
    "generation.schema",
    "successful answers come in OpenAI's {created, data} shape (and GPT answers keep their "
    "usage and echo) though the profile documents another (response.shape)",
    "any",
    profile=SHAPE_PROFILE,
    needs=Need.SHAPED,
)
SHAPE_FIELDS_MISSING = _fault(
    "shape-fields-missing",
    "generation.schema",
    "the extra fields the profile documents (response.shape.fields, item_fields) are left out",
    "any",
    profile=SHAPE_PROFILE,
    needs=Need.SHAPE_FIELDS,
)
USAGE_SHAPE_IGNORED = _fault(
    "usage-shape-ignored",
    "generation.usage",
    "usage comes as OpenAI's token counts though the profile documents another usage "
    "(response.usage: cost or chat)",
    "any",
    also=("gpt-image.usage",),
    profile=SHAPE_PROFILE,
    needs=Need.USAGE_SHAPED,
)
ENVELOPE_IGNORED = _fault(
    "envelope-ignored",
    "errors.envelope",
    "refusals come in OpenAI's envelope though the profile documents another (errors.envelope)",
    "any",
    profile=SHAPE_PROFILE,
    needs=Need.ENVELOPE,
)
MISSING_KEY_AS_WRONG_KEY = _fault(
    "missing-key-as-wrong-key",
    "auth.rejected",
    "a request without a key is refused with the wrong-key status (errors.unauthorized), not "
    "the one the profile documents for a missing key (errors.missing_key)",
    "any",
    profile=SHAPE_PROFILE,
    needs=Need.MISSING_KEY,
)
N_RENAME_IGNORED = _fault(
    "n-rename-ignored",
    "generation.count",
    "the count is read from n only: the vendor's own name for it (n: rename, e.g. "
    "num_images) is ignored, so one image comes back",
    "any",
    profile=SHAPE_PROFILE,
    needs=Need.RENAMED_N,
)

FAULTS: Mapping[str, Fault] = MappingProxyType(dict(_DECLARED))


def unknown_faults(names: Iterable[str]) -> list[str]:
    """The names in ``names`` that are no fault, once each, in the order given."""
    return list(dict.fromkeys(name for name in names if name not in FAULTS))


def faults_named(names: Iterable[str]) -> frozenset[Fault]:
    """The faults called ``names``; any name that is no fault fails, all named at once."""
    given = tuple(names)
    unknown = unknown_faults(given)
    if unknown:
        raise UnknownFaultError(unknown)
    return frozenset(FAULTS[name] for name in given)


class UnknownFaultError(ValueError):
    """Names that are no fault: one line that names them all."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        plural = "s" if len(names) > 1 else ""
        super().__init__(
            f"unknown fault{plural} {', '.join(repr(n) for n in names)}; "
            "see `python -m conformance serve --list-faults`"
        )


def fault_table(faults: Iterable[Fault]) -> str:
    """Two lines per fault: where it applies, then the check it breaks and what it does."""
    lines = []
    for fault in faults:
        shown = f"--profile {fault.profile}" + (
            f" --models {','.join(fault.models)}" if fault.models else ""
        )
        twin = f"; twin {fault.twin}" if fault.twin else ""
        lines += [
            f"{fault.name}  [family {fault.family}, operation {fault.operation}, "
            f"needs {fault.needs.value}; shown with {shown}{twin}]",
            f"    breaks {fault.breaks}: {fault.description}",
        ]
    return "\n".join(lines)
