"""Where two majors of one client disagree on the same answer (openai-node 6 and 7).

The same recorded answer is replayed into each major; where one gets its image
(or its documented error) and the other does not, the report and the matrix say
so in one line per client, naming the answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

from conformance.clients import CLIENTS, family_of
from conformance.report.rows import Column
from conformance.verdict import Verdict
from conformance.vocabulary import View


def pairs() -> list[tuple[str, str]]:
    """(older, newer) majors of each client that the suite runs in more than one major."""
    families: dict[str, list[str]] = {}
    for name, spec in CLIENTS.items():
        if spec.major is not None:
            families.setdefault(family_of(name), []).append(name)
    found = []
    for names in families.values():
        ordered = sorted(names, key=lambda n: CLIENTS[n].major or 0)
        found += list(pairwise(ordered))
    return found


def _split(key: str) -> tuple[str, str] | None:
    """``client.<name>.<behaviour>[probe]`` -> (name, behaviour[probe])."""
    feature, _, rest = key.partition(".")
    name, _, tail = rest.partition(".")
    return (name, tail) if feature == "client" and tail else None


def _lines(outcomes: Mapping[str, Mapping[str, str]], where: str = "") -> list[str]:
    lines = []
    for old, new in pairs():
        a, b = outcomes.get(old, {}), outcomes.get(new, {})
        differ = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
        if not differ:
            continue
        shown = ", ".join(f"{k} ({a[k]} / {b[k]})" for k in differ[:4])
        more = f" and {len(differ) - 4} more" if len(differ) > 4 else ""
        lines.append(
            f"{CLIENTS[old].title} and {CLIENTS[new].title} disagree{where} on "
            f"{len(differ)} answer(s): {shown}{more}"
        )
    return lines


def run_disagreements(verdicts: Iterable[Verdict], view: View) -> list[str]:
    """One line per client whose majors judged one of this run's answers differently."""
    outcomes: dict[str, dict[str, str]] = {}
    for v in verdicts:
        split = _split(v.id)
        if split is not None:
            name, tail = split
            outcomes.setdefault(name, {})[f"{v.model}:{tail}"] = v.result(view).outcome
    return _lines(outcomes)


def column_disagreements(columns: Iterable[Column]) -> list[str]:
    """The same, per provider/model column of the matrix."""
    lines = []
    for col in columns:
        outcomes: dict[str, dict[str, str]] = {}
        for key, cell in col.cells.items():
            split = _split(key)
            if split is not None:
                outcomes.setdefault(split[0], {})[split[1]] = cell.outcome
        lines += _lines(outcomes, f" at {col.provider} {col.model}")
    return lines
