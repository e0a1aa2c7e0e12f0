"""The compatibility matrix: results files combined into static pages.

`python -m conformance matrix results/*.json` writes, under reports/matrix/:
index.html (rows: checks grouped by feature and severity, worst first; columns:
provider and model, with provenance; each cell links to that run's evidence;
filters; works opened from disk), matrix.md, badges/<provider>--<model>.svg and
runs/<provider>--<model>.html (the evidence each cell links to). A provider or
model whose name is not a plain file name (``black-forest-labs/FLUX.1-schnell``)
gets a safe one with a short hash of the real name, so no two columns share a file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conformance import __version__
from conformance.errors import ConfigError
from conformance.report.rows import Column, columns
from conformance.vocabulary import BAD, SEVERITIES, SYMBOL, WORST_FIRST, worst

BADGE_LABEL = "openai-images compat"


@dataclass(frozen=True)
class Row:
    key: str
    feature: str
    severity: str
    title: str


@dataclass(frozen=True)
class Matrix:
    columns: list[Column]
    rows: list[Row]
    # Column id -> the stem of its badge and evidence page file names.
    stems: dict[str, str] = field(default_factory=dict)

    def stem(self, col: Column) -> str:
        return self.stems.get(col.id) or file_stems([col.id])[col.id]

    def cell_outcome(self, row: Row, column: Column) -> str | None:
        cell = column.cells.get(row.key)
        return cell.outcome if cell is not None else None


def anchor(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-")


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_STEM_MAX = 100


def file_stems(ids: Sequence[str]) -> dict[str, str]:
    """A file name stem for each column id, safe on any file system, none shared.

    Model ids are often namespaced (``org/model``) and a provider name is whatever
    a profile says, so a separator, a leading dot or an odd character becomes
    ``_`` and the stem gains a hash of the real id; names that differ only in
    case get one too, for file systems that ignore case.
    """
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for col_id in ids:
        stem = _UNSAFE.sub("_", col_id).lstrip(".")[:_STEM_MAX] or "_"
        if stem != col_id or stem.lower() in taken:
            digest = hashlib.sha256(col_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            stem = f"{stem}-{digest}"
        taken.add(stem.lower())
        stems[col_id] = stem
    return stems


def build(paths: Sequence[Path]) -> Matrix:
    if not paths:
        raise ConfigError("matrix: give one or more results.json files")
    cols = [col for path in paths for col in columns(path)]
    if not cols:
        raise ConfigError("matrix: the results files hold no checks")
    seen: dict[str, int] = {}
    for col in cols:
        base = col.id
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            col.suffix = f"-{seen[base]}"
    meta: dict[str, dict[str, str]] = {}
    for col in cols:
        meta.update({k: v for k, v in col.meta.items() if k not in meta})

    def row_worst(key: str) -> int:
        outcomes = [c.cells[key].outcome for c in cols if key in c.cells]
        return WORST_FIRST.index(worst(outcomes)) if outcomes else len(WORST_FIRST)

    groups: dict[tuple[str, str], list[str]] = {}
    for key, info in meta.items():
        groups.setdefault((info["feature"], info["severity"]), []).append(key)
    ordered = sorted(
        groups,
        key=lambda g: (min(row_worst(k) for k in groups[g]), g[0], SEVERITIES.index(g[1])),
    )
    rows = [
        Row(key, *group, meta[key]["title"])
        for group in ordered
        for key in sorted(groups[group], key=lambda k: (row_worst(k), k))
    ]
    return Matrix(cols, rows, file_stems([c.id for c in cols]))


# -- HTML ------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px}
thead th{position:sticky;top:0;background:#f4f4f4;vertical-align:bottom}
tr.group th{background:#e9eef6;text-align:left}
td.cell{text-align:center;white-space:nowrap}
td.cell a{color:inherit;text-decoration:none;display:block}
.passed{background:#e6f4e6}.failed,.error,.fixed{background:#fbe3e4;font-weight:bold}
.known{background:#fff5d6}.skipped{background:#f4f4f4;color:#888}
.score{font-weight:normal;font-size:12px}
#filters{margin:1em 0}#filters label{margin-right:1.5em}
"""

_SCRIPT = """
function applyFilters() {
  var onlyBad = document.getElementById('only-bad').checked;
  var feature = document.getElementById('feature').value;
  document.querySelectorAll('tr.row').forEach(function (row) {
    var show = (!onlyBad || row.dataset.bad === '1') &&
      (!feature || row.dataset.feature === feature);
    row.hidden = !show;
  });
  document.querySelectorAll('tr.group').forEach(function (group) {
    var rows = document.querySelectorAll('tr.row[data-group="' + group.dataset.group + '"]');
    group.hidden = Array.prototype.every.call(rows, function (r) { return r.hidden; });
  });
  var shown = document.querySelectorAll('tr.row:not([hidden])').length;
  document.getElementById('shown').textContent = shown;
}
document.getElementById('only-bad').addEventListener('change', applyFilters);
document.getElementById('feature').addEventListener('change', applyFilters);
applyFilters();
"""


def _column_head(col: Column) -> str:
    passed, judged = col.score
    tip = "\n".join(f"{k}: {v}" for k, v in col.provenance().items())
    return (
        f'<th class="col" data-column="{escape(col.id)}" title="{escape(tip)}">'
        f"{escape(col.provider)}<br>{escape(col.model)}<br>"
        f'<span class="score">{passed}/{judged}</span></th>'
    )


def _cell(row: Row, col: Column, stem: str) -> str:
    cell = col.cells.get(row.key)
    if cell is None:
        return f'<td class="cell" data-column="{escape(col.id)}" data-outcome="">—</td>'
    outcome = cell.outcome
    counts = ", ".join(f"{n} {o}" for o, n in sorted(cell.counts.items()))
    href = f"runs/{escape(quote(stem))}.html#{anchor(row.key)}"
    return (
        f'<td class="cell {outcome}" data-column="{escape(col.id)}" data-outcome="{outcome}" '
        f'title="{escape(counts)}"><a href="{href}">{SYMBOL[outcome]} {outcome}</a></td>'
    )


def index_html(matrix: Matrix) -> str:
    cols = matrix.columns
    head = "".join(_column_head(c) for c in cols)
    features = sorted({r.feature for r in matrix.rows})
    options = "".join(f'<option value="{escape(f)}">{escape(f)}</option>' for f in features)
    body = []
    group = None
    for row in matrix.rows:
        gid = f"{row.feature}-{row.severity}"
        if gid != group:
            group = gid
            body.append(
                f'<tr class="group" data-group="{gid}"><th colspan="{len(cols) + 2}">'
                f"{escape(row.feature)} · {row.severity}</th></tr>"
            )
        outcomes = [matrix.cell_outcome(row, c) for c in cols]
        bad = "1" if any(o in BAD for o in outcomes if o) else "0"
        cells = "".join(_cell(row, c, matrix.stem(c)) for c in cols)
        body.append(
            f'<tr class="row" data-row="{escape(row.key)}" data-feature="{escape(row.feature)}" '
            f'data-group="{gid}" data-bad="{bad}"><td title="{escape(row.title)}">'
            f"<code>{escape(row.key)}</code></td><td>{row.severity}</td>{cells}</tr>"
        )
    prov_keys = list(cols[0].provenance())
    prov_rows = "".join(
        f"<tr><th>{escape(k)}</th>"
        + "".join(f"<td>{escape(c.provenance()[k])}</td>" for c in cols)
        + "</tr>"
        for k in prov_keys
    )
    prov_head = "".join(f"<th>{escape(c.provider)} {escape(c.model)}</th>" for c in cols)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    from conformance.report.clients import matrix_section

    clients = matrix_section(cols, matrix.stem)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>OpenAI Images compatibility matrix</title><style>{_STYLE}</style></head>
<body>
<h1>OpenAI Images compatibility matrix</h1>
<p>{len(cols)} provider/model column(s) from {len({c.source for c in cols})} results file(s),
combined by imagegen-conformance {__version__} at {generated}. Each cell links to the
evidence of that run; the score under each column is rows passed / rows judged.</p>
{clients}
<h2>Checks</h2>
<div id="filters">
<label><input type="checkbox" id="only-bad"> only rows with a failure, error, fixed or known
deviation</label>
<label>feature <select id="feature"><option value="">all</option>{options}</select></label>
<span><span id="shown">{len(matrix.rows)}</span> of {len(matrix.rows)} rows shown</span>
</div>
<table id="matrix"><thead><tr><th>check</th><th>severity</th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<h2>Provenance</h2>
<table id="provenance"><thead><tr><th></th>{prov_head}</tr></thead><tbody>{prov_rows}
</tbody></table>
<script>{_SCRIPT}</script>
</body></html>
"""


def _pre(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return f"<pre>{escape(text)}</pre>"


def evidence_html(matrix: Matrix, col: Column) -> str:
    parts = []
    for row in matrix.rows:
        cell = col.cells.get(row.key)
        if cell is None:
            continue
        entries = []
        for e in cell.entries:
            ev = e.get("evidence") or {}
            entries.append(
                f"<details{' open' if e['outcome'] in BAD else ''}><summary>"
                f'<span class="{e["outcome"]}">{SYMBOL[e["outcome"]]} {e["outcome"]}</span> '
                f"<code>{escape(e['id'])}</code> — {escape(e['message'])}</summary>"
                + (f"<h4>Reproduce</h4>{_pre(ev['curl'])}" if ev.get("curl") else "")
                + (f"<h4>Request</h4>{_pre(ev['request'])}" if ev.get("request") else "")
                + (f"<h4>Response</h4>{_pre(ev['response'])}" if ev.get("response") else "")
                + "</details>"
            )
        parts.append(
            f'<section id="{anchor(row.key)}"><h3><code>{escape(row.key)}</code> '
            f"({row.severity}): {escape(row.title)}</h3>{''.join(entries)}</section>"
        )
    prov = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in col.provenance().items()
    )
    from conformance.report.clients import evidence_section

    clients = evidence_section(col, anchor)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(col.provider)} {escape(col.model)}: evidence</title>
<style>{_STYLE} pre{{white-space:pre-wrap;background:#f6f6f6;padding:6px}}</style></head>
<body><p><a href="../index.html">← matrix</a></p>
<h1>{escape(col.provider)} · {escape(col.model)}</h1>
<table>{prov}</table>{clients}{"".join(parts)}
</body></html>
"""


# -- Markdown and badges ---------------------------------------------------


def markdown(matrix: Matrix) -> str:
    cols = matrix.columns
    lines = [
        "# OpenAI Images compatibility matrix",
        "",
        "| provider | model | compat | failed | known | error | view | profile | suite | date "
        "| budget spent |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for col in cols:
        passed, judged = col.score
        outcomes = [col.cells[k].outcome for k in col.cells]
        p = col.provenance()
        lines.append(
            f"| {col.provider} | {col.model} | {passed}/{judged} | {outcomes.count('failed')} "
            f"| {outcomes.count('known')} | {outcomes.count('error')} | {p['view']} "
            f"| {p['profile']} | {p['suite']} | {p['date']} | {p['budget spent']} |"
        )
    lines += [
        "",
        "| check | severity | " + " | ".join(f"{c.provider} {c.model}" for c in cols) + " |",
        "| --- | --- | " + " | ".join("---" for _ in cols) + " |",
    ]
    for row in matrix.rows:
        cells = []
        for col in cols:
            outcome = matrix.cell_outcome(row, col)
            cells.append(f"{SYMBOL[outcome]} {outcome}" if outcome else "—")
        lines.append(f"| `{row.key}` | {row.severity} | " + " | ".join(cells) + " |")
    from conformance.report.clients import markdown_section

    lines += markdown_section(cols)
    return "\n".join(lines) + "\n"


def _text_width(text: str) -> int:
    # Verdana 11px averages about 6.5 px a character, as shields.io's badges assume.
    return int(len(text) * 6.5) + 10


def badge_svg(col: Column) -> str:
    passed, judged = col.score
    message = f"{passed}/{judged}"
    ratio = passed / judged if judged else 0.0
    color = "#4c1" if ratio == 1 else "#dfb317" if ratio >= 0.9 else "#e05d44"
    left, right = _text_width(BADGE_LABEL), _text_width(message)
    width = left + right
    title = f"{BADGE_LABEL}: {message} ({col.provider} {col.model})"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,sans-serif" '
        'font-size="11">'
        f'<text x="{left / 2}" y="14">{escape(BADGE_LABEL)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(message)}</text></g></svg>\n'
    )


def write(matrix: Matrix, out: Path) -> list[Path]:
    """Write the pages; a directory that cannot be written is one line, not a traceback."""
    try:
        return _write(matrix, out)
    except OSError as exc:
        where = exc.filename or out
        raise ConfigError(f"matrix: cannot write {where}: {exc.strerror or exc}") from None


def _write(matrix: Matrix, out: Path) -> list[Path]:
    (out / "badges").mkdir(parents=True, exist_ok=True)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    written = [out / "index.html", out / "matrix.md"]
    written[0].write_text(index_html(matrix), encoding="utf-8")
    written[1].write_text(markdown(matrix), encoding="utf-8")
    for col in matrix.columns:
        badge = out / "badges" / f"{matrix.stem(col)}.svg"
        badge.write_text(badge_svg(col), encoding="utf-8")
        page = out / "runs" / f"{matrix.stem(col)}.html"
        page.write_text(evidence_html(matrix, col), encoding="utf-8")
        written += [badge, page]
    return written
