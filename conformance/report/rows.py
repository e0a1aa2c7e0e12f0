"""Results files as comparable rows: what the matrix and the switch gate read.

A row is a check on a kind of request. Refusals and auth probes are the same
request for every provider, so each keeps its own row (``validation.rejected[n-zero]``);
the billable covering set differs per profile, so a generation check is one row
over all of a model's valid requests (``images.dimensions``); property-based
requests are drawn per profile, so a check over all of them is one row
(``validation.rejected[fuzz]``). Answers printed in a vendor's docs are not server
behaviour and stay out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from conformance.errors import ConfigError, schema_problem
from conformance.report.results import resolve_evidence
from conformance.resources import results_schema_path
from conformance.vocabulary import View, worst

_PER_PROBE = frozenset({"auth", "invalid", "balance"})


def operation_of(entry: dict[str, Any]) -> str:
    """The endpoint a verdict's request went to (absent: generations, as before edits)."""
    return str((entry.get("probe") or {}).get("operation") or "generations")


def row_key(entry: dict[str, Any]) -> str | None:
    """The row an entry counts in; rows are grouped by the probe's operation.

    A generations row keeps its bare key, so files written before operations
    were recorded (which mean generations) compare with today's.
    """
    probe = entry.get("probe") or {}
    kind = probe.get("kind")
    if kind == "example":
        return None
    check = str(entry["check"])
    if probe.get("origin") == "fuzz":
        key = f"{check}[fuzz]"
    else:
        key = str(entry["id"]) if kind in _PER_PROBE else check
    operation = operation_of(entry)
    return key if operation == "generations" else f"{operation}: {key}"


@dataclass
class Cell:
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return worst([e["outcome"] for e in self.entries])

    @property
    def counts(self) -> Counter[str]:
        return Counter(e["outcome"] for e in self.entries)


@dataclass
class Column:
    """One provider and model of one results file."""

    provider: str
    model: str
    source: Path
    results: dict[str, Any]
    cells: dict[str, Cell]
    meta: dict[str, dict[str, str]]
    # Tells apart two runs of the same provider and model in one matrix.
    suffix: str = ""

    @property
    def id(self) -> str:
        return f"{self.provider}--{self.model}{self.suffix}"

    @property
    def judged(self) -> list[str]:
        return [key for key, cell in self.cells.items() if cell.outcome != "skipped"]

    @property
    def score(self) -> tuple[int, int]:
        """(rows passed, rows judged): skipped rows judge nothing."""
        judged = self.judged
        return sum(1 for key in judged if self.cells[key].outcome == "passed"), len(judged)

    def provenance(self) -> dict[str, str]:
        suite = self.results.get("suite", {})
        target = self.results.get("target", {})
        requests = self.results.get("requests", {})
        budget = requests.get("budget")
        spent = f"{requests.get('billable', '?')}" + (f" of {budget}" if budget is not None else "")
        return {
            "suite": f"{suite.get('version', '?')} @ {str(suite.get('commit', '?'))[:12]}",
            "profile": f"{target.get('profile', '?')} (sha256 "
            f"{str(target.get('profile_sha256', '?'))[:12]})",
            "date": str(self.results.get("started_at", "?")),
            "view": str(self.results.get("view", "docs")),
            "budget spent": f"{spent} billable images",
            "target": str(target.get("base_url") or "?"),
        }


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(results_schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def load_results(path: Path) -> dict[str, Any]:
    """A results file, validated by its schema: a bad one is one line (exit 4)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise ConfigError(f"{path}: not a results.json of schema_version 1")
    problem = schema_problem(_validator(), data)
    if problem is not None:
        raise ConfigError(
            f"{path}: not a valid results.json (schemas/results.schema.json): {problem}"
        )
    interrupted = data.get("interrupted")
    if interrupted:
        reason = interrupted.get("reason") if isinstance(interrupted, dict) else None
        raise ConfigError(
            f"{path}: an interrupted run ({reason or 'stopped early'}) is no verdict; "
            "run it again to the end"
        )
    for entry in data["checks"]:
        # Written before results carried the check's id on its own: the id without its probe.
        entry.setdefault("check", str(entry["id"]).partition("[")[0])
    return resolve_evidence(data)


def in_view(entry: dict[str, Any], view: View | None) -> dict[str, Any]:
    """The entry as judged in ``view`` (the run's own view when None or absent)."""
    judged = (entry.get("views") or {}).get(view) if view else None
    if not judged:
        return entry
    return {**entry, "outcome": judged["outcome"], "message": judged["message"]}


def columns(
    path: Path, data: dict[str, Any] | None = None, *, view: View | None = None
) -> list[Column]:
    """One column per model of a results file, rows aggregated (in ``view`` if given)."""
    data = load_results(path) if data is None else data
    provider = str(data.get("target", {}).get("profile", path.parent.name))
    by_model: dict[str, dict[str, Cell]] = {}
    meta: dict[str, dict[str, str]] = {}
    for entry in data["checks"]:
        key = row_key(entry)
        if key is None:
            continue
        cells = by_model.setdefault(str(entry["model"]), {})
        cells.setdefault(key, Cell()).entries.append(in_view(entry, view))
        meta.setdefault(key, _row_meta(key, entry))
    models = data.get("target", {}).get("models") or list(by_model)
    return [
        Column(provider, model, path, data, by_model.get(model, {}), meta)
        for model in models
        if model in by_model
    ]


def _row_meta(key: str, entry: dict[str, Any]) -> dict[str, str]:
    title = str(entry.get("title", key))
    if "[" not in key:
        # One row over many requests: the check's title without the request's.
        title = title.split(": ")[0]
    # Every verdict on an edit is grouped under the edits feature, whatever its check.
    feature = "edits" if operation_of(entry) == "edits" else str(entry["feature"])
    if feature == "edits" and not title.startswith("edit"):
        title = f"edit: {title}"
    return {"feature": feature, "severity": str(entry["severity"]), "title": title}
