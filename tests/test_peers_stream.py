"""What a gateway does to a streamed answer: LiteLLM in front of the reference server.

Measured with litellm[proxy] 1.103.7 (tests/peers/litellm.py): it forwards
``stream: true`` to the upstream, which streams (and bills) the images, partial
ones included; then it *drops* the stream, answering 500 ``'str' object has no
attribute 'model_dump'`` — after retrying the upstream twice on its own, so each
request the client sends bills three streams upstream while the client gets no
image. The suite judges that as an error of the run (a 5xx to a well-formed
request on every attempt), never as a verdict on the streaming rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.profile import load_profile
from conformance.server import ReferenceServer
from tests.conftest import SuiteRun
from tests.peers import litellm
from tests.peers.network import loopback_only

pytestmark = pytest.mark.peers

RunSuite = Callable[..., SuiteRun]
KEY_ENV = "IGC_PEER_API_KEY"


def test_litellm_drops_a_streamed_answer_after_billing_it_upstream(
    run_suite: RunSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loopback_only(monkeypatch)
    with (
        ReferenceServer(load_profile("openai")) as upstream,
        litellm.serve(tmp_path, upstream) as peer,
    ):
        monkeypatch.setenv(KEY_ENV, peer.api_key)
        run = run_suite(
            *("--base-url", peer.base_url, "--api-key-env", KEY_ENV, "--view", "drop-in"),
            *("--probes", "fixed", "--rate-limit", "none", "--models", "gpt-image-2"),
            *("-k", "stream.completed or stream.is-stream", "--retries", "1"),
            *("--read-timeout", "60"),
        )
        upstream_stats = upstream.stats()
    checks = {c["id"]: c for c in run.results["checks"]}
    streamed = [c for c in checks if c.startswith("stream.completed[")]
    assert len(streamed) == 2
    for check_id in streamed:
        verdict = checks[check_id]
        assert verdict["outcome"] == "error"
        assert "HTTP 500 on each of 2 attempts" in verdict["message"]
        body = verdict["evidence"]["response"]["body"]
        assert "'str' object has no attribute 'model_dump'" in str(body)
    # Refused before any stream: LiteLLM passes the upstream's 400 through.
    assert checks["stream.is-stream[partial-images-range]"]["outcome"] == "passed"
    # Four attempts reached LiteLLM; the upstream streamed three times for each
    # (its own two retries), 1 + 2 images a pair (the plain stream, and the one with
    # a partial image): 18 images billed, none delivered.
    assert run.results["requests"]["billable"] == 0
    assert upstream_stats["generations"] == 18
