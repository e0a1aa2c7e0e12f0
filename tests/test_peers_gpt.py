"""The GPT image models' peers: LiteLLM in front of the reference server, and Prism.

**LiteLLM** in front of the reference server emulating gpt-image-1.5. The
suite runs with the ``openai`` profile restricted to gpt-image-1.5 (its shared
probes move onto that model), in the drop-in view, against LiteLLM
(tests/peers/litellm.py) routing to the reference server. Measured with
litellm[proxy] 1.103.7, from the suite's recording beside the upstream's own
record of the same exchanges (tests/peers/tap.py):

- ``background`` and ``output_format`` go upstream as the client sent them, and
  the upstream's echo of them (``auto`` resolved) comes back unchanged.
- ``usage`` comes back exactly as the upstream sent it (ImageGenUsage with both
  token details; only the key order differs): gpt-image.usage passes.
- The whole answer is the upstream's, except that every ``data`` item gains
  ``revised_prompt: null`` and ``url: null`` (generation.nulls, may).
- Keys sent as ``null`` (``n``, ``output_compression``) are not forwarded.
- Streams are dropped after the upstream billed them: LiteLLM answers 500 on
  every attempt, a failure of ``generation.status`` and of every streaming
  client (openai-node 6 and 7 alike), never an error of the run.
- Edits as 1.102.4 does them (tests/test_peers_litellm_edits.py): the image list
  forwarded as files, the streaming edit 500, FastAPI's 422 for a text part or
  ``mask`` with ``mask[]``, an octet-stream PNG relabelled and served.
- Refusals as in the DALL·E run (tests/test_peers.py): a wrong key 400 "No
  connected db.", no prompt 500, ``response_format`` and ``style`` refused by
  LiteLLM itself with ``param: null``, every error's ``code`` the status as a
  string; the upstream's other 400s (its ``param`` included) come through.

**Prism** 5.16.0 mocking the official spec (tests/peers/prism.py: the same
operation and schemas as the vendored extract specs/openai-gpt-image.yaml, plus
the spec's bearer security), judged with the ``openai`` profile on gpt-image-2.
It serves neither ``/images/edits`` nor ``GET /v1/models``: 404 problem+json,
so every edit and every lifecycle check fails. Whatever is asked, one static
200: a single item carrying both ``url`` and ``b64_json: "string"``,
``created: 0``, size 1024x1024, quality low, background transparent, png, a
usage counting 0 tokens and no ``safety_identifier``; ``stream: true``
gets that same JSON body, never an event stream. As published the spec defeats
Prism's validator and every body is accepted; once it validates, only what the
official schema can say is refused (422 problem+json without ``param``): no
per-model rules (dall-e's quality ``hd``, ``response_format`` and ``style`` pass
for a GPT model), no prompt length, no size list, no output_compression range.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.profile import load_profile
from conformance.recording import read_recording
from conformance.server import ReferenceServer
from tests.conftest import REPO
from tests.peers import litellm, prism
from tests.peers.golden import GPT, GPT_ANSWER_CHECKS, Golden, Probes, RunProbes, clients
from tests.peers.judge import RunSuite, assert_golden, judge
from tests.peers.network import loopback_only
from tests.peers.tap import Tap, UpstreamExchange

pytestmark = pytest.mark.peers

MODEL = "gpt-image-1.5"
# gpt-image-1.5 was shut down on 2026-12-01: its rules live on in openai-legacy.
LEGACY = "openai-legacy"
PLAN = RunProbes(LEGACY, (MODEL,))
VALID = PLAN.probes("valid")
STREAMS = PLAN.streams()
ANSWERS = VALID - STREAMS  # one JSON answer each
GEN_ANSWERS = frozenset(k for k in ANSWERS if "/gen-" in k)
GEN_STREAMS = frozenset(k for k in STREAMS if "/gen-" in k)
EDIT_MULTI = PLAN.keys("edit-multi-mask")
EDIT_STREAM = PLAN.keys("edit-stream")
REFUSED = PLAN.probes("invalid")
EDIT_REFUSED = frozenset(k for k in REFUSED if k.split("/", 1)[1].startswith("edit-"))
ERROR_ANSWERS = REFUSED | PLAN.keys("missing-key", "wrong-key")
NO_PROMPT = PLAN.keys("prompt-missing")
# No image part: 500 "aimage_edit() missing 1 required positional argument".
NO_IMAGE = PLAN.keys("edit-no-image")
# A PNG labelled application/octet-stream is relabelled image/png on the way: served.
OCTET = PLAN.keys("edit-octet-stream")
# A text part for image, and mask with mask[]: FastAPI's 422 {"detail": ...}.
OWN_422 = PLAN.keys("edit-text-as-image", "edit-mask-twice")
# Refused by LiteLLM before the upstream: its UnsupportedParamsError and unknown model.
OWN_REFUSALS = PLAN.keys("response-format-unsupported", "style-unsupported", "model-unknown")
# The refusals with no single parameter to name.
NO_PARAM = PLAN.keys("compression-needs-jpeg-or-webp", "malformed-json")
# The covering requests whose prompts are over 1000 characters (the valid side of the limit).
LONG_PROMPT_ANSWERS = PLAN.keys("gen-1024x1536-high-auto-webp-auto", "gen-auto-auto-auto-png-auto")
STREAM_CLIENTS = ("openai-python", "openai-python-strict", "openai-node")  # both node majors


def _same(checks: tuple[str, ...], keys: Probes) -> dict[str, Probes]:
    return dict.fromkeys(checks, keys)


LITELLM_GPT = Golden(
    failed={
        # Master key, no database: a wrong key gets 400 "No connected db.".
        "auth.rejected": PLAN.keys("wrong-key"),
        **clients("authentication", PLAN.keys("wrong-key")),
        # No prompt, no image: 500 "...() missing 1 required positional argument";
        # an octet-stream PNG served.
        "validation.rejected": NO_PROMPT | NO_IMAGE | OCTET,
        # Its own refusals, and the upstream's edit refusals, carry "param": null.
        "validation.param": OWN_REFUSALS | (EDIT_REFUSED - NO_IMAGE - OCTET),
        # Every error's code is the status as a string ("400"); with no key, "param": "None".
        "errors.fields": ERROR_ANSWERS - OWN_422 - OCTET,
        "errors.envelope": OWN_422,
        "validation.status": OWN_422,
        # Each data item gains "revised_prompt": null and "url": null (may: not failing the run).
        "generation.nulls": ANSWERS,
        # Every stream answered 500 on each attempt, after the upstream streamed it: the
        # gateway's answer, a failure (never an error of the run), for every client too.
        "generation.status": STREAMS,
        **clients("generates", GEN_STREAMS, only=STREAM_CLIENTS),
        **clients("edits", EDIT_STREAM, only=STREAM_CLIENTS),
    },
    passed={
        "auth.rejected": PLAN.keys("missing-key"),  # 401
        "errors.envelope": ERROR_ANSWERS - OWN_422 - OCTET,
        "validation.rejected": REFUSED - NO_PROMPT - NO_IMAGE - OCTET,
        "validation.status": REFUSED - NO_PROMPT - NO_IMAGE - OCTET - OWN_422,
        "validation.param": REFUSED - NO_PROMPT - OWN_REFUSALS - NO_PARAM - EDIT_REFUSED,
        # Refused upstream before any stream began: the 400 comes through.
        "stream.is-stream": PLAN.keys("partial-images-range"),
        # The upstream's answer, passed through.
        **_same(GPT_ANSWER_CHECKS, ANSWERS),
        # A list of images (1.103.7 has the 1.102.0 fix) and a mask that takes effect.
        "edits.images-list": EDIT_MULTI,
        "edits.mask-effect": EDIT_MULTI,
        **clients("generates", GEN_ANSWERS),
        **clients("edits", EDIT_MULTI),
        **clients("bad-request", PLAN.keys("prompt-empty")),
        # Prompts of 4001 and 32000 characters pass through.
        "gpt-image.prompt-limit": LONG_PROMPT_ANSWERS,
    },
)


def _images(answer: Any) -> list[Any]:
    """The base64 images of a JSON answer (none for an error)."""
    return [item.get("b64_json") for item in answer.get("data") or []]


def _upstream_for(answer: Any, seen: list[UpstreamExchange]) -> UpstreamExchange:
    """The upstream exchange that produced these very images."""
    for exchange in seen:
        images = _images(exchange.answer) if isinstance(exchange.answer, dict) else []
        if images and images == _images(answer):
            return exchange
    raise AssertionError("no upstream answer carries the images the client got: re-encoded?")


def test_litellm_passes_background_output_format_and_usage_through(
    run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loopback_only(monkeypatch)
    record = tmp_path / "recording"
    seen: list[UpstreamExchange] = []
    upstream = ReferenceServer(load_profile(LEGACY))
    upstream.app.add_middleware(Tap, seen=seen)
    with upstream, litellm.serve(tmp_path, upstream) as peer:
        run = judge(
            run_suite,
            monkeypatch,
            peer,
            LEGACY,
            *("--models", MODEL, "--read-timeout", "60", "--record", str(record)),
            # Each attempt at a stream bills three upstream streams (LiteLLM's own retries).
            *("--retries", "1"),
        )
    assert_golden(run, LITELLM_GPT)

    exchanges = read_recording(record).exchanges
    for key in sorted(GEN_ANSWERS):
        exchange = exchanges[key]
        assert exchange.response is not None, key
        sent, answer = json.loads(exchange.request.body), exchange.response.json
        upstream_side = _upstream_for(answer, seen)
        # Forwarded as sent, less the keys sent as null.
        assert upstream_side.request == {k: v for k, v in sent.items() if v is not None}, key
        for name in ("background", "output_format", "usage"):
            assert answer[name] == upstream_side.answer[name], (key, name)
        # Nothing else rewritten, dropped or added, but the null keys in each item.
        items = [
            {**item, "revised_prompt": None, "url": None} for item in upstream_side.answer["data"]
        ]
        assert answer == {**upstream_side.answer, "data": items}, key
    # The streamed requests (background transparent and opaque, png and jpeg) went
    # upstream as sent, less the keys sent as null, before LiteLLM dropped the answers.
    forwarded = [exchange.request for exchange in seen]
    for key in sorted(GEN_STREAMS):
        sent = json.loads(exchanges[key].request.body)
        assert {k: v for k, v in sent.items() if v is not None} in forwarded, key


# Prism on the official spec, one GPT model of the openai profile (Prism has no
# per-model rules, and it accepts every refused probe of a model as a billed image:
# more models would only spend the budget on the same static answer).
PRISM_MODEL = "gpt-image-2"
P = RunProbes(GPT, (PRISM_MODEL,))
P_VALID = P.probes("valid")
P_STREAMS = P.streams()
P_ANSWERS = P_VALID - P_STREAMS
P_GEN = frozenset(k for k in P_VALID if "/gen-" in k)
P_GEN_ANSWERS = P_GEN - P_STREAMS
P_EDITS = P.keys("edit-multi-mask", "edit-stream")
P_REFUSED = P.probes("invalid")
P_EDIT_REFUSED = frozenset(k for k in P_REFUSED if k.split("/", 1)[1].startswith("edit-"))
P_GEN_REFUSED = P_REFUSED - P_EDIT_REFUSED
P_MALFORMED = P.keys("malformed-json")
P_LISTING = P.probes("listing")
# The static answer (1024x1024, low, transparent, png) is a legal resolution of what
# these left to auto. (The requests that asked for transparent stream, and a JSON
# answer to a stream is judged by stream.is-stream alone.)
P_ECHOED = P.keys("gen-auto-auto-auto-png-auto")
P_EMPTY_PROMPT = P.keys("prompt-empty")
# The spec has no /images/edits operation Prism would serve: 404 problem+json.
P_NO_EDITS = {
    "generation.status": P_EDITS,
    "edits.images-list": P.keys("edit-multi-mask"),
    # Every client's edit; the AI SDK's on the multi-image one (it does not stream edits).
    **clients("edits", P_EDITS, only=STREAM_CLIENTS),
    **clients("edits", P.keys("edit-multi-mask"), only=("vercel-ai",)),
    "errors.envelope": P_EDIT_REFUSED,
    "validation.status": P_EDIT_REFUSED,
    "validation.param": P_EDIT_REFUSED,
}
# No GET /v1/models either: 404 fails lifecycle.listed; the checks of its dates
# skip (one missing list is one finding).
P_NO_LISTING = {"lifecycle.listed": P_LISTING}

_PRISM_STATIC_200 = {
    **_same(
        (
            # created 0; a url beside the base64; "string" decodes to 4 bytes, no image;
            # a usage of 0 output tokens for the image it claims.
            "generation.created",
            "gpt-image.b64-only",
            "gpt-image.output-format",
            "images.b64",
            "gpt-image.usage",
            # The request's safety_identifier (or its user fallback) is never echoed.
            "gpt-image.safety-identifier",
        ),
        P_GEN_ANSWERS,
    ),
    **clients("generates", P_GEN),  # the streams' clients too: zero events, no image
    "gpt-image.echo": P_GEN_ANSWERS - P_ECHOED,
    # stream: true answered with the JSON body: SDKs yield zero events.
    "stream.is-stream": P_STREAMS - P_EDITS,
    # Any Bearer value is accepted; no key gets 401 in problem+json.
    "auth.rejected": P.keys("wrong-key"),
    **clients("authentication", P.keys("wrong-key")),
    **clients("bad-request", P_EMPTY_PROMPT),
    **P_NO_EDITS,
    **P_NO_LISTING,
}
_PRISM_PASSES = {
    "auth.rejected": P.keys("missing-key"),
    "generation.status": P_GEN,
    **_same(
        (
            "generation.content-type",
            "generation.schema",
            "generation.nulls",
            "generation.revised-prompt",
        ),
        P_GEN_ANSWERS,
    ),
    "generation.count": P_GEN_ANSWERS,
    "gpt-image.echo": P_ECHOED,
    # 404 is a refusal all the same.
    "validation.rejected": P_EDIT_REFUSED,
}
# A malformed JSON body makes Prism hang: an error of the run naming the timeout.
_PRISM_ERRORS = _same(
    ("errors.envelope", "errors.fields", "validation.rejected", "validation.status"), P_MALFORMED
)
_PRISM_ERROR_SAYS = dict.fromkeys(P_MALFORMED, "timeout")

PRISM_GPT_AS_PUBLISHED = Golden(
    failed={
        **_PRISM_STATIC_200,
        "errors.envelope": P.keys("missing-key") | P_EDIT_REFUSED,
        # The type-less anyOf of model and size defeats Prism's validator: all accepted.
        "validation.rejected": P_GEN_REFUSED - P_MALFORMED,
        "stream.is-stream": (P_STREAMS - P_EDITS)
        | P.keys("partial-images-range", "partial-images-below-min"),
    },
    passed=_PRISM_PASSES,
    error=_PRISM_ERRORS,
    error_says=_PRISM_ERROR_SAYS,
)

# What the official schema can refuse for a GPT request: types, enums (the spec's
# quality has no xhigh), n's and partial_images' ranges, a missing prompt.
P_SCHEMA_REFUSED = P.keys(
    "prompt-missing",
    "prompt-type",
    "n-zero",
    "n-above-max",
    "n-type",
    "background-unknown",
    "output-format-unknown",
    "moderation-unknown",
    "stream-unknown",
    "partial-images-range",
    "partial-images-below-min",
    "quality-xhigh",
)
PRISM_GPT_VALIDATING = Golden(
    failed={
        **_PRISM_STATIC_200,
        "errors.envelope": P.keys("missing-key") | P_SCHEMA_REFUSED | P_EDIT_REFUSED,
        "validation.status": P_SCHEMA_REFUSED | P_EDIT_REFUSED,  # 422, not 400
        "validation.param": P_SCHEMA_REFUSED | P_EDIT_REFUSED,  # no error.param in problem+json
        # No prompt length, no size list or gpt-image-2 size rules, quality and
        # style of dall-e accepted, output_compression unbounded, no cross-field
        # rules, no model list (model is any string), safety_identifier unknown.
        "validation.rejected": P_GEN_REFUSED - P_MALFORMED - P_SCHEMA_REFUSED,
    },
    passed={
        **_PRISM_PASSES,
        "validation.rejected": P_SCHEMA_REFUSED | P_EDIT_REFUSED,
        # partial_images out of range refused before any stream.
        "stream.is-stream": P.keys("partial-images-range", "partial-images-below-min"),
    },
    error=_PRISM_ERRORS,
    error_says=_PRISM_ERROR_SAYS,
)


def test_prism_serves_the_vendored_gpt_operation(tmp_path: Path) -> None:
    """The spec Prism serves is the one the GPT profile was written from."""
    served = json.loads(prism.spec_copy(tmp_path, validating=False).read_text())
    extract = yaml.safe_load((REPO / "specs" / "openai-gpt-image.yaml").read_text())
    operation = served["paths"][f"/v1{prism.PATH}"]["post"]
    assert operation["requestBody"] == extract["paths"][prism.PATH]["post"]["requestBody"]
    assert operation["responses"] == extract["paths"][prism.PATH]["post"]["responses"]
    # The extract also keeps Error and ErrorResponse, which the operation never names.
    schemas = served["components"]["schemas"]
    assert "CreateImageRequest" in schemas
    assert schemas == {name: extract["components"]["schemas"][name] for name in schemas}


@pytest.mark.parametrize(
    ("validating", "golden"),
    [(False, PRISM_GPT_AS_PUBLISHED), (True, PRISM_GPT_VALIDATING)],
    ids=["as-published", "validating"],
)
def test_prism_gpt(
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    validating: bool,
    golden: Golden,
) -> None:
    loopback_only(monkeypatch)
    with prism.serve(tmp_path, validating=validating) as peer:
        # Default limits: Prism never answers a malformed body, a refusal's 30 s
        # limit (--refusal-timeout) ends that wait in an error naming the timeout.
        run = judge(run_suite, monkeypatch, peer, GPT, "--models", PRISM_MODEL)
    assert_golden(run, golden)
