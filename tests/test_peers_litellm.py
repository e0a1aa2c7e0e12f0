"""LiteLLM 1.110.2, the newest release, in front of a 2.6 model (issue 20).

The reference server emulates gpt-image-2.6-flare (``openai`` profile), LiteLLM
1.110.2 (tests/peers/litellm.py: the newest on the registry; its ``[proxy]``
extra does not resolve, so its requirements are installed by hand) routes to
it, and the suite judges LiteLLM with the key's GIF and SVG previews granted
(``--preview-access gif,svg``): generations and edits, once for the module.
The reference server records what LiteLLM forwarded and what it answered
(tests/peers/tap.py), so each verdict stands beside the upstream's side.
Measured:

- **complexity**, **safety_identifier** and **user**, GIF's ``frame_count`` and
  ``frame_duration_ms``, the ``svg`` object: forwarded exactly as sent (keys
  sent as ``null`` left out). ``complexity`` is not echoed by the contract, so
  only the forwarding shows what LiteLLM does with it.
- The answer is the upstream's, images byte for byte (a real 2-frame GIF, an
  SVG document: gpt-image.gif and gpt-image.svg pass), except that LiteLLM
  adds ``safety_identifier: null`` and ``svg_usage: null`` at the top level
  (and ``provider_specific_fields``, ``revised_prompt``, ``url`` as null to each
  item), *overwriting* the upstream's echo: ``gpt-image.safety-identifier``
  fails for ``safety_identifier`` and for the ``user`` fallback, and
  ``gpt-image.svg-usage`` fails, though the upstream sent both.
- **Streams**: ``stream: true`` is forwarded, the upstream streams (three times
  per request: LiteLLM retries twice itself), and LiteLLM answers 500 ``'str'
  object has no attribute 'model_dump'`` (an edit stream: 500 quoting the
  upstream's ``image_edit.*`` events). ``generation.status`` fails and every
  streaming client's ``generates`` (or ``edits``) with it — openai-node 6 and 7
  alike: a client that gets a 500 fails; never an error of the run.
- Refusals: a missing prompt is refused now (1.103.7 answered 500); its own
  refusals (``response_format``, ``style``, an unknown model) and the upstream's
  edit refusals carry ``param: null``; every error's ``code`` is the status as a
  string; a wrong key 400 "No connected db."; ``image`` and ``mask[]`` or a
  text part get FastAPI's 422 ``{"detail"}``; an octet-stream PNG is relabelled
  image/png and served.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.peers import litellm
from tests.peers.golden import GPT, PREVIEWS, Golden, Probes, RunProbes, clients, mismatches
from tests.peers.runs import PeerRun, through_litellm
from tests.peers.tap import GENERATIONS, UpstreamExchange

pytestmark = [pytest.mark.peers, pytest.mark.slow]

MODEL = "gpt-image-2.6-flare"
PLAN = RunProbes(GPT, (MODEL,), PREVIEWS)
VALID = PLAN.probes("valid")
STREAMS = PLAN.streams()
GEN_STREAMS = frozenset(k for k in STREAMS if "/gen-" in k)
EDIT_STREAM = PLAN.keys("edit-stream")
ANSWERS = VALID - STREAMS
GEN_ANSWERS = frozenset(k for k in ANSWERS if "/gen-" in k)
SAFETY = PLAN.keys("gen-1024x1024-medium-auto-webp-auto", "gen-auto-auto-auto-png-auto")
SVG = PLAN.keys("gen-svg")
GIF = PLAN.keys("gen-gif")
REFUSED = PLAN.probes("invalid")
AUTH = PLAN.keys("missing-key", "wrong-key")
OWN_422 = PLAN.keys("edit-text-as-image", "edit-mask-twice")
OCTET = PLAN.keys("edit-octet-stream")
EDIT_REFUSED = frozenset(k for k in REFUSED if k.split("/", 1)[1].startswith("edit-"))
OWN_NULL_PARAM = PLAN.keys("response-format-unsupported", "style-unsupported", "model-unknown")
STREAM_CLIENTS = ("openai-python", "openai-python-strict", "openai-node")  # both node majors


NEWEST = Golden(
    failed={
        # Master key, no database: a wrong key gets 400 "No connected db.".
        "auth.rejected": PLAN.keys("wrong-key"),
        **clients("authentication", PLAN.keys("wrong-key")),
        # Every error's code is the status as a string ("400"); no key: "param": "None".
        "errors.fields": (REFUSED | AUTH) - OWN_422 - OCTET,
        # Its own refusals, and the upstream's edit refusals, with "param": null.
        "validation.param": OWN_NULL_PARAM | (EDIT_REFUSED - OCTET),
        # FastAPI's 422 {"detail": [...]}, no error object.
        "errors.envelope": OWN_422,
        "validation.status": OWN_422,
        # Relabelled image/png on the way: served and billed.
        "validation.rejected": OCTET,
        # null safety_identifier, svg_usage and three null keys per item (may).
        "generation.nulls": ANSWERS,
        # The upstream echoed them; LiteLLM's answer has null in their place.
        "gpt-image.safety-identifier": SAFETY,
        "gpt-image.svg-usage": SVG,
        # Every stream answered 500 after the upstream streamed it.
        "generation.status": STREAMS,
        **clients("generates", GEN_STREAMS, only=STREAM_CLIENTS),
        **clients("edits", EDIT_STREAM, only=STREAM_CLIENTS),
    },
    passed={
        "auth.rejected": PLAN.keys("missing-key"),  # 401
        "errors.envelope": (REFUSED | AUTH) - OWN_422 - OCTET,
        "validation.rejected": REFUSED - OCTET,
        "validation.status": REFUSED - OWN_422 - OCTET,
        "validation.param": REFUSED
        - OWN_NULL_PARAM
        - EDIT_REFUSED
        - PLAN.keys("compression-needs-jpeg-or-webp", "malformed-json"),
        "generation.status": ANSWERS,
        "generation.schema": ANSWERS,
        # An SVG document is judged by gpt-image.svg, not as a raster image.
        "images.b64": ANSWERS - SVG,
        "gpt-image.b64-only": ANSWERS,
        "gpt-image.echo": ANSWERS,
        "gpt-image.output-format": ANSWERS - SVG,
        "gpt-image.usage": ANSWERS,
        "gpt-image.gif": GIF,
        "gpt-image.svg": SVG,
        "edits.images-list": PLAN.keys("edit-multi-mask"),
        "edits.mask-effect": PLAN.keys("edit-multi-mask"),
        # Prompts of 4001 and 32000 characters pass through.
        "gpt-image.prompt-limit": PLAN.keys(
            "gen-1024x1024-medium-auto-webp-auto", "gen-auto-auto-auto-png-auto"
        ),
        **clients("generates", GEN_ANSWERS - SVG),
        **clients("generates", SVG, only=STREAM_CLIENTS),
        **clients("edits", PLAN.keys("edit-multi-mask")),
        **clients("bad-request", PLAN.keys("prompt-empty")),
    },
)


@pytest.fixture(scope="module")
def newest(tmp_path_factory: pytest.TempPathFactory) -> PeerRun:
    """The one run through LiteLLM 1.110.2 that every test here reads."""
    return through_litellm(
        tmp_path_factory.mktemp("litellm-newest"),
        litellm.NEWEST,
        GPT,
        *("--models", MODEL, "--preview-access", "gif,svg", "--read-timeout", "60"),
        # Each attempt at a stream bills three upstream streams (LiteLLM's own retries).
        *("--retries", "1"),
    )


def test_litellm_newest_golden(newest: PeerRun) -> None:
    problems = mismatches(newest.results, NEWEST)
    assert not problems, "\n".join(problems)
    assert newest.run.exit_code == 1


def _images(answer: Any) -> list[Any]:
    return [item.get("b64_json") for item in (answer.get("data") or [])]


def _upstream_for(answer: Any, seen: list[UpstreamExchange]) -> UpstreamExchange:
    """The upstream exchange that produced these very images."""
    for exchange in seen:
        if isinstance(exchange.answer, dict) and _images(exchange.answer) == _images(answer):
            return exchange
    raise AssertionError("no upstream answer carries the images the client got: re-encoded?")


def _sent(run: PeerRun, key: str) -> dict[str, Any]:
    """The generation body the suite sent, less its null keys (LiteLLM drops them)."""
    body = json.loads(run.exchanges[key].request.body)
    return {k: v for k, v in body.items() if v is not None}


def _answered(keys: Probes) -> list[str]:
    return sorted(keys)


def test_litellm_forwards_complexity_safety_identifier_gif_and_svg_as_sent(
    newest: PeerRun,
) -> None:
    """The upstream's side of each generation: the 2.6 parameters arrive unchanged."""
    forwarded = [e.request for e in newest.upstream if e.path == GENERATIONS]
    for key in _answered(GEN_ANSWERS | GEN_STREAMS):
        assert _sent(newest, key) in forwarded, key
    by_probe = {key: _sent(newest, key) for key in GEN_ANSWERS | GEN_STREAMS}
    # What the plan sends them with, so a plan that stops sending them is caught here.
    complexities = {body.get("complexity") for body in by_probe.values()}
    assert {"low", "medium", "high"} <= complexities
    [gif] = GIF
    assert {"frame_count", "frame_duration_ms"} <= set(by_probe[gif])
    [svg] = SVG
    assert isinstance(by_probe[svg].get("svg"), dict)


def test_litellm_returns_the_upstream_answer_but_nulls_its_echoes(newest: PeerRun) -> None:
    """Images byte for byte, usage and settings as the upstream sent them;
    ``safety_identifier`` and ``svg_usage`` replaced by null; null keys added."""
    for key in _answered(ANSWERS):
        answer = newest.exchanges[key].response
        assert answer is not None, key
        got = answer.json
        upstream = _upstream_for(got, newest.upstream).answer
        items = [
            {**item, "provider_specific_fields": None, "revised_prompt": None, "url": None}
            for item in upstream["data"]
        ]
        nulled = {"safety_identifier": None, "svg_usage": None}
        assert got == {**upstream, **nulled, "data": items}, key
    # The echoes the upstream did send, lost on the way.
    for key in _answered(SAFETY | SVG):
        got = newest.exchanges[key].response
        assert got is not None
        upstream = _upstream_for(got.json, newest.upstream).answer
        name = "svg_usage" if key in SVG else "safety_identifier"
        assert upstream[name], (key, name)
        assert got.json[name] is None, (key, name)


def test_litellm_answers_every_stream_500_after_the_upstream_streamed_it(
    newest: PeerRun,
) -> None:
    """Generation streams: three upstream streams per attempt (LiteLLM retries
    twice itself), the client gets 500: a failure, never an error or a pass."""
    attempts = 0
    for key in _answered(STREAMS):
        exchange = newest.exchanges[key]
        assert exchange.error is None, key
        assert exchange.response is not None, key
        assert exchange.response.status == 500, key
        assert exchange.billed == 0, key  # nothing delivered, so nothing counted
        attempts += len(exchange.attempts)
    gen_streams = [e for e in newest.upstream if e.path == GENERATIONS and e.streamed]
    gen_attempts = sum(len(newest.exchanges[k].attempts) for k in GEN_STREAMS)
    assert len(gen_streams) == 3 * gen_attempts
    assert all(e.status == 200 for e in gen_streams)
    verdicts = [
        c for c in newest.results["checks"] if f"{c['model']}/{c['probe']['id']}" in STREAMS
    ]
    assert not [c for c in verdicts if c["outcome"] in ("passed", "error")]
    assert attempts == 2 * len(STREAMS)  # --retries 1: the 500 on each attempt is the verdict
