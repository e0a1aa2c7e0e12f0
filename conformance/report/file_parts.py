"""The report's table of how each client labels an edit's file parts.

For a run that edits: each common call form of each pinned client, the image
and mask parts it put on the wire (name, filename, Content-Type, measured by
:mod:`conformance.clients.file_parts` against a loopback recorder) and what
OpenAI answers those parts, since OpenAI goes by the part's Content-Type and
refuses ``application/octet-stream`` whatever the vendor under test does. In
``results.json`` as ``client_file_parts``; in ``report.html`` as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from conformance.clients.file_parts import (
    ACCEPTED,
    ACCEPTED_TYPES,
    FilePartsTable,
    FormRow,
    WirePart,
    measure,
)
from conformance.verdict import Verdict


def edits_judged(verdicts: Iterable[Verdict]) -> bool:
    return any(v.probe.operation == "edits" for v in verdicts)


def results_entry(verdicts: Iterable[Verdict]) -> dict[str, Any] | None:
    """``results.json``'s ``client_file_parts``, for a run that judged an edit."""
    return measure().to_json() if edits_judged(verdicts) else None


def _part(part: WirePart) -> str:
    name = f"{part.name} (×{part.count})" if part.count > 1 else part.name
    if part.filename is None:
        return f"<code>{escape(name)}</code> → a text part"
    ctype = part.content_type or "no Content-Type"
    css = "" if part.content_type in ACCEPTED_TYPES else ' class="igc-bad"'
    return (
        f"<code>{escape(name)}</code> → <code>{escape(part.filename)}</code>, "
        f"<span{css}>{escape(ctype)}</span>"
    )


def _row(row: FormRow) -> str:
    shown = "<br>".join(_part(p) for p in row.files) or "no image part"
    if row.error:
        shown += f"<br><small>raised {escape(row.error)}</small>"
    answer = row.at_openai
    if answer is None:
        said, css = "nothing sent", ""
    elif answer == ACCEPTED:
        said, css = ACCEPTED, "igc-good"
    else:
        said, css = f"400 {answer}", "igc-bad"
    return (
        f"<tr><td>{escape(row.client)}<br><small>{escape(row.version)}</small></td>"
        f"<td><code>{escape(row.call)}</code></td><td>{shown}</td>"
        f'<td>{escape(row.transfer or "—")}</td><td class="{css}">{escape(said)}</td></tr>'
    )


def table_html(table: FilePartsTable) -> str:
    rows = "".join(_row(r) for r in table.rows)
    missing = "".join(
        f"<li>{escape(client)}: not run ({escape(why)})</li>" for client, why in table.not_run
    )
    return (
        "<h3>Clients: how each labels an edit's file parts</h3><p>Each call form run "
        "against a loopback recorder (nothing sent to the vendor); the parts as sent, and "
        "what OpenAI answers them (it goes by the part's Content-Type).</p>"
        "<table><tr><th>client</th><th>call</th><th>image and mask parts (name → filename, "
        f"Content-Type)</th><th>body</th><th>at OpenAI</th></tr>{rows}</table>"
        + (f"<ul>{missing}</ul>" if missing else "")
    )


def file_parts_html(verdicts: Iterable[Verdict]) -> str:
    """The section, for a run that judged an edit (else nothing)."""
    return table_html(measure()) if edits_judged(verdicts) else ""
