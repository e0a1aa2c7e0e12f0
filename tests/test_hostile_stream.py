"""Hostile answers to stream: true: each ends in an error naming the cause, within the
deadline, under 500 MB, and is not retried once it has started.

Like tests/test_hostile.py: `python -m conformance run` in a subprocess (its own peak
memory from wait4 in tests/peak_rss.py) against a loopback server from
tests/hostile.py, sending only the two streaming probes of the cheapest GPT model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import hostile
from tests.hostile import RawServer
from tests.test_hostile import _assert_contained, run_measured

STREAM_PROBES = (
    *("--profile", "openai", "--models", "gpt-image-2"),
    *("--probes", "fixed", "-k", "stream.completed"),
)

# Each case is a whole run in a subprocess (10-20 s): not in the quick loop.
pytestmark = pytest.mark.slow
DEADLINE_S = 3.0
# The cases stopped by the size cap get more time, so a loaded machine never turns
# them into timeouts.
CAP_DEADLINE_S = 60.0
NO_COMPLETED = "no image_generation.completed"


@dataclass(frozen=True)
class StreamCase:
    behaviour: hostile.Behaviour
    says: tuple[str, ...]
    deadline_s: float = DEADLINE_S


CASES = {
    "endless-stream": StreamCase(
        hostile.sse_endless,
        (
            "answer body larger than the 67108864-byte cap (--max-body)",
            "the event stream had sent 6",
            "(image_generation.partial_image ×6",
            NO_COMPLETED,
        ),
        CAP_DEADLINE_S,
    ),
    "never-completes": StreamCase(
        hostile.sse_never_completes,
        (
            f"did not finish answering within the {DEADLINE_S:g} s deadline (--deadline)",
            "the event stream had sent 1 event(s) (image_generation.partial_image ×1) and ",
            "comment line(s)",
            NO_COMPLETED,
        ),
    ),
    "100-mb-data-line": StreamCase(
        hostile.sse_huge_line,
        (
            "answer body larger than the 67108864-byte cap (--max-body)",
            "the event stream had sent 0 event(s)",
            "bytes into an unfinished line (one event's whole image is one data: line",
        ),
        CAP_DEADLINE_S,
    ),
    "trickle": StreamCase(
        hostile.sse_trickle,
        (
            f"did not finish answering within the {DEADLINE_S:g} s deadline (--deadline)",
            "the event stream had sent 0 event(s)",
            "bytes into an unfinished line",
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_stream_ends_in_an_error_naming_the_cause(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    with RawServer(case.behaviour) as server:
        run = run_measured(
            tmp_path,
            *("--base-url", server.base_url, "--api-key-env", "IGC_KEY"),
            *("--deadline", str(case.deadline_s)),
            *STREAM_PROBES,
        )
    _assert_contained(run)
    assert run.exit_code == 1
    verdicts = run.verdicts("stream.completed")
    assert len(verdicts) == 3  # gpt-image-2's two generation streams and its streamed edit
    for outcome, message in verdicts:
        assert outcome == "error", message
        for part in case.says:
            assert part in message, message
        assert "attempts" not in message, "a stream that started is not retried"
    # The streams run at once, each stopped by the cap or its deadline, never
    # retried: the run takes about one deadline at most.
    assert run.results["duration_s"] < case.deadline_s + 10
    print(f"{name}: {run.elapsed_s:.1f} s, peak RSS {run.peak_rss_kib // 1024} MiB")
