"""The clients in the report and the matrix: which client breaks on which answer.

The run's report gets a table of client by app behaviour: each cell is the worst
outcome with its counts and links to its evidence below the table (each verdict's
message and, where it did not pass, the answer the client was fed). The matrix
gets one row per client and a column per provider/model, each cell linking to
that client's evidence on the column's page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from html import escape
from urllib.parse import quote

from conformance.clients import BEHAVIOURS, CLIENTS, client_of
from conformance.exchange import Exchange
from conformance.report.majors import column_disagreements, run_disagreements
from conformance.report.results import response_view
from conformance.report.rows import Column
from conformance.verdict import Verdict
from conformance.vocabulary import BAD, SYMBOL, WORST_FIRST, View, worst


def cells_of(cells: Mapping[tuple[str, str], list[Verdict]]) -> list[Verdict]:
    return [v for found in cells.values() for v in found]


def anchor(client: str, behaviour: str | None = None) -> str:
    return f"igc-client-{client}" + (f"-{behaviour}" if behaviour else "")


def _behaviour(check: str) -> str:
    return check.split("[")[0].rsplit(".", 1)[-1]


def _counts(outcomes: Iterable[str]) -> str:
    counts = Counter(outcomes)
    return ", ".join(f"{counts[o]} {o}" for o in WORST_FIRST if counts[o])


def _evidence(exchange: Exchange | None) -> str:
    if exchange is None or exchange.response is None:
        return ""
    text = json.dumps(response_view(exchange.response), indent=2, ensure_ascii=False)
    return f"<pre>{escape(text)}</pre>"


def clients_html(
    verdicts: Iterable[Verdict],
    exchanges: Mapping[str, Exchange],
    view: View,
    versions: Mapping[str, str],
) -> str:
    """The report's clients table and, below it, the evidence each cell links to."""
    cells: dict[tuple[str, str], list[Verdict]] = {}
    for v in verdicts:
        name = client_of(v.check.id)
        if name is not None:
            cells.setdefault((name, _behaviour(v.check.id)), []).append(v)
    if not cells:
        return ""
    head = "".join(f"<th>{escape(b)}</th>" for b in BEHAVIOURS)
    rows, details = [], []
    for name, client in CLIENTS.items():
        tds = []
        for behaviour in BEHAVIOURS:
            found = cells.get((name, behaviour), [])
            if not found:
                tds.append("<td>—</td>")
                continue
            outcomes = [v.result(view).outcome for v in found]
            outcome = worst(outcomes)
            css = {"passed": "igc-good", "known": "igc-known"}.get(outcome, "")
            css = "igc-bad" if outcome in BAD - {"known"} else css
            tds.append(
                f'<td class="{css}"><a href="#{anchor(name, behaviour)}">'
                f"{SYMBOL[outcome]} {escape(_counts(outcomes))}</a></td>"
            )
            items = []
            for v in sorted(found, key=lambda v: WORST_FIRST.index(v.result(view).outcome)):
                result = v.result(view)
                shown = _evidence(exchanges.get(v.probe.key)) if result.outcome != "passed" else ""
                items.append(
                    f"<li>{SYMBOL[result.outcome]} <b>{escape(result.outcome)}</b> "
                    f"<code>{escape(v.id)}</code> ({escape(v.model)}): "
                    f"{escape(result.message)}{shown}</li>"
                )
            bad = any(o in BAD for o in outcomes)
            details.append(
                f'<details id="{anchor(name, behaviour)}"{" open" if bad else ""}><summary>'
                f"{escape(name)} · {escape(behaviour)}: {escape(_counts(outcomes))}</summary>"
                f"<ul>{''.join(items)}</ul></details>"
            )
        version = versions.get(name, "not run")
        rows.append(
            f"<tr><td>{escape(client.title)}<br><small>{escape(version)} · "
            f"{client.severity}</small></td>{''.join(tds)}</tr>"
        )
    runtimes = [versions[k] for k in ("node", "node (node7)") if k in versions]
    node = f" ({escape(', '.join(runtimes))})" if runtimes else ""
    majors = "".join(
        f'<p class="igc-majors">{escape(line)}</p>'
        for line in run_disagreements(cells_of(cells), view)
    )
    return (
        "<h3>Clients: which client code breaks</h3><p>Each answer replayed into each client, "
        f"offline{node}; a cell links to its evidence below.</p>"
        f"<table><tr><th>client</th>{head}</tr>{''.join(rows)}</table>{majors}"
        f'<div class="igc-evidence">{"".join(details)}</div>'
    )


# -- the matrix --------------------------------------------------------------


def _column_outcome(col: Column, client: str) -> tuple[str | None, list[str]]:
    keys = [k for k in col.cells if client_of(k) == client]
    if not keys:
        return None, keys
    return worst([col.cells[k].outcome for k in keys]), keys


def matrix_section(columns: list[Column], stem: Callable[[Column], str]) -> str:
    """A row per client, a cell per provider/model column, linking to its evidence.

    ``stem`` names a column's evidence page (runs/<stem>.html).
    """
    if not any(client_of(k) for col in columns for k in col.cells):
        return ""
    body = []
    for name, client in CLIENTS.items():
        tds = []
        for col in columns:
            outcome, keys = _column_outcome(col, name)
            if outcome is None:
                tds.append(f'<td class="cell" data-column="{escape(col.id)}">—</td>')
                continue
            tip = "; ".join(f"{k}: {col.cells[k].outcome}" for k in sorted(keys))
            href = f"runs/{escape(quote(stem(col)))}.html#{anchor(name)}"
            tds.append(
                f'<td class="cell {outcome}" data-column="{escape(col.id)}" '
                f'title="{escape(tip)}"><a href="{href}">'
                f"{SYMBOL[outcome]} {outcome}</a></td>"
            )
        body.append(
            f'<tr class="client" data-client="{escape(name)}"><td>{escape(client.title)}</td>'
            f"<td>{client.severity}</td>{''.join(tds)}</tr>"
        )
    head = "".join(f"<th>{escape(c.provider)}<br>{escape(c.model)}</th>" for c in columns)
    return (
        "<h2>Clients</h2><p>Which client code breaks on each provider and model: every "
        "answer replayed into each client (worst outcome of its client.* rows).</p>"
        f'<table id="clients"><thead><tr><th>client</th><th>severity</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        + "".join(f'<p class="majors">{escape(line)}</p>' for line in column_disagreements(columns))
    )


def evidence_section(col: Column, link: Callable[[str], str]) -> str:
    """On a column's evidence page: each client's rows, under the anchor the matrix links to.

    ``link(key)`` is the page's own anchor for a row's section.
    """
    parts = []
    for name, client in CLIENTS.items():
        outcome, keys = _column_outcome(col, name)
        if outcome is None:
            continue
        items = "".join(
            f'<li><a href="#{link(k)}"><code>{escape(k)}</code></a>: '
            f'<span class="{col.cells[k].outcome}">{SYMBOL[col.cells[k].outcome]} '
            f"{col.cells[k].outcome}</span></li>"
            for k in sorted(keys)
        )
        parts.append(
            f'<section id="{anchor(name)}"><h2>{escape(client.title)}: '
            f'<span class="{outcome}">{SYMBOL[outcome]} {outcome}</span></h2><ul>{items}</ul>'
            "</section>"
        )
    return "".join(parts)


def markdown_section(columns: list[Column]) -> list[str]:
    """The clients table for matrix.md."""
    if not any(client_of(k) for col in columns for k in col.cells):
        return []
    lines = [
        "",
        "| client | severity | " + " | ".join(f"{c.provider} {c.model}" for c in columns) + " |",
        "| --- | --- | " + " | ".join("---" for _ in columns) + " |",
    ]
    for name, client in CLIENTS.items():
        cells = []
        for col in columns:
            outcome, _ = _column_outcome(col, name)
            cells.append(f"{SYMBOL[outcome]} {outcome}" if outcome else "—")
        lines.append(f"| {client.title} | {client.severity} | " + " | ".join(cells) + " |")
    majors = column_disagreements(columns)
    return lines + ([""] + [f"- {line}" for line in majors] if majors else [])
