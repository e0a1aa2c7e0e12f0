"""Drawn batches kept on disk: drawing is slow (schemathesis builds a negative
schema per case), and the same seed always gives the same batch.

The key holds everything a batch depends on: the versions of schemathesis,
hypothesis and this suite, the contract, the model's rules, the mode, the size
and the seed (and, for another operation than generations, its name). A batch
is stored as the bodies exactly as drawn (JSON, bytes in base64), written
atomically, so parallel runs can share the directory. Set
``IMAGEGEN_CONFORMANCE_CACHE=off`` to draw afresh every time, or to a
directory to keep the cache there (default: the user's cache directory).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.fuzz.narrow import Mode, narrowed_spec
from conformance.profile import ModelSpec
from conformance.vocabulary import Operation

ENV = "IMAGEGEN_CONFORMANCE_CACHE"
Draw = Callable[[ModelSpec, Mode, int, int], list[Any]]


def directory() -> Path | None:
    setting = os.environ.get(ENV, "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "imagegen-conformance" / "fuzz"


@contextmanager
def hypothesis_home() -> Iterator[None]:
    """Hypothesis keeps its own caches (unicode tables, constants) in ./.hypothesis
    by default: drawing a plan must not litter the directory a run starts in.

    Pointed at this cache (or a temporary directory) while drawing, unless the
    user chose a place (HYPOTHESIS_STORAGE_DIRECTORY), and restored afterwards.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    from hypothesis import configuration

    saved = getattr(configuration, "__hypothesis_home_directory", None)
    where = directory()
    with tempfile.TemporaryDirectory() as scratch:
        home = where.parent / "hypothesis" if where is not None else Path(scratch)
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(saved)


def _key(
    model: ModelSpec,
    mode: Mode,
    size: int,
    seed: int,
    operation: Operation = "generations",
    spec: dict[str, Any] | None = None,
) -> str:
    parts: dict[str, Any] = {
        "suite": __version__,
        "schemathesis": version("schemathesis"),
        "hypothesis": version("hypothesis"),
        "spec": narrowed_spec(model, mode) if spec is None else spec,
        # The family is derived, not a field: added so the key reads as it always has.
        "model": {**_model_fields(model), "family": model.family},
        "mode": mode,
        "size": size,
        "seed": seed,
    }
    if operation != "generations":
        # Named only off generations, so their keys (and cached batches) stay as they were.
        parts["operation"] = operation
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Fields added after draws were first cached: left out while at their default,
# so an old profile's draws keep their keys (and their cache entries).
_LATER_FIELDS = ("dimensions", "vendor_params")


def _model_fields(model: ModelSpec) -> dict[str, Any]:
    fields = dataclasses.asdict(model)
    defaults = {f.name: f for f in dataclasses.fields(model)}
    for name in _LATER_FIELDS:
        spec = defaults[name]
        default = (
            spec.default_factory()
            if spec.default_factory is not dataclasses.MISSING
            else spec.default
        )
        if getattr(model, name) == default:
            del fields[name]
    return fields


def _encode(body: Any) -> Any:
    if isinstance(body, bytes):
        return {"bytes": base64.b64encode(body).decode()}
    return {"json": body}


def _decode(item: Any) -> Any:
    return base64.b64decode(item["bytes"]) if "bytes" in item else item["json"]


def _load(path: Path) -> list[Any] | None:
    try:
        return [_decode(item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or unreadable: draw again


def _store(path: Path, bodies: list[Any]) -> None:
    try:
        text = json.dumps([_encode(b) for b in bodies], ensure_ascii=False)
    except (TypeError, ValueError):
        return  # something JSON cannot hold (NaN): not worth caching
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as fh:
            fh.write(text)
        os.replace(fh.name, path)
    except OSError:
        return  # a read-only home is no reason to fail a run


def batch(
    model: ModelSpec,
    mode: Mode,
    size: int,
    seed: int,
    draw: Draw,
    *,
    operation: Operation = "generations",
    spec: dict[str, Any] | None = None,
) -> list[Any]:
    """The batch from the cache, or drawn now (and stored). ``spec``: the narrowed
    document of ``operation`` drawn from (default: the generations')."""
    where = directory()
    if where is None:
        return draw(model, mode, size, seed)
    path = where / f"{_key(model, mode, size, seed, operation, spec)}.json"
    bodies = _load(path)
    if bodies is None:
        bodies = draw(model, mode, size, seed)
        _store(path, bodies)
    return bodies
