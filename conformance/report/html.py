"""What the suite adds to pytest-html's report, and the terminal summary.

At the top: the run (target, profile, view, budget spent) and a summary by
feature and severity; a gallery of the returned images with requested vs actual
size. Per test: the request and response evidence and a curl reproducer.
Everything is escaped; secrets were redacted when the exchanges were recorded.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

from PIL import Image

from conformance import __version__
from conformance.checks.base import Context
from conformance.checks.images import FoundImage, found_images
from conformance.clients.replay import versions as client_versions
from conformance.exchange import Exchange
from conformance.fuzz.probes import summary as fuzz_summary
from conformance.report.clients import clients_html
from conformance.report.cost import billed_cost
from conformance.report.file_parts import file_parts_html
from conformance.report.headline import (
    EXIT_NOTHING_JUDGED,
    CheckFailures,
    Headline,
    by_check,
    errors,
    headline,
)
from conformance.report.results import evidence
from conformance.session import SuiteSession
from conformance.transport.breaker import is_not_sent
from conformance.verdict import Verdict
from conformance.vocabulary import OUTCOMES, SEVERITIES, VIEWS, View

_STYLE = """
<style>
.igc-summary table{border-collapse:collapse;margin:.5em 0 1em}
.igc-summary th,.igc-summary td{border:1px solid #ccc;padding:3px 8px;text-align:right}
.igc-summary th:first-child,.igc-summary td:first-child{text-align:left}
.igc-bad{background:#fbe3e4;font-weight:bold}.igc-good{background:#e6f4e6}
.igc-known{background:#fff5d6}
.igc-gallery{display:flex;flex-wrap:wrap;gap:10px}
.igc-gallery figure{margin:0;border:1px solid #ccc;padding:4px;font-size:11px;max-width:180px}
.igc-gallery figcaption{word-break:break-all}
.igc-mismatch{color:#b00;font-weight:bold}
.igc-verdict{font-size:20px;padding:6px 10px;margin:.3em 0}
.igc-verdict-bad{background:#fbe3e4;color:#8a1f11}.igc-verdict-good{background:#e6f4e6;color:#1e5e1e}
.igc-failures td,.igc-failures th{text-align:left!important;vertical-align:top}
.igc-failures td:nth-child(4){text-align:right!important}
/* The verdict first: pytest-html's summary (with ours) above its environment table,
   one heading for it (ours), and room for the tables. */
body{display:flex;flex-direction:column}
#title{order:-3}.summary{order:-2}
.summary__data{flex:1 1 auto}.summary__data>h2{display:none}.summary__spacer{display:none}
.igc-evidence pre{white-space:pre-wrap;word-break:break-all;max-height:24em;overflow:auto;
 background:#f6f6f6;padding:6px}
</style>
"""


def provenance(session: SuiteSession) -> dict[str, str]:
    cfg = session.config
    if cfg.replay_dir is not None:
        target = f"replay of {cfg.replay_dir} (nothing sent)"
    elif cfg.uses_reference_server:
        target = f"the embedded reference server emulating {cfg.profile.name}, on loopback"
    else:
        target = f"{cfg.base_url} (vendor endpoint)"
    return {
        "Suite": f"imagegen-conformance {__version__}",
        "Profile": f"{cfg.profile.name} ({cfg.profile.path.name}, sha256 "
        f"{cfg.profile.sha256[:12]})",
        "Target": target,
        "Models": ", ".join(cfg.models),
        "View": cfg.view,
        "Budget": f"{cfg.budget} billable images",
    }


def _counts(verdicts: list[Verdict], view: View) -> dict[tuple[str, str], Counter[str]]:
    table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for v in verdicts:
        # Verdicts on edits are their own group, whatever check gave them.
        feature = "edits" if v.probe.operation == "edits" else v.check.feature
        table[(feature, v.check.severity)][v.result(view).outcome] += 1
    return table


def _cell(outcome: str, count: int) -> str:
    css = ""
    if count and outcome in ("failed", "error", "fixed"):
        css = ' class="igc-bad"'
    elif count and outcome == "known":
        css = ' class="igc-known"'
    elif count and outcome == "passed":
        css = ' class="igc-good"'
    return f"<td{css}>{count or ''}</td>"


def _thumbnail(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.thumbnail((160, 160))
            out = io.BytesIO()
            # Keep an alpha channel, so a transparent image shows as one.
            alpha = "A" in img.getbands() or "transparency" in img.info
            img.convert("RGBA" if alpha else "RGB").save(out, format="PNG")
    except Exception:  # an undecodable image simply gets no thumbnail
        return None
    return base64.b64encode(out.getvalue()).decode()


def _figure(image: FoundImage, requested: str | None) -> str:
    actual = image.decoded.size if image.decoded else "not decodable"
    thumb = _thumbnail(image.data) if image.decoded else None
    # auto: the server picks the size (gpt-image.dimensions judges which).
    mismatch = image.decoded is None or requested not in ("auto", image.decoded.size)
    css = ' class="igc-mismatch"' if mismatch else ""
    img = (
        f'<img src="data:image/png;base64,{thumb}" alt="image {image.index}">'
        if thumb
        else f"<div>{escape(image.problem or 'no preview')}</div>"
    )
    return (
        f"<figure>{img}<figcaption>data[{image.index}] via {image.source}<br>"
        f"requested {escape(requested or '?')} · <span{css}>got {escape(actual)}</span>"
        "</figcaption></figure>"
    )


def gallery_html(session: SuiteSession) -> str:
    figures = []
    rules = session.rules["docs"]
    for probe in session.plan.billable:
        exchange = session.exchanges.get(probe.key)
        if exchange is None or exchange.response is None:
            continue
        ctx = Context(probe=probe, exchange=exchange, profile=rules, view="docs")
        for image in found_images(ctx):
            figures.append(
                f"<div><b>{escape(probe.model)}</b> {escape(probe.id)}"
                f"{_figure(image, probe.expect.size)}</div>"
            )
    if not figures:
        return "<p>No images were returned.</p>"
    return f'<div class="igc-gallery">{"".join(figures)}</div>'


def views_html(verdicts: list[Verdict], view: View) -> str:
    rows = []
    for name in VIEWS:
        counts = Counter(v.result(name).outcome for v in verdicts if name in v.views)
        label = {"docs": "vendor docs", "drop-in": "OpenAI drop-in"}[name]
        mark = " (sets the exit code)" if name == view else ""
        cells = "".join(_cell(o, counts[o]) for o in OUTCOMES)
        rows.append(f"<tr><td>{label}{mark}</td>{cells}</tr>")
    head = "".join(f"<th>{o}</th>" for o in OUTCOMES)
    return f"<h3>Both views</h3><table><tr><th>view</th>{head}</tr>{''.join(rows)}</table>"


def deviations_html(session: SuiteSession) -> str:
    profile = session.config.profile
    if not profile.deviations:
        return ""
    rows = []
    for dev in profile.deviations:
        views = VIEWS if dev.view == "both" else (dev.view,)
        status = Counter(
            v.result(name).outcome
            for v in session.verdicts.values()
            for name in views
            if v.result(name).deviation == dev
        )
        state = ", ".join(f"{n} {o}" for o, n in sorted(status.items())) or "not exercised"
        rows.append(
            f"<tr><td>{escape(dev.check)}</td><td>{escape(dev.model or 'all')}</td>"
            f"<td>{escape(dev.severity or '')}</td><td>{escape(dev.reason)}</td>"
            f"<td>{escape(dev.source or '')}</td><td>{escape(state)}</td></tr>"
        )
    return (
        "<h3>Documented differences from OpenAI (known deviations)</h3><table><tr><th>check"
        "</th><th>model</th><th>severity</th><th>reason</th><th>source</th><th>this run</th>"
        f"</tr>{''.join(rows)}</table>"
    )


def facts_html(session: SuiteSession, view: View) -> str:
    profile = session.config.profile
    parts = []
    if profile.facts:
        items = "".join(
            f"<li>{escape(f.fact)} <i>({escape(f.source)})</i>"
            + (f" — {escape(f.resolution)}" if f.resolution else "")
            + "</li>"
            for f in profile.facts
        )
        parts.append(f"<h3>Where the docs contradict themselves or OpenAI</h3><ul>{items}</ul>")
    findings = [
        v
        for v in session.verdicts.values()
        if v.probe.kind == "example" and v.result(view).outcome in ("failed", "known")
    ]
    if findings:
        items = "".join(
            f"<li><b>{escape(v.id)}</b> ({escape(v.probe.source or '')}): "
            f"{escape(v.result(view).message)}</li>"
            for v in findings
        )
        parts.append(
            "<h3>What the vendor's own examples get wrong</h3><p>Judged by the same checks, "
            f"without a server; reported only, never counted against the run.</p><ul>{items}</ul>"
        )
    return "".join(parts)


def _failures_table(failures: list[CheckFailures]) -> str:
    rows = "".join(
        f"<tr><td>{escape(f.check)}</td><td>{f.severity}</td><td>{escape(f.outcome)}</td>"
        f"<td>{f.count}</td><td>{escape(f.first)}</td></tr>"
        for f in failures
    )
    return (
        '<table class="igc-failures"><tr><th>check</th><th>severity</th><th>outcome</th>'
        f"<th>count</th><th>first failing verdict</th></tr>{rows}</table>"
    )


def headline_html(session: SuiteSession, view: View) -> str:
    """The first screen: the verdict, the view that set the exit code, and the
    failures at or above --fail-on by check."""
    head = run_headline(session, view)
    cfg = session.config
    good = head.conformant
    title = (
        "conformant"
        if good
        else "interrupted: no verdict"
        if head.interrupted
        else "nothing judged"
        if head.exit_code == EXIT_NOTHING_JUDGED
        else "not conformant"
    )
    css = "igc-verdict-good" if good else "igc-verdict-bad"
    parts = [
        f'<h2 class="igc-verdict {css}">Verdict: {escape(title)}</h2>',
        f"<p><b>{escape(head.verdict())}</b></p>",
    ]
    if head.failures:
        parts.append(
            f"<h3>Failures at {escape(cfg.fail_on)} or above, by check (they set the exit "
            "code)</h3>" + _failures_table(head.failures)
        )
    erred = errors(session.verdicts.values(), view)
    if erred:
        rows = "".join(f"<tr><td>{n}</td><td>{escape(m)}</td></tr>" for m, n in erred[:10])
        parts.append(
            "<h3>Errors of the run (no answer to judge; never charged to the vendor)</h3>"
            f'<table class="igc-failures"><tr><th>verdicts</th><th>why</th></tr>{rows}</table>'
        )
    below = [f for f in by_check(session.verdicts.values(), view) if f not in head.failures]
    if below:
        parts.append(
            f"<h3>Failures below {escape(cfg.fail_on)} (reported; they do not fail the run)</h3>"
            + _failures_table(below)
        )
    return "".join(parts)


def run_html(session: SuiteSession, view: View) -> str:
    cfg = session.config
    cost = billed_cost(cfg.profile, session.exchanges.values())
    possibly = (
        f" · <b>possibly billed</b> {session.counters.uncertain} image(s) for requests that "
        "got no answer"
        if session.counters.uncertain
        else ""
    )
    stopped = f"<p><b>Stopped sending</b>: {escape(session.stopped)}</p>" if session.stopped else ""
    return (
        f"<h3>The run</h3><p><b>Profile</b> {escape(cfg.profile.title)} · <b>target</b> "
        f"{escape(session.base_url or '')}"
        f"{' (embedded reference server)' if cfg.uses_reference_server else ''} · "
        f"<b>view</b> {escape(view)} · <b>fail on</b> {escape(cfg.fail_on)} and above</p>"
        f"<p><b>Requests</b> {session.counters.total} · <b>billable images</b> "
        f"{session.counters.billed} of a budget of {cfg.budget} "
        f"({escape(cost.text())}){possibly} · <b>retries</b> {session.counters.retries}</p>"
        f"{stopped}"
    )


def summary_html(session: SuiteSession, view: View) -> str:
    """The headline (pytest-html's summary block, moved to the top of the page)."""
    return f'{_STYLE}<div class="igc-summary igc-head">{headline_html(session, view)}</div>'


def details_html(session: SuiteSession, view: View) -> str:
    """Below the headline: the run, the tables, the docs findings, then the gallery."""
    verdicts = list(session.verdicts.values())
    cfg = session.config
    rows = []
    table = _counts(verdicts, view)
    for feature, severity in sorted(table, key=lambda k: (k[0], SEVERITIES.index(k[1]))):
        counts = table[(feature, severity)]
        cells = "".join(_cell(o, counts[o]) for o in OUTCOMES)
        rows.append(f"<tr><td>{escape(feature)}</td><td>{severity}</td>{cells}</tr>")
    total = Counter(v.result(view).outcome for v in verdicts)
    head = "".join(f"<th>{o}</th>" for o in OUTCOMES)
    totals = "".join(_cell(o, total[o]) for o in OUTCOMES)
    faults = ""
    if cfg.faults:
        faults = f"<p><b>Reference server faults</b>: {escape(', '.join(cfg.faults))}</p>"
    return (
        f'<div class="igc-summary">{run_html(session, view)}{faults}'
        f"<h3>By feature and severity</h3>"
        f"<table><tr><th>feature</th><th>severity</th>{head}</tr>{''.join(rows)}"
        f"<tr><td><b>all</b></td><td></td>{totals}</tr></table>"
        f"{views_html(verdicts, view)}"
        f"{clients_html(verdicts, session.exchanges, view, client_versions())}"
        f"{file_parts_html(verdicts)}"
        f"{deviations_html(session)}{facts_html(session, view)}"
        f"<h3>Returned images</h3>{gallery_html(session)}</div>"
    )


def _pre(title: str, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return f"<h4>{escape(title)}</h4><pre>{escape(text)}</pre>"


def extras_for(
    session: SuiteSession, verdict: Verdict, exchange: Exchange | None
) -> list[dict[str, Any]]:
    from pytest_html import extras

    result = verdict.result(session.config.view)
    other = [
        f"{view}: {r.outcome}" for view, r in verdict.views.items() if view != session.config.view
    ]
    if passed_everywhere(verdict):
        # Passed rows stay cheap: no extras (the message goes in the row's log,
        # see passed_log); the evidence is in results.json.
        return []
    ev = evidence(exchange, session.config.api_key_env, sent=verdict.probe.sent)
    parts = [
        f"<p><b>{escape(verdict.check.id)}</b> ({verdict.check.severity}, "
        f"{escape(verdict.check.feature)}): {escape(result.outcome)} — "
        f"{escape(result.message)}</p>"
    ]
    if result.outcome != "passed" and verdict.check.doc:
        # The check's own docstring: why the rule matters, for whoever reads a failure.
        parts.append(f"<p>Why: {escape(' '.join(verdict.check.doc.split()))}</p>")
    if other:
        parts.append(f"<p>Other view — {escape('; '.join(other))}</p>")
    if ev["curl"]:
        parts.append(_pre("Reproduce", ev["curl"]))
    # Full evidence where a person will read it; results.json keeps it for every exchange.
    if result.outcome != "passed":
        if ev["request"]:
            parts.append(_pre("Request", ev["request"]))
        if ev["response"]:
            parts.append(_pre("Response", ev["response"]))
    elif ev["response"]:
        parts.append(
            f"<p>Answered {escape(str(ev['response'].get('status')))}; the full "
            "exchange is in results.json.</p>"
        )
    if (
        verdict.check.id in ("images.dimensions", "gpt-image.dimensions")
        and exchange is not None
        and exchange.response is not None
    ):
        ctx = Context(
            probe=verdict.probe, exchange=exchange, profile=session.rules["docs"], view="docs"
        )
        figures = "".join(_figure(img, verdict.probe.expect.size) for img in found_images(ctx))
        if figures:
            parts.append(f'<h4>Images</h4><div class="igc-gallery">{figures}</div>')
    html = session.redactor.text(f'<div class="igc-evidence">{"".join(parts)}</div>')
    return [extras.html(html)]


def passed_everywhere(verdict: Verdict) -> bool:
    return all(r.outcome == "passed" for r in verdict.views.values())


def passed_log(session: SuiteSession, verdict: Verdict) -> str:
    """What a passed row shows when opened: its verdict message, in one line."""
    message = verdict.result(session.config.view).message
    return escape(session.redactor.text(f"{verdict.check.id}: passed — {message}"))


MAX_CHECK_LINES = 25


def run_headline(session: SuiteSession, view: View) -> Headline:
    return headline(
        session.verdicts.values(),
        view,
        session.config.fail_on,
        interrupted=session.interrupted,
        stopped=session.stopped,
    )


def terminal_lines(
    session: SuiteSession,
    view: View,
    *,
    written_to: Path | None = None,
    recorded: Path | None = None,
) -> list[str]:
    """The run's last words in the terminal; ``written_to``: where its report files
    stayed (an interrupted run's go beside a complete earlier run's)."""
    cfg = session.config
    verdicts = list(session.verdicts.values())
    # A docs example's failure is a finding about the vendor's docs: counted apart.
    finding = [v.probe.kind == "example" and v.result(view).outcome == "failed" for v in verdicts]
    total = Counter(v.result(view).outcome for v, f in zip(verdicts, finding, strict=True) if not f)
    counts = ", ".join(f"{total[o]} {o}" for o in OUTCOMES if total[o])
    if any(finding):
        counts += f"; {sum(finding)} docs-example finding(s)"
    where = session.base_url or "(not started)"
    if cfg.replay_dir is not None:
        where += f" (replayed from {cfg.replay_dir}: nothing sent now)"
    if cfg.uses_reference_server:
        where += " (embedded reference server"
        where += f", faults: {', '.join(cfg.faults)})" if cfg.faults else ")"
    head = run_headline(session, view)
    lines = [
        f"imagegen-conformance {__version__}: profile {cfg.profile.name}, view {view}, "
        f"target {where}",
        f"  verdict: {head.verdict()}",
        f"  verdicts: {counts or 'none'}",
        f"  {'recorded run: ' if cfg.replay_dir else ''}requests: {session.counters.total}, "
        f"billable images: {session.counters.billed} (budget {cfg.budget}), "
        f"retries: {session.counters.retries}"
        + ("; this replay sent none" if cfg.replay_dir else ""),
    ]
    replayed = session.replayed
    if replayed is not None and replayed.profile_sha256 != cfg.profile.sha256:
        lines.append(
            f"  note: profile {cfg.profile.name} changed since the recording (sha256 "
            f"{replayed.profile_sha256[:12]} then, {cfg.profile.sha256[:12]} now): the recorded "
            "answers are judged by today's rules"
        )
    if session.stopped:
        not_sent = sum(1 for e in session.exchanges.values() if is_not_sent(e.error))
        lines.append(f"  stopped: {session.stopped}; {not_sent} probe(s) not sent, nothing retried")
    if session.counters.billed:
        lines.append(f"  cost: {billed_cost(cfg.profile, session.exchanges.values()).text()}")
    if session.counters.uncertain:
        lines.append(
            f"  possibly billed: {session.counters.uncertain} image(s) for requests that got no "
            "answer (charged to the budget)"
        )
    if session.server_stats is not None:
        lines.append(
            f"  reference server counted {session.server_stats.get('generations')} "
            f"generated image(s) in {session.server_stats.get('requests')} request(s)"
        )
    examples = [
        v for v in verdicts if v.probe.kind == "example" and v.result(view).outcome == "failed"
    ]
    if examples:
        lines.append(
            f"  docs-example findings ({len(examples)}; the vendor's printed examples, reported "
            "only: they never fail the run):"
        )
        lines += [f"    {v.id} ({v.check.severity}): {v.result(view).message}" for v in examples]
    if session.plan.fuzz is not None:
        lines.append(f"  fuzz: {fuzz_summary(session.plan.fuzz, session.plan.probes)}")
    failing = by_check(verdicts, view)
    if failing:
        lines.append(f"  failures by check ({len(failing)} check(s)):")
        lines += [f"    {f.line()}" for f in failing[:MAX_CHECK_LINES]]
        if len(failing) > MAX_CHECK_LINES:
            lines.append(f"    … and {len(failing) - MAX_CHECK_LINES} more check(s) in the report")
    erred = errors(verdicts, view)
    for message, n in erred[:5]:
        lines.append(f"  error ({n} check(s)): {message}")
    if cfg.record_dir is not None and cfg.replay_dir is None:
        lines.append(f"  recorded: {recorded or cfg.record_dir / 'recording.json'}")
    out = written_to or cfg.report_dir
    if session.interrupted and out != cfg.report_dir:
        lines.append(
            f"  interrupted: the complete earlier run in {cfg.report_dir} is kept; "
            f"this run's files are in {out}"
        )
    lines.append(
        f"  report: {out / 'report.html'}, results: "
        f"{out / 'results.json'}, junit: {out / 'junit.xml'}"
    )
    return lines
