"""The suite's verdicts on real servers and gateways written by others.

Each peer is installed from its registry into a cache (skipped, with the reason,
when that is impossible), run on loopback, and judged by the whole suite
(openai-dalle profile, drop-in view: the DALL·E rules). Its golden lists every
failure the suite must report (each a real deviation, confirmed by hand against
the running peer when the golden was written) and what it must pass, so a suite
that turns blind or trigger-happy fails here. Deselect with ``-m "not peers"``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.peers import litellm, portkey, prism
from tests.peers.golden import DALLE, Golden, both, clients, d2, d3, probes, several_images
from tests.peers.judge import RunSuite, assert_golden, judge
from tests.peers.network import REFUSAL, loopback_only

pytestmark = pytest.mark.peers

VALID = probes("valid")
B64 = probes("valid", "b64_json")
URL = probes("valid", "url")
REFUSED = probes("invalid")
SEVERAL = several_images()
ERROR_ANSWERS = REFUSED | d2("missing-key", "wrong-key")

# Prism's static 200, whatever was asked: one item carrying both url
# ("http://example.com") and b64_json ("string"), created 0. It parses as an
# ImagesResponse, which is what Prism is for.
_PRISM_STATIC_200 = {
    # b64_json "string" decodes to 4 bytes (or not at all) in every client: no image.
    **clients("generates", B64),
    "generation.created": VALID,
    # Its example usage counts 0 tokens for the image it returns.
    "generation.usage": VALID,
    "generation.format": VALID,
    "generation.count": SEVERAL,
    "images.b64": B64,
}
_PRISM_PASSES = {
    "auth.rejected": d2("missing-key"),  # 401, though as problem+json
    "generation.status": VALID,
    "generation.content-type": VALID,
    "generation.schema": VALID,
    # Its url is absolute: an app reading url gets one.
    **clients("generates", URL),
    "generation.nulls": VALID,
    "generation.count": VALID - SEVERAL,
}
# A malformed JSON body makes Prism 5.16.0 hang; the run must end anyway, with
# an error of the run (never a vendor failure) that names the timeout. Image
# links to example.com cannot be fetched offline: an error too, not a failure.
_PRISM_ERRORS = {
    "errors.envelope": d2("malformed-json"),
    "errors.fields": d2("malformed-json"),
    "validation.rejected": d2("malformed-json"),
    "validation.status": d2("malformed-json"),
    "images.url": URL,
}
_PRISM_ERROR_SAYS = {"dall-e-2/malformed-json": "timeout", **{k: REFUSAL for k in URL}}

PRISM_AS_PUBLISHED = Golden(
    failed={
        **_PRISM_STATIC_200,
        # Any Bearer value is accepted; no key gets 401 in problem+json.
        "auth.rejected": d2("wrong-key"),
        **clients("authentication", d2("wrong-key")),
        "errors.envelope": d2("missing-key"),
        # With the spec as published Prism validates no body: everything is a 200.
        "validation.rejected": REFUSED - d2("malformed-json"),
        **clients("bad-request", both("prompt-empty")),
    },
    passed=_PRISM_PASSES,
    error=_PRISM_ERRORS,
    error_says=_PRISM_ERROR_SAYS,
)

# What the official schema can refuse once Prism can read it: 422 problem+json.
SCHEMA_REFUSED = both(
    "prompt-missing",
    "prompt-type",
    "n-zero",
    "n-type",
    "response-format-unknown",
    "quality-unknown",
    "style-unknown",
) | d2("n-above-max")
PRISM_VALIDATING = Golden(
    failed={
        **_PRISM_STATIC_200,
        "auth.rejected": d2("wrong-key"),
        **clients("authentication", d2("wrong-key")),
        "errors.envelope": d2("missing-key") | SCHEMA_REFUSED,
        "validation.status": SCHEMA_REFUSED,  # 422, not 400
        "validation.param": SCHEMA_REFUSED,  # no error.param in problem+json
        # The official schema has no minLength, no size list, no per-model n or limits.
        "validation.rejected": both("prompt-empty", "prompt-too-long", "size-unsupported")
        | both("size-unicode-x")
        | d2("model-unknown")
        | d3("n-above-max"),
        **clients("bad-request", both("prompt-empty")),
    },
    passed={**_PRISM_PASSES, "validation.rejected": SCHEMA_REFUSED},
    error=_PRISM_ERRORS,
    error_says=_PRISM_ERROR_SAYS,
)

LITELLM = Golden(
    failed={
        # Master key, no database: a wrong key gets 400 "No connected db.".
        "auth.rejected": d2("wrong-key"),
        **clients("authentication", d2("wrong-key")),
        # No prompt: 500 "Router.aimage_generation() missing 1 required positional argument".
        "validation.rejected": both("prompt-missing"),
        # Its own refusals carry "param": null.
        "validation.param": d2("style-unknown", "model-unknown"),
        # Every unused key sent as null (may: reported, not failing the run).
        "generation.nulls": VALID,
        # Its error bodies carry "param": "None" and the status as the code ("400").
        "errors.fields": ERROR_ANSWERS,
        # It adds a usage counting 0 tokens to every answer (OpenAI's dall-e sends none).
        "generation.usage": VALID,
    },
    passed={
        "auth.rejected": d2("missing-key"),  # 401
        "errors.envelope": ERROR_ANSWERS,  # code "400", param "None": strings, still the shape
        "validation.rejected": REFUSED - both("prompt-missing"),
        # Its zero usage has ImageGenUsage's shape, so the schema holds.
        "generation.schema": VALID,
        "generation.count": VALID,
        "images.b64": B64,
        "images.url": URL,
        "images.dimensions": VALID,
        **clients("generates", VALID),
        **clients("bad-request", both("prompt-empty")),
    },
)

PORTKEY = Golden(
    failed={
        # n = 0 silently becomes 1, n = 11 becomes 10: both generated and billed.
        "validation.rejected": both("n-zero") | d2("n-above-max", "malformed-json"),
        # A malformed body: its own 500 {"status": "failure", "message": ...}.
        "errors.envelope": d2("malformed-json"),
    },
    passed={
        # No auth of its own: the upstream refuses "Bearer undefined" and the wrong key.
        "auth.rejected": d2("missing-key", "wrong-key"),
        **clients("authentication", d2("wrong-key")),
        "errors.envelope": ERROR_ANSWERS - both("n-zero") - d2("n-above-max", "malformed-json"),
        "validation.rejected": REFUSED - both("n-zero") - d2("n-above-max", "malformed-json"),
        "generation.schema": VALID,
        "generation.nulls": VALID,
        "images.b64": B64,
        "images.url": URL,
        "images.dimensions": VALID,
        **clients("generates", VALID),
    },
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)


@pytest.mark.parametrize(
    ("validating", "golden"),
    [(False, PRISM_AS_PUBLISHED), (True, PRISM_VALIDATING)],
    ids=["as-published", "validating"],
)
def test_prism(
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    validating: bool,
    golden: Golden,
) -> None:
    with prism.serve(tmp_path, validating=validating) as peer:
        run = judge(run_suite, monkeypatch, peer, DALLE)  # default limits: its hang costs 30 s
    assert_golden(run, golden)


def test_litellm(run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with (
        ReferenceServer(load_profile(DALLE)) as upstream,
        litellm.serve(tmp_path, upstream) as peer,
    ):
        run = judge(run_suite, monkeypatch, peer, DALLE, "--read-timeout", "60")
    assert_golden(run, LITELLM)


def test_portkey(run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with (
        ReferenceServer(load_profile(DALLE)) as upstream,
        portkey.serve(tmp_path, upstream) as peer,
    ):
        run = judge(run_suite, monkeypatch, peer, DALLE, "--read-timeout", "60")
    assert_golden(run, PORTKEY)
