"""The matrix agrees with the results files it was built from: HTML, Markdown, badges."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conformance.report.matrix import build, file_stems, write
from tests.conftest import SuiteRun

ORDER = ("error", "failed", "fixed", "known", "skipped", "passed")


def expected_cells(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(row, model) -> outcome, computed here independently of conformance.report.rows."""
    outcomes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entry in results["checks"]:
        kind, check = entry["probe"]["kind"], entry["check"]
        if kind == "example":
            continue
        if entry["probe"]["origin"] == "fuzz":
            row = f"{check}[fuzz]"
        else:
            row = entry["id"] if kind in ("auth", "invalid", "balance") else check
        outcomes[(row, entry["model"])].append(entry["outcome"])
    return {key: min(found, key=ORDER.index) for key, found in outcomes.items()}


class Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.row: str | None = None
        self.cells: dict[tuple[str, str], str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-row"):
            self.row = a["data-row"]
        if tag == "td" and "data-column" in a and self.row and a.get("data-outcome"):
            self.cells[(self.row, str(a["data-column"]))] = str(a["data-outcome"])


@pytest.fixture(scope="module")
def built(
    profile_runs: dict[str, SuiteRun], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, SuiteRun]]:
    out = tmp_path_factory.mktemp("matrix")
    write(build([run.report_dir / "results.json" for run in profile_runs.values()]), out)
    return out, profile_runs


def test_every_profile_run_is_conformant_in_its_view(built: tuple[Path, dict]) -> None:
    _, runs = built
    assert {name: run.exit_code for name, run in runs.items()} == dict.fromkeys(runs, 0)


def test_html_cells_match_the_results(built: tuple[Path, dict[str, SuiteRun]]) -> None:
    out, runs = built
    parser = Cells()
    parser.feed((out / "index.html").read_text())
    expected = {}
    for name, run in runs.items():
        for (row, model), outcome in expected_cells(run.results).items():
            expected[(row, f"{name}--{model}")] = outcome
    assert parser.cells == expected


def test_markdown_matches_the_results(built: tuple[Path, dict[str, SuiteRun]]) -> None:
    out, runs = built
    lines = (out / "matrix.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| check |"))
    columns = [c.strip() for c in header.strip("|").split("|")][2:]
    found = {}
    for line in lines:
        match = re.match(r"\| `([^`]+)` \| (\w+) \| (.*) \|$", line)
        if match:
            for column, cell in zip(columns, match.group(3).split(" | "), strict=True):
                if cell != "—":
                    found[(match.group(1), column)] = cell.split()[-1]
    expected = {}
    for name, run in runs.items():
        for (row, model), outcome in expected_cells(run.results).items():
            expected[(row, f"{name} {model}")] = outcome
    assert found == expected


def _stem(name: str, model: str) -> str:
    """A column's file name stem (a namespaced model id gets a safe one)."""
    column = f"{name}--{model}"
    return file_stems([column])[column]


def test_badges_count_rows_passed_over_rows_judged(built: tuple[Path, dict[str, SuiteRun]]) -> None:
    out, runs = built
    for name, run in runs.items():
        for model in run.results["target"]["models"]:
            cells = {k: v for k, v in expected_cells(run.results).items() if k[1] == model}
            judged = [v for v in cells.values() if v != "skipped"]
            want = f"{judged.count('passed')}/{len(judged)}"
            svg = (out / "badges" / f"{_stem(name, model)}.svg").read_text()
            assert f"openai-images compat: {want}" in svg
            assert f">{want}</text>" in svg


def test_known_deviations_show_in_the_matrix(built: tuple[Path, dict[str, SuiteRun]]) -> None:
    out, _ = built
    html = (out / "index.html").read_text()
    assert 'data-column="modelmax--imagen-3" data-outcome="known"' in html
    assert 'data-column="openai-dalle--dall-e-3" data-outcome="known"' not in html


def test_each_column_carries_its_provenance(built: tuple[Path, dict[str, SuiteRun]]) -> None:
    out, runs = built
    html = (out / "index.html").read_text()
    for run in runs.values():
        results = run.results
        assert results["target"]["profile_sha256"][:12] in html
        assert f"{results['requests']['billable']} of {results['requests']['budget']}" in html
    evidence = (out / "runs" / "modelmax--imagen-3.html").read_text()
    assert 'id="balance.insufficient-insufficient-balance"' in evidence


def test_a_client_section_links_each_column_to_its_clients_evidence(
    built: tuple[Path, dict[str, SuiteRun]],
) -> None:
    out, runs = built
    html = (out / "index.html").read_text()
    section = html[html.index('<table id="clients">') :]
    section = section[: section.index("</table>")]
    for client in ("openai-python", "openai-python-strict", "openai-node", "vercel-ai"):
        assert f'data-client="{client}"' in section
        for name, run in runs.items():
            for model in run.results["target"]["models"]:
                judged = any(
                    c["id"].startswith(f"client.{client}.")
                    and c["model"] == model
                    and c["probe"]["kind"] != "example"
                    for c in run.results["checks"]
                )
                stem = _stem(name, model)
                link = f'href="runs/{stem}.html#igc-client-{client}"'
                assert (link in section) == judged, (client, name, model)
                page = (out / "runs" / f"{stem}.html").read_text()
                assert (f'<section id="igc-client-{client}">' in page) == judged
    # modelmax's chat-style usage trips strict mode only (a known deviation).
    strict = section[section.index('data-client="openai-python-strict"') :].split("</tr>")[0]
    assert 'class="cell known" data-column="modelmax--imagen-3"' in strict
    matrix_md = (out / "matrix.md").read_text()
    assert "| openai-node 6 | must |" in matrix_md
    assert "| openai-node 7 (Node 22) | must |" in matrix_md
