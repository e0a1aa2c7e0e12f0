"""Where the contract (specs/) and the profiles (profiles/) are.

In an installed wheel they are package data under ``conformance/_data``; in a
checkout (or an editable install) they sit at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory ``specs`` or ``profiles``, wherever this copy keeps it."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ directory next to {_PACKAGE}")


def spec_path() -> Path:
    return data_dir("specs") / "openai-images.yaml"


def profile_schema_path() -> Path:
    return _PACKAGE / "schemas" / "profile.schema.json"


def app_schema_path() -> Path:
    return _PACKAGE / "schemas" / "app.schema.json"


def results_schema_path() -> Path:
    return _PACKAGE / "schemas" / "results.schema.json"


def recording_schema_path() -> Path:
    return _PACKAGE / "schemas" / "recording.schema.json"


def bundled_profiles() -> dict[str, Path]:
    """Profile name -> file, for every profile shipped with the suite."""
    return {
        p.stem: p
        for p in sorted(data_dir("profiles").glob("*.yaml"))
        if p.stem.upper() != "TEMPLATE"
    }
