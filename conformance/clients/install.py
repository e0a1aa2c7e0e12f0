"""Installing npm packages into the cache, once, even from several processes at once.

An install lives in ``<cache>/<name>-<version>-<digest of the pin files>``; a
marker file written last says it finished, and a file lock around each install
keeps two processes from installing into the same directory together. Packages
come from the npm registry at the exact versions of a committed
package-lock.json (``npm ci``). The Node clients and the self-tests' npm peers
share this cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

INSTALL_TIMEOUT_S = 900
MARKER = ".installed"

# No analytics pings and no update checks from the installers or the packages' scripts.
QUIET_INSTALL_ENV = {
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


class InstallError(Exception):
    """Why an install could not be done, in the installer's own words."""


def cache_root() -> Path:
    """Where installs go: $IMAGEGEN_CONFORMANCE_PEERS, else the user's cache."""
    override = os.environ.get("IMAGEGEN_CONFORMANCE_PEERS")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imagegen-conformance" / "peers"


def run_installer(args: Sequence[str], cwd: Path, what: str, timeout_s: float) -> None:
    """Run one installer command; InstallError with its last lines if it fails."""
    try:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env={**os.environ, **QUIET_INSTALL_ENV},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"cannot install {what}: {exc}") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
        raise InstallError(f"cannot install {what} (registry unreachable?): {tail}")


def ensure(name: str, version: str, pins: Sequence[Path], install: Callable[[Path], None]) -> Path:
    """The install's directory, installed if missing (the marker file says how long it took).

    The directory's name carries a digest of the pin files, so changing a pin
    installs afresh beside the old copy.
    """
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()[:10]
    target = root / f"{name}-{version}-{digest}"
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (target / MARKER).exists():
            return target
        # A directory without the marker is a broken earlier attempt.
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        started = time.monotonic()
        try:
            install(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        spent = time.monotonic() - started
        (target / MARKER).write_text(f"{name} {version} installed in {spent:.1f} s\n")
        return target


def is_installed(name: str, version: str, pins: Sequence[Path]) -> bool:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()[:10]
    return (cache_root() / f"{name}-{version}-{digest}" / MARKER).exists()


def npm_ci(
    name: str,
    version: str,
    pin_dir: Path,
    *,
    what: str,
    timeout_s: float = INSTALL_TIMEOUT_S,
) -> Path:
    """npm packages at the exact versions of ``pin_dir``'s package-lock.json."""
    npm = shutil.which("npm")
    pins = [pin_dir / f for f in ("package.json", "package-lock.json")]
    if npm is None and not is_installed(name, version, pins):
        raise InstallError(f"npm is not installed: cannot install {what}")

    def install(target: Path) -> None:
        assert npm is not None  # only called when the install is missing
        for pin in pins:
            shutil.copy(pin, target / pin.name)
        # --ignore-scripts: no install-time telemetry (Prism pulls in @scarf/scarf).
        run_installer(
            [npm, "ci", "--prefix", str(target), "--ignore-scripts", "--no-audit", "--no-fund"],
            target,
            f"{what} with npm",
            timeout_s,
        )

    return ensure(name, version, pins, install)
