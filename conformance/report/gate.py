"""The switch gate: does a candidate provider support what an application uses?

`python -m conformance gate --requires app.yaml --candidate cand/results.json
[--current cur/results.json]` reads the consumer's contract (the models, sizes,
formats, n, qualities and styles it uses, the clients it reads answers with,
and the severities it cannot live with) and results files, and prints a short
diff: what breaks, what gets better, what changes silently compared with the
current provider. Exit 0 when nothing breaks, 1 otherwise, 4 on bad input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.clients import with_major
from conformance.errors import ConfigError
from conformance.profile.problems import yaml_problem
from conformance.report import client_gating as gating
from conformance.report.gate_edits import EditNeeds, edit_breaks, parse_needs
from conformance.report.rows import Column, columns, in_view, load_results, operation_of
from conformance.resources import app_schema_path
from conformance.vocabulary import BAD, Severity, View

PARAMS = {
    "sizes": "size",
    "response_formats": "response_format",
    "n": "n",
    "qualities": "quality",
    "styles": "style",
    # The GPT image models' parameters, and streaming.
    "backgrounds": "background",
    "output_formats": "output_format",
    "output_compressions": "output_compression",
    "moderations": "moderation",
    "stream": "stream",
}


@dataclass(frozen=True)
class Uses:
    current_model: str | None
    values: dict[str, tuple[Any, ...]]
    # What the app's edits need of this model (None: it does not edit).
    edits: EditNeeds | None = None


@dataclass(frozen=True)
class AppRequirements:
    name: str
    view: View
    cannot_live_with: tuple[Severity, ...]
    models: dict[str, Uses]
    # The clients the app reads answers with (conformance.clients); () for any.
    clients: tuple[str, ...] = ()


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(app_schema_path().read_text()))


def load_app(path: Path) -> AppRequirements:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--requires {path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--requires {path}: {yaml_problem(exc)}") from None
    problems = sorted(_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if problems:
        err = problems[0]
        where = ".".join(str(p) for p in err.absolute_path) or "the top level"
        raise ConfigError(f"--requires {path}: {where}: {err.message}")
    return AppRequirements(
        name=raw["name"],
        view=raw.get("view", "drop-in"),
        cannot_live_with=tuple(raw.get("cannot_live_with", ["must"])),
        models={
            name: Uses(
                current_model=uses.get("current_model"),
                values={k: tuple(v) for k, v in uses.items() if k in PARAMS},
                edits=parse_needs(uses.get("edits")),
            )
            for name, uses in raw["models"].items()
        },
        # openai-node-6 is openai-node: a client may be named with its major.
        clients=tuple(dict.fromkeys(with_major(c) or c for c in raw.get("clients", []))),
    )


@dataclass
class GateReport:
    app: str
    candidate: str
    current: str | None
    breaks: list[str] = field(default_factory=list)
    better: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    # Failures the app's own clients read past (only when the app names them).
    coped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def text(self) -> str:
        against = f", compared with {self.current}" if self.current else ""
        verdict = "PASS" if self.ok else "FAIL"
        lines = [f"gate for {self.app}: candidate {self.candidate}{against} — {verdict}"]
        for title, mark, items in (
            ("breaks", "✗", self.breaks),
            ("gets better", "+", self.better),
            ("changes silently", "~", self.silent),
            ("the app's clients cope", "=", self.coped),
        ):
            if items or title == "breaks":
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {mark} {item}" for item in items] or ["  (nothing)"]
        return "\n".join(lines) + "\n"


def _probes(entries: list[dict[str, Any]], model: str) -> dict[str, list[dict[str, Any]]]:
    """The candidate's valid requests for a model: probe id -> its verdicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        probe = entry.get("probe") or {}
        if probe.get("operation", "generations") != "generations":
            continue  # an edit's size or n is no generation's
        if probe.get("kind") == "valid" and entry.get("model") == model:
            out.setdefault(str(probe["id"]), []).append(entry)
    return out


def _blocking(entries: list[dict[str, Any]], app: AppRequirements) -> list[dict[str, Any]]:
    return [e for e in entries if gating.breaks(e, app.cannot_live_with, app.clients)]


def _works(entries: list[dict[str, Any]], app: AppRequirements) -> bool:
    status = [e for e in entries if e["check"] == "generation.status"]
    return bool(status) and status[0]["outcome"] == "passed" and not _blocking(entries, app)


def _describe(entry: dict[str, Any]) -> str:
    return f"{entry['id']} ({entry['severity']}) {entry['outcome']}: {_short(entry['message'])}"


def _requirements(app: AppRequirements, data: dict[str, Any]) -> Iterator[str]:
    entries = [in_view(e, app.view) for e in data["checks"]]
    offered = data.get("target", {}).get("models", [])
    for model, uses in app.models.items():
        if model not in offered:
            yield f"{model}: not offered by the candidate (its run covered {', '.join(offered)})"
            continue
        probes = _probes(entries, model)
        for key, values in uses.values.items():
            param = PARAMS[key]
            for value in values:
                asked = {
                    pid: es
                    for pid, es in probes.items()
                    if es[0]["probe"]["params"].get(param) == value
                }
                if any(_works(es, app) for es in asked.values()):
                    continue
                label = f"{model}: {param} {value}"
                if not asked:
                    yield f"{label} was never requested: not among what the candidate documents"
                    continue
                es = next(iter(asked.values()))
                bad = _blocking(es, app) or [e for e in es if e["check"] == "generation.status"]
                yield f"{label} fails: {_describe(bad[0])}"
        if uses.edits is not None:
            yield from edit_breaks(
                model, uses.edits, entries, lambda es: _blocking(es, app), _describe
            )
        # Listed values only narrow what must have been generated: every failure the
        # app cannot live with counts, on valid requests (the defaults it relies on)
        # and on refusals alike. A vendor's printed docs examples are reported only;
        # edits count only for an app that declares them (judged just above).
        yield from _by_check(
            model,
            [
                e
                for e in _blocking([e for e in entries if e.get("model") == model], app)
                if (e.get("probe") or {}).get("kind") != "example" and operation_of(e) != "edits"
            ],
        )


def _by_check(model: str, blocking: list[dict[str, Any]]) -> Iterator[str]:
    """One line per failing check: its severity, how many verdicts, the first one."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in blocking:
        grouped.setdefault(entry["check"], []).append(entry)
    for check, failed in grouped.items():
        first = failed[0]
        kinds = sorted({str((e.get("probe") or {}).get("kind")) for e in failed})
        yield (
            f"{model}: {check} ({first['severity']}) {first['outcome']} on "
            f"{len(failed)} {'/'.join(kinds)} request(s), e.g. {first['id']}: "
            f"{_short(first['message'])}"
        )


def _coped(app: AppRequirements, data: dict[str, Any]) -> Iterator[str]:
    entries = [in_view(e, app.view) for e in data["checks"]]
    by_answer: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for entry in entries:
        by_answer.setdefault((entry.get("model"), str(entry["id"]).partition("[")[2]), []).append(
            entry
        )
    for entry in entries:
        same = by_answer[(entry.get("model"), str(entry["id"]).partition("[")[2])]
        if entry.get("model") in app.models and gating.coped(
            entry, app.cannot_live_with, app.clients, same
        ):
            check = entry["check"]
            yield (
                f"{entry['model']}: {check} ({entry['severity']}) {entry['outcome']}, but "
                f"{', '.join(app.clients)} read the same answers (their client.* checks passed)"
            )


def _status(entry: dict[str, Any]) -> int | None:
    response = (entry.get("evidence") or {}).get("response") or {}
    status = response.get("status")
    return status if isinstance(status, int) else None


def _column(cols: list[Column], model: str) -> Column | None:
    return next((c for c in cols if c.model == model), None)


def _compare(
    app: AppRequirements, cand: list[Column], cur: list[Column], report: GateReport
) -> None:
    for model, uses in app.models.items():
        new = _column(cand, model)
        old = _column(cur, uses.current_model or model)
        if new is None or old is None:
            continue
        told: set[str] = set()  # probes whose change of status is already reported
        for key in sorted(set(new.cells) & set(old.cells), key=_status_rows_first):
            if not gating.counts(key.split("[")[0], app.clients):
                continue
            before, after = old.cells[key], new.cells[key]
            severity = new.meta[key]["severity"]
            label = f"{model}: {key} ({severity})"
            if before.outcome in BAD and after.outcome == "passed":
                report.better.append(f"{label}: {before.outcome} → passed")
                continue
            if any(gating.breaks(e, app.cannot_live_with, app.clients) for e in after.entries):
                continue  # already among what breaks
            probe = key.partition("[")[2]
            was = _status(before.entries[0]) if probe and probe not in told else None
            now = _status(after.entries[0]) if probe and probe not in told else None
            moved = before.outcome == "passed" and after.outcome in BAD
            if moved or (was and now and was != now):
                change = f"{label}: {before.outcome} → {after.outcome}"
                if was and now and was != now:
                    change += f", answered {was} → {now}"
                    told.add(probe)
                if after.outcome in BAD:
                    change += f" — {_short(after.entries[0]['message'])}"
                report.silent.append(change)


def _status_rows_first(key: str) -> tuple[bool, str]:
    # A check about the refusal itself tells a change of status best.
    return (key.startswith("errors.envelope"), key)


def _short(message: str, limit: int = 120) -> str:
    message = message.removeprefix("known deviation: ")
    return message if len(message) <= limit else message[: limit - 1] + "…"


def gate(app: AppRequirements, candidate: Path, current: Path | None = None) -> GateReport:
    cand = load_results(candidate)
    report = GateReport(
        app=app.name,
        candidate=f"{cand['target'].get('profile')} ({candidate})",
        current=None,
    )
    report.breaks = list(dict.fromkeys(_requirements(app, cand)))
    report.coped = list(dict.fromkeys(_coped(app, cand)))
    if current is not None:
        cur = load_results(current)
        report.current = f"{cur['target'].get('profile')} ({current})"
        _compare(
            app,
            columns(candidate, cand, view=app.view),
            columns(current, cur, view=app.view),
            report,
        )
    return report
