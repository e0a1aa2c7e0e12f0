"""Installing a peer into the cache, once, even from several pytest-xdist workers at once.

The cache, its lock and its marker file are the package's own
(:mod:`conformance.clients.install`: the suite's Node clients live there too).
When the registry cannot be reached the test is skipped with the installer's
own words, never passed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.clients.install import (
    INSTALL_TIMEOUT_S,
    QUIET_INSTALL_ENV,
    InstallError,
    cache_root,
    ensure,
    npm_ci,
    run_installer,
)
from tests.conftest import REPO

__all__ = ["QUIET_INSTALL_ENV", "cache_root", "npm_install", "pip_venv_install"]

_HERE = Path(__file__).resolve().parent


def npm_install(name: str, package: str, version: str) -> Path:
    """An npm package at the exact versions of its lockfile in tests/peers/npm/<name>."""
    try:
        return npm_ci(name, version, _HERE / "npm" / name, what=f"{package}@{version}")
    except InstallError as exc:
        pytest.skip(str(exc))


def _uv() -> str | None:
    """uv's binary when the test extra installed it: it resolves and installs a
    gateway's few hundred pinned packages in seconds where pip takes minutes on
    two cores; pip is the fallback, with the same pins."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None


def pip_venv_install(
    name: str,
    version: str,
    requirements: list[str],
    constraints: Path | None = None,
    requirement_files: tuple[Path, ...] = (),
) -> Path:
    """Python packages in a venv of their own, pinned by a constraints file
    (tests/peers/<name>-constraints.txt unless another is given), plus any
    requirement files (for a release whose extra names a package the registry
    lacks, its other requirements are listed by hand)."""

    pins = constraints or _HERE / f"{name}-constraints.txt"

    def install(target: Path) -> None:
        uv = _uv()
        python = str(target / "bin" / "python")
        if uv is None:
            venv = [sys.executable, "-m", "venv", str(target)]
            pip = [python, "-m", "pip", "install", "--quiet"]
        else:
            venv = [uv, "venv", "--quiet", "--python", sys.executable, str(target)]
            pip = [uv, "pip", "install", "--quiet", "--python", python]
        run_installer(venv, REPO, f"a venv for {name}", INSTALL_TIMEOUT_S)
        files = [arg for path in requirement_files for arg in ("-r", str(path))]
        run_installer(
            [*pip, "-c", str(pins), *requirements, *files],
            REPO,
            " ".join([*requirements, *(p.name for p in requirement_files)]),
            INSTALL_TIMEOUT_S,
        )

    try:
        return ensure(name, version, [pins, *requirement_files], install)
    except InstallError as exc:
        pytest.skip(str(exc))
