"""results.json, schema_version 1: the stable, documented output of a run.

Fields exactly as README "results.json" documents; nothing here ever holds a
secret (exchanges are redacted when recorded, and the writer redacts again).
Each exchange's evidence is written once, under ``exchanges``; a check that
passed points at it (``evidence: {"exchange": key}``), every other check (the
ones a person reads) carries its evidence in full. :func:`resolve_evidence`
puts the shared evidence back for readers that want it inline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.exchange import Exchange, RecordedResponse
from conformance.probes import Probe
from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.report.cost import billed_cost
from conformance.transport.curl import curl_command
from conformance.verdict import Verdict, ViewResult
from conformance.vocabulary import OUTCOMES, View

SCHEMA_VERSION = 1
_LONG = 240
# The GPT parameters a valid probe's entry carries (with defaults applied) for the gate.
GPT_PARAMS = ("quality", "background", "output_format", "output_compression", "moderation")


def suite_commit() -> str:
    """The git commit of this checkout, or "unknown" for an installed copy."""
    here = Path(__file__).resolve().parent
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        out = subprocess.run(
            [git, "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def elide(value: Any) -> Any:
    """Long strings (base64 images, long prompts) shortened for evidence."""
    if isinstance(value, str) and len(value) > _LONG:
        return f"{value[:80]}…({len(value)} chars)"
    if isinstance(value, list):
        return [elide(v) for v in value]
    if isinstance(value, dict):
        return {k: elide(v) for k, v in value.items()}
    return value


def body_view(body: bytes, limit: int = 4000) -> Any:
    """JSON when it parses (elided), else text cut at ``limit`` characters."""
    text = body.decode("utf-8", "replace")
    try:
        return elide(json.loads(text))
    except ValueError:
        return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def response_view(response: RecordedResponse | None) -> dict[str, Any] | None:
    if response is None:
        return None
    return {
        "status": response.status,
        "headers": dict(response.headers),
        "body": body_view(response.body),
    }


def evidence(exchange: Exchange | None, key_env: str, *, sent: bool = True) -> dict[str, Any]:
    """Request, response and a curl reproducer (none for what was never sent)."""
    if exchange is None:
        return {"request": None, "response": None, "curl": None}
    req = exchange.request
    request = {
        "method": req.method,
        "url": req.url,
        "headers": dict(req.headers),
        "body": body_view(req.body),
    }
    response = response_view(exchange.response)
    # Every try, with its status or error and the wait before the next one.
    attempts = [a.to_dict() for a in exchange.attempts]
    if response is not None:
        response["elapsed_s"] = round(exchange.elapsed_s, 3)
        response["attempts"] = attempts
    if exchange.error:
        request["error"] = exchange.error
    if response is None:
        request["attempts"] = attempts
    return {
        "request": request,
        "response": response,
        "curl": curl_command(req, key_env) if sent else None,
    }


def view_entry(result: ViewResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"outcome": result.outcome, "message": result.message}
    if result.deviation is not None:
        d = result.deviation
        entry["deviation"] = {"reason": d.reason, "severity": d.severity, "source": d.source}
    return entry


def probe_entry(probe: Probe, profile: Profile) -> dict[str, Any]:
    """What was asked, with documented defaults applied: what the gate reads."""
    entry: dict[str, Any] = {
        "id": probe.id,
        "kind": probe.kind,
        "origin": probe.origin,
        "operation": probe.operation,
    }
    if probe.assumed:
        # Its rule rests on a value the docs do not give (profile: assumed: true).
        entry["assumed"] = list(probe.assumed)
    if probe.kind in ("valid", "example"):
        body = dict(probe.body or {})
        model = profile.models.get(probe.model)
        params: dict[str, Any] = {
            "model": probe.model,
            "size": probe.expect.size,
            "n": probe.expect.n,
            "response_format": probe.expect.response_format,
        }
        quality = body.get("quality") or (model.default_quality if model else None)
        style = body.get("style") or (model.default_style if model else None)
        if quality:
            params["quality"] = quality
        if style:
            params["style"] = style
        gpt = model.gpt if model else None
        if gpt is not None:
            # What a GPT request meant, its defaults applied: the gate reads these.
            for name in GPT_PARAMS:
                if gpt.supported(name) and (value := gpt.effective(body, name)) is not None:
                    params[name] = value
            params["stream"] = body.get("stream") is True
        entry["params"] = params
    return entry


def build_results(
    *,
    verdicts: Iterable[Verdict],
    exchanges: dict[str, Exchange],
    view: View,
    profile: Profile,
    base_url: str | None,
    models: Iterable[str],
    started_at: str,
    duration_s: float,
    requests_total: int,
    billable: int,
    retries: int,
    budget: int,
    key_env: str,
    replayed_from: str | None = None,
    possibly_billed: int = 0,
) -> dict[str, Any]:
    verdicts = list(verdicts)
    summary = Counter({o: 0 for o in OUTCOMES})
    other_summary: dict[str, Counter[str]] = {}
    # The vendor's printed examples never fail a run, so they are counted apart
    # from the verdicts on its server (the summary the exit code agrees with).
    examples: dict[str, Counter[str]] = {}
    checks = []
    shared: dict[str, dict[str, Any]] = {}
    for v in verdicts:
        result = v.result(view)
        printed = v.probe.kind == "example"
        if not printed:
            summary[result.outcome] += 1
        for name, other in v.views.items():
            counts = examples if printed else other_summary
            counts.setdefault(name, Counter({o: 0 for o in OUTCOMES}))[other.outcome] += 1
        checks.append(
            {
                "id": v.id,
                # The check without the probe: what a reader groups verdicts by.
                "check": v.check.id,
                "title": v.title,
                "feature": v.check.feature,
                "severity": v.check.severity,
                "model": v.model,
                "outcome": result.outcome,
                "message": result.message,
                "evidence": _evidence_for(v, result.outcome, exchanges, key_env, shared),
                "views": {name: view_entry(r) for name, r in v.views.items()},
                "probe": probe_entry(v.probe, profile),
            }
        )
    target: dict[str, Any] = {
        "profile": profile.name,
        "base_url": base_url,
        "models": list(models),
        "profile_sha256": profile.sha256,
    }
    if replayed_from is not None:
        target["replayed_from"] = replayed_from
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": "imagegen-conformance", "version": __version__, "commit": suite_commit()},
        "target": target,
        "started_at": started_at,
        "duration_s": duration_s,
        "view": view,
        "summary": {o: summary[o] for o in OUTCOMES},
        "summaries": {name: {o: c[o] for o in OUTCOMES} for name, c in other_summary.items()},
        "docs_examples": {name: {o: c[o] for o in OUTCOMES} for name, c in examples.items()},
        "requests": {
            "total": requests_total,
            "billable": billable,
            "retries": retries,
            "budget": budget,
            "possibly_billed": possibly_billed,
            "cost_usd": _cost(profile, exchanges, {v.probe.key: v.probe for v in verdicts}),
        },
        "checks": checks,
        "exchanges": shared,
    }


def _cost(
    profile: Profile, exchanges: dict[str, Exchange], probes: dict[str, Probe]
) -> float | None:
    cost = billed_cost(profile, exchanges.values(), probes)
    return None if cost.images and cost.unpriced == cost.images else round(cost.usd, 4)


def _evidence_for(
    verdict: Verdict,
    outcome: str,
    exchanges: dict[str, Exchange],
    key_env: str,
    shared: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Full evidence for a check a person will read; a reference for a passed one."""
    key = verdict.probe.key
    exchange = exchanges.get(key)
    if outcome != "passed" or exchange is None:
        return evidence(exchange, key_env, sent=verdict.probe.sent)
    if key not in shared:
        shared[key] = evidence(exchange, key_env, sent=verdict.probe.sent)
    return {"exchange": key}


def resolve_evidence(data: dict[str, Any]) -> dict[str, Any]:
    """A results dict whose checks all carry their evidence inline (shared ones copied in)."""
    shared = data.get("exchanges") or {}
    for entry in data.get("checks", []):
        ref = (entry.get("evidence") or {}).get("exchange")
        if isinstance(ref, str) and ref in shared:
            entry["evidence"] = shared[ref]
    return data


def write_json(path: Path, data: Any, redactor: Redactor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    path.write_text(redactor.text(text) + "\n", encoding="utf-8")
