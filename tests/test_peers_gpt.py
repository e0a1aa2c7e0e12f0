"""The GPT image models' peers: LiteLLM in front of the reference server emulating gpt-image-1.5.

The suite runs with the ``openai`` profile restricted to gpt-image-1.5 (its
shared probes move onto that model), in the drop-in view, against LiteLLM
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
- Streams are dropped after the upstream billed them (tests/test_peers_stream.py):
  errors of the run here, never verdicts on the stream rules.
- Refusals are the DALL·E run's: ``response_format`` and ``style`` refused by
  LiteLLM itself with ``param: null``; ``code`` is the status as a string.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.profile import load_profile
from conformance.recording import read_recording
from conformance.server import ReferenceServer
from tests.peers import litellm
from tests.peers.golden import GPT, Golden, Probes, RunProbes, clients
from tests.peers.judge import RunSuite, assert_golden, judge
from tests.peers.network import loopback_only
from tests.peers.tap import Tap, UpstreamExchange

pytestmark = pytest.mark.peers

MODEL = "gpt-image-1.5"
PLAN = RunProbes(GPT, (MODEL,))
VALID = PLAN.probes("valid")
STREAMS = PLAN.streams()
ANSWERS = VALID - STREAMS  # one JSON answer each
TRANSPARENT = PLAN.keys("gen-1024x1024-low-transparent-png-low-n2")
REFUSED = PLAN.probes("invalid")
ERROR_ANSWERS = REFUSED | PLAN.keys("missing-key", "wrong-key")
NO_PROMPT = PLAN.keys("prompt-missing")
# Refused by LiteLLM before the upstream: its UnsupportedParamsError and unknown model.
OWN_REFUSALS = PLAN.keys("response-format-unsupported", "style-unsupported", "model-unknown")
# The refusals with no single parameter to name.
NO_PARAM = PLAN.keys("compression-needs-jpeg-or-webp", "malformed-json")

# Every verdict on a stream: LiteLLM answers 500 on each attempt (see tests/test_peers_stream.py).
_STREAM_CHECKS = (
    "generation.status",
    "stream.is-stream",
    "stream.content-type",
    "stream.framing",
    "stream.event-types",
    "stream.partials",
    "stream.completed",
    "stream.fields",
    "stream.done",
)


def _same(checks: tuple[str, ...], keys: Probes) -> dict[str, Probes]:
    return dict.fromkeys(checks, keys)


LITELLM_GPT = Golden(
    failed={
        # Master key, no database: a wrong key gets 400 "No connected db.".
        "auth.rejected": PLAN.keys("wrong-key"),
        **clients("authentication", PLAN.keys("wrong-key")),
        # No prompt: 500 "Router.aimage_generation() missing 1 required positional argument".
        "validation.rejected": NO_PROMPT,
        # Its own refusals carry "param": null.
        "validation.param": OWN_REFUSALS,
        # Every error's code is the status as a string ("400"); with no key, "param": "None".
        "errors.fields": ERROR_ANSWERS,
        # Each data item gains "revised_prompt": null and "url": null (may: not failing the run).
        "generation.nulls": ANSWERS,
    },
    passed={
        "auth.rejected": PLAN.keys("missing-key"),  # 401
        "errors.envelope": ERROR_ANSWERS,
        "validation.rejected": REFUSED - NO_PROMPT,
        "validation.status": REFUSED - NO_PROMPT,
        "validation.param": REFUSED - NO_PROMPT - OWN_REFUSALS - NO_PARAM,
        # Refused upstream before any stream began: the 400 comes through.
        "stream.is-stream": PLAN.keys("partial-images-range"),
        **_same(
            (
                "generation.status",
                "generation.content-type",
                "generation.schema",
                "generation.count",
                "generation.created",
                "images.b64",
                # The upstream's answer, passed through: base64 only, the settings
                # echoed with auto resolved, real formats, sizes and usage.
                "gpt-image.b64-only",
                "gpt-image.echo",
                "gpt-image.output-format",
                "gpt-image.dimensions",
                "gpt-image.usage",
            ),
            ANSWERS,
        ),
        "gpt-image.transparency": TRANSPARENT,
        **clients("generates", ANSWERS),
        **clients("bad-request", PLAN.keys("prompt-empty")),
    },
    error={
        **_same(_STREAM_CHECKS, STREAMS),
        **clients(
            "generates", STREAMS, only=("openai-python", "openai-python-strict", "openai-node")
        ),
    },
    error_says=dict.fromkeys(STREAMS, "HTTP 500 on each of 2 attempts"),
)


def _images(answer: Any) -> list[Any]:
    return [item.get("b64_json") for item in answer["data"]]


def _upstream_for(answer: Any, seen: list[UpstreamExchange]) -> UpstreamExchange:
    """The upstream exchange that produced these very images."""
    for exchange in seen:
        if isinstance(exchange.answer, dict) and _images(exchange.answer) == _images(answer):
            return exchange
    raise AssertionError("no upstream answer carries the images the client got: re-encoded?")


def test_litellm_passes_background_output_format_and_usage_through(
    run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loopback_only(monkeypatch)
    record = tmp_path / "recording"
    seen: list[UpstreamExchange] = []
    upstream = ReferenceServer(load_profile(GPT))
    upstream.app.add_middleware(Tap, seen=seen)
    with upstream, litellm.serve(tmp_path, upstream) as peer:
        run = judge(
            run_suite,
            monkeypatch,
            peer,
            GPT,
            *("--models", MODEL, "--read-timeout", "60", "--record", str(record)),
            # Each attempt at a stream bills three upstream streams (LiteLLM's own retries).
            *("--retries", "1"),
        )
    assert_golden(run, LITELLM_GPT)

    exchanges = read_recording(record).exchanges
    for key in sorted(ANSWERS):
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
