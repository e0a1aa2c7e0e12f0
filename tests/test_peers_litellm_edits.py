"""Edits through LiteLLM: the release with the multi-image bug and one with the fix (issue 21).

LiteLLM 1.101.6 (the last of 1.100.0-1.101.6, which broke every multi-image
edit) and 1.102.4 (the fix came in 1.102.0), both measured in
shared/reference/edits-contract.md §6, each in front of the reference server
emulating gpt-image-2.6-flare. The suite sends only its edit probes
(``-k edit``): the multi-image edit with a mask, the streaming edit and the
free refusals. The reference server records what LiteLLM forwarded
(tests/peers/tap.py, its multipart parts read back by Starlette's parser), so
each verdict stands beside the upstream's side of the same exchange:

- 1.101.6 forwards the two ``image[]`` files *and* a stray text part named
  ``image[]``; the upstream refuses that with 400 ``invalid_type`` and LiteLLM
  passes the refusal on: ``edits.images-list`` and ``generation.status`` fail
  on ``edit-multi-mask``, and every client's ``edits`` with them.
- 1.102.4 forwards the two files and the mask, nothing else named ``image``:
  the multi-image edit passes.
- Both forward ``stream: true`` on the streaming edit, the upstream streams
  ``image_edit.*`` events (and bills them), and LiteLLM answers 500 on every
  attempt: ``generation.status`` fails (a failure, never an error of the run,
  never a pass), and so does every client's ``edits``.
"""

from __future__ import annotations

import pytest

from tests.peers import litellm
from tests.peers.golden import GPT, GPT_ANSWER_CHECKS, Golden, RunProbes, mismatches
from tests.peers.runs import PeerRun, through_litellm
from tests.peers.tap import UpstreamExchange

pytestmark = [pytest.mark.peers, pytest.mark.slow]

MODEL = "gpt-image-2.6-flare"
PLAN = RunProbes(GPT, (MODEL,))
MULTI = f"{MODEL}/edit-multi-mask"
STREAM = f"{MODEL}/edit-stream"
RELEASES = {"broken": litellm.EDITS_BROKEN, "fixed": litellm.EDITS_FIXED}


@pytest.fixture(scope="module", params=sorted(RELEASES))
def edits_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> PeerRun:
    """One edit-only run per release, read by every test of the module."""
    release = RELEASES[request.param]
    root = tmp_path_factory.mktemp(f"litellm-{release.version}")
    return through_litellm(
        root,
        release,
        GPT,
        *("--models", MODEL, "-k", "edit", "--read-timeout", "60"),
        # Each attempt at a stream bills three upstream streams (LiteLLM retries twice itself).
        *("--retries", "1"),
    )


REFUSED = PLAN.probes("invalid")
EDIT_REFUSED = frozenset(k for k in REFUSED if k.split("/", 1)[1].startswith("edit-"))
# Refused by LiteLLM's own FastAPI layer, 422 {"detail": ...}: a text part where a
# file belongs, and mask with mask[] (its form model takes one of each).
OWN_422 = PLAN.keys("edit-text-as-image", "edit-mask-twice")
# No image part: 500 "aimage_edit() missing 1 required positional argument".
NO_IMAGE = PLAN.keys("edit-no-image")
# A PNG labelled application/octet-stream goes upstream relabelled image/png: served, billed.
OCTET = PLAN.keys("edit-octet-stream")
MULTI_CHECKS = (
    *GPT_ANSWER_CHECKS,
    "edits.images-list",
    "edits.size",
    "edits.count",
    "edits.usage",
    "edits.mask-effect",
    "client.openai-python.edits",
    "client.openai-python-strict.edits",
    "client.openai-node.edits",
    "client.openai-node-7.edits",
    "client.vercel-ai.edits",
    "client.vercel-ai-7.edits",
)
# The clients that stream edits (the AI SDK does not: its rows judge the
# multi-image edit only).
EDIT_CLIENTS = (
    "client.openai-python.edits",
    "client.openai-python-strict.edits",
    "client.openai-node.edits",
    "client.openai-node-7.edits",
)
AI_SDK_EDIT_CLIENTS = ("client.vercel-ai.edits", "client.vercel-ai-7.edits")


def _golden(multi_broken: bool) -> Golden:
    """What both releases get on the refusals and the stream, and the multi-image edit
    either refused (the stray text part) or served."""
    multi = frozenset({MULTI})
    stream = frozenset({STREAM})
    failed: dict[str, frozenset[str]] = {
        # Its own refusals are FastAPI's 422 {"detail": [...]}: no error object.
        "errors.envelope": OWN_422,
        "validation.status": OWN_422,
        # No image: 500; an octet-stream PNG: relabelled, served and billed.
        "validation.rejected": NO_IMAGE | OCTET,
        # The upstream's 400s come back with "param": null, as do its own.
        "validation.param": EDIT_REFUSED - NO_IMAGE - OCTET,
        # Every error's code is the HTTP status as a string ("400", "500").
        "errors.fields": EDIT_REFUSED - OWN_422 - OCTET,
        # The streaming edit: the upstream streams image_edit.* events, LiteLLM answers 500.
        "generation.status": stream | (multi if multi_broken else frozenset()),
        **dict.fromkeys(EDIT_CLIENTS, stream | (multi if multi_broken else frozenset())),
    }
    if multi_broken:
        # 400 invalid_type from the upstream for the stray text part, passed on.
        failed["edits.images-list"] = multi
        failed.update(dict.fromkeys(AI_SDK_EDIT_CLIENTS, multi))
    else:
        # Each data item gains "revised_prompt": null and "url": null (may).
        failed["generation.nulls"] = multi
    passed: dict[str, frozenset[str]] = {
        "validation.rejected": EDIT_REFUSED - NO_IMAGE - OCTET,
        "errors.envelope": EDIT_REFUSED - OWN_422 - OCTET,
        "validation.status": EDIT_REFUSED - OWN_422 - NO_IMAGE - OCTET,
    }
    if not multi_broken:
        passed.update(dict.fromkeys(MULTI_CHECKS, multi))
    return Golden(failed=failed, passed=passed)


GOLDENS = {"broken": _golden(multi_broken=True), "fixed": _golden(multi_broken=False)}


def _name(run: PeerRun) -> str:
    return next(name for name, release in RELEASES.items() if release == run.release)


def test_litellm_edit_goldens(edits_run: PeerRun) -> None:
    problems = mismatches(edits_run.results, GOLDENS[_name(edits_run)])
    assert not problems, "\n".join(problems)
    assert edits_run.run.exit_code == 1


def _multi_upstream(run: PeerRun) -> UpstreamExchange:
    """The upstream's side of edit-multi-mask (the only edit asking for n = 2)."""
    [exchange] = [e for e in run.upstream if e.text("n") == "2"]
    return exchange


def test_litellm_forwards_the_image_list_with_a_stray_text_part_until_1_102(
    edits_run: PeerRun,
) -> None:
    """The upstream's side of edit-multi-mask: what makes the bug, or its absence."""
    upstream = _multi_upstream(edits_run)
    named = ("image", "mask")
    forwarded = [(p.name, p.is_file) for p in upstream.parts if p.name.startswith(named)]
    files = [("image[]", True), ("image[]", True), ("mask", True)]
    answer = edits_run.exchanges[MULTI].response
    assert answer is not None
    if _name(edits_run) == "broken":
        # The list goes on as its two files, after a text part named image[] holding
        # the repr of the second file's upload object: OpenAI's 400 invalid_type.
        assert forwarded == [("image[]", False), *files]
        assert (upstream.text("image[]") or "").startswith("UploadFile(")
        assert upstream.status == answer.status == 400
        assert b"invalid_type" in answer.body
    else:
        assert forwarded == files
        assert upstream.status == answer.status == 200


def test_litellm_answers_a_streaming_edit_500_after_the_upstream_streamed_it(
    edits_run: PeerRun,
) -> None:
    """The upstream got ``stream: true`` and answered image_edit.* events; the client
    got 500 on each attempt: a failure of generation.status, never an error of the
    run, and nothing judged on that probe passed."""
    streamed = [e for e in edits_run.upstream if e.text("stream") == "true"]
    assert streamed
    assert all(e.status == 200 and e.streamed for e in streamed)
    exchange = edits_run.exchanges[STREAM]
    assert exchange.response is not None
    assert exchange.response.status == 500
    assert exchange.error is None
    # LiteLLM quotes the upstream's events in its error message.
    assert b"image_edit.partial_image" in exchange.response.body
    verdicts = [
        c for c in edits_run.results["checks"] if f"{c['model']}/{c['probe']['id']}" == STREAM
    ]
    assert not [c for c in verdicts if c["outcome"] in ("passed", "error")]
    status = next(c for c in verdicts if c["check"] == "generation.status")
    assert status["outcome"] == "failed"
    assert "answered 500" in status["message"]


def test_litellm_relabels_an_octet_stream_part_as_png(edits_run: PeerRun) -> None:
    """Why edit-octet-stream is served: LiteLLM sends the part on as ``image[]``,
    image/png, so the upstream (which refuses by Content-Type, as OpenAI does)
    never sees the label the client sent."""
    sent = edits_run.exchanges[f"{MODEL}/edit-octet-stream"].request.body
    assert b"Content-Type: application/octet-stream" in sent
    [upstream] = [
        e for e in edits_run.upstream if e.status == 200 and not e.streamed and e.text("n") is None
    ]
    assert [(p.name, p.content_type) for p in upstream.parts if p.is_file] == [
        ("image[]", "image/png")
    ]
