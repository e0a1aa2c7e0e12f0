"""The hostile tests' memory figure is the run's own, not its pytest worker's.

CI failed 20 hostile cases at 497096 KiB each: the worker's own peak, copied into every
child it spawned (see tests/peak_rss.py). These two tests pin the launcher: a big
parent does not raise a small child's figure, and a big child is still measured.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PEAK_RSS = Path(__file__).with_name("peak_rss.py")
MIB = 1024


def _peak_kib(tmp_path: Path, code: str) -> int:
    out = tmp_path / "peak.txt"
    command = [sys.executable, str(PEAK_RSS), str(out), sys.executable, "-c", code]
    subprocess.run(command, check=True)
    return int(out.read_text())


def test_a_big_parent_does_not_count_against_a_small_child(tmp_path: Path) -> None:
    ballast = bytearray(300 * MIB * 1024)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # touch every page: resident
    assert _peak_kib(tmp_path, "pass") < 100 * MIB
    del ballast


def test_a_big_child_is_measured(tmp_path: Path) -> None:
    code = "b = bytearray(300 * 1024 * 1024); b[::4096] = b'\\1' * len(b[::4096])"
    assert _peak_kib(tmp_path, code) > 300 * MIB
