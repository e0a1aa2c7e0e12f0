"""Record and replay: the exchanges of a run, kept redacted and judged again offline.

`--record DIR` writes DIR/recording.json; `--replay DIR` reads it and judges
those answers without starting a server or sending anything, so a matrix can be
reproduced and a new check tried on yesterday's answers at no cost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from conformance import __version__
from conformance.errors import ConfigError, schema_problem
from conformance.exchange import Exchange
from conformance.profile import load_profile
from conformance.redact import Redactor
from conformance.resources import bundled_profiles, recording_schema_path

FILE = "recording.json"
SCHEMA_VERSION = 1


def recorded_profile(directory: Path, named: str | None) -> str:
    """The profile a replay judges by: the recording's, unless the run names another.

    Naming a different profile from the one the answers were recorded with would
    judge them by rules they were never sent under, so it is one line (exit 4);
    the same profile with a changed sha256 is fine (re-judging old answers with an
    updated profile is what replay is for) and the run notes it.
    """
    path = directory / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return named or ""  # read_recording words the problem
    recorded = data.get("profile") if isinstance(data, dict) else None
    if not isinstance(recorded, str) or not recorded:
        return named or ""
    if named is None:
        if recorded not in bundled_profiles():
            raise ConfigError(
                f"--replay {directory}: recorded with profile {recorded}, which is not bundled; "
                "name its file with --profile PATH"
            )
        return recorded
    if load_profile(named).name != recorded:
        raise ConfigError(
            f"--replay {directory}: recorded with profile {recorded}, not {named}; "
            f"drop --profile to judge it by {recorded}"
        )
    return named


@dataclass(frozen=True)
class Recording:
    profile: str
    profile_sha256: str
    base_url: str | None
    models: tuple[str, ...]
    requests: dict[str, int]
    exchanges: dict[str, Exchange]


def write_recording(
    directory: Path,
    *,
    profile: str,
    profile_sha256: str,
    base_url: str | None,
    models: tuple[str, ...],
    requests: dict[str, int],
    exchanges: dict[str, Exchange],
    redactor: Redactor,
    interrupted: str | None = None,
) -> Path:
    """Write DIR/recording.json; an interrupted run's goes to DIR/interrupted/ when
    DIR holds a complete recording (never over it)."""
    if interrupted is not None and _complete(directory / FILE):
        directory = directory / "interrupted"
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": "imagegen-conformance", "version": __version__},
        "profile": profile,
        "profile_sha256": profile_sha256,
        "base_url": base_url,
        "models": list(models),
        "requests": requests,
        "exchanges": [e.to_dict() for e in exchanges.values()],
    }
    if interrupted is not None:
        data["interrupted"] = {"reason": interrupted}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE
    # Exchanges were redacted when recorded; this is the second line of defence.
    path.write_text(redactor.text(json.dumps(data, indent=1)) + "\n", encoding="utf-8")
    return path


def _complete(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and not data.get("interrupted")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(recording_schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def read_recording(directory: Path) -> Recording:
    """A recording, validated by schemas/recording.schema.json: a bad one is one line."""
    path = directory / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--replay {directory}: cannot read {FILE} ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"--replay {directory}: {FILE} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise ConfigError(f"--replay {directory}: not a version-{SCHEMA_VERSION} recording")
    problem = schema_problem(_validator(), data)
    if problem is not None:
        raise ConfigError(
            f"--replay {directory}: {FILE} is not a valid recording "
            f"(schemas/recording.schema.json): {problem}"
        )
    try:
        exchanges = [Exchange.from_dict(e) for e in data["exchanges"]]
        return Recording(
            profile=data["profile"],
            profile_sha256=data["profile_sha256"],
            base_url=data.get("base_url"),
            models=tuple(data["models"]),
            requests=dict(data["requests"]),
            exchanges={e.probe_key: e for e in exchanges},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"--replay {directory}: a malformed recording ({exc!r})") from None
