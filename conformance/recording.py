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
from conformance.redact import Redactor
from conformance.resources import recording_schema_path

FILE = "recording.json"
SCHEMA_VERSION = 1


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
) -> Path:
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
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE
    # Exchanges were redacted when recorded; this is the second line of defence.
    path.write_text(redactor.text(json.dumps(data, indent=1)) + "\n", encoding="utf-8")
    return path


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
