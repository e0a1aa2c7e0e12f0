"""Installing a peer into the cache, once, even from several pytest-xdist workers at once.

A peer lives in ``<cache>/<name>-<version>``; a marker file written last says
the install finished, and a file lock around each install keeps two workers
from installing into the same directory together. When the registry cannot be
reached the test is skipped with the installer's own words, never passed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO

INSTALL_TIMEOUT_S = 900
_MARKER = ".installed"
_HERE = Path(__file__).resolve().parent


def cache_root() -> Path:
    """Where peers are installed: $IMAGEGEN_CONFORMANCE_PEERS, else the user's cache."""
    override = os.environ.get("IMAGEGEN_CONFORMANCE_PEERS")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imagegen-conformance" / "peers"


def _run(args: list[str], cwd: Path, what: str) -> None:
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
            env={**os.environ, **QUIET_INSTALL_ENV},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot install {what}: {exc}")
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
        pytest.skip(f"cannot install {what} (registry unreachable?): {tail}")


# No analytics pings and no update checks from the installers or the packages' scripts.
QUIET_INSTALL_ENV = {
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


def ensure(name: str, version: str, pins: list[Path], install: Callable[[Path], None]) -> Path:
    """The peer's directory, installed if missing (the marker file says how long it took).

    The directory's name carries a digest of the pin files, so changing a pin
    installs afresh beside the old copy.
    """
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()[:10]
    target = root / f"{name}-{version}-{digest}"
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (target / _MARKER).exists():
            return target
        # A directory without the marker is a broken earlier attempt.
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        started = time.monotonic()
        install(target)
        spent = time.monotonic() - started
        (target / _MARKER).write_text(f"{name} {version} installed in {spent:.1f} s\n")
        return target


def npm_install(name: str, package: str, version: str) -> Path:
    """An npm package at the exact versions of its lockfile in tests/peers/npm/<name>."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed: cannot install {package}")

    pins = [_HERE / "npm" / name / f for f in ("package.json", "package-lock.json")]

    def install(target: Path) -> None:
        for pin in pins:
            shutil.copy(pin, target / pin.name)
        # --ignore-scripts: no install-time telemetry (Prism pulls in @scarf/scarf).
        _run(
            [npm, "ci", "--prefix", str(target), "--ignore-scripts", "--no-audit", "--no-fund"],
            target,
            f"{package}@{version} with npm",
        )

    return ensure(name, version, pins, install)


def pip_venv_install(name: str, version: str, requirements: list[str]) -> Path:
    """Python packages in a venv of their own, pinned by tests/peers/<name>-constraints.txt."""

    constraints = _HERE / f"{name}-constraints.txt"

    def install(target: Path) -> None:
        _run([sys.executable, "-m", "venv", str(target)], REPO, f"a venv for {name}")
        pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        _run([*pip, "-c", str(constraints), *requirements], REPO, " ".join(requirements))

    return ensure(name, version, [constraints], install)
