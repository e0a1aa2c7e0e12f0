"""Where a run's files end up: an interrupted run never replaces a complete one.

A run writes results.json, report.html and junit.xml into its report directory.
Before it starts, the files of a complete earlier run there are copied aside;
if this run is then interrupted, its own files move to ``interrupted/`` beside
them and the earlier run's are put back, byte for byte. A run with no complete
predecessor keeps its files where they were written, marked ``interrupted``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FILES = ("results.json", "report.html", "junit.xml")
INTERRUPTED_DIR = "interrupted"
_KEPT = ".complete-run"


def is_complete_run(results: Path) -> bool:
    """Whether a results.json (or recording.json) is a run's, and not an interrupted one's."""
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and not data.get("interrupted")


def keep_complete(report_dir: Path) -> None:
    """Copy a complete earlier run's files aside, before this run writes its own."""
    kept = report_dir / _KEPT
    shutil.rmtree(kept, ignore_errors=True)
    if not is_complete_run(report_dir / "results.json"):
        return
    kept.mkdir(parents=True)
    for name in FILES:
        if (report_dir / name).is_file():
            shutil.copy2(report_dir / name, kept / name)


def publish(report_dir: Path, *, interrupted: bool) -> Path:
    """Settle where this run's files are; returns the directory that holds them."""
    kept = report_dir / _KEPT
    if not interrupted or not kept.is_dir():
        shutil.rmtree(kept, ignore_errors=True)
        return report_dir
    beside = report_dir / INTERRUPTED_DIR
    beside.mkdir(exist_ok=True)
    for name in FILES:
        if (report_dir / name).is_file():
            os.replace(report_dir / name, beside / name)
        if (kept / name).is_file():
            os.replace(kept / name, report_dir / name)
    shutil.rmtree(kept, ignore_errors=True)
    return beside


def recording_dir(record_dir: Path, *, interrupted: bool) -> Path:
    """Where an interrupted run's recording goes: beside a complete one, never over it."""
    if interrupted and is_complete_run(record_dir / "recording.json"):
        return record_dir / INTERRUPTED_DIR
    return record_dir
