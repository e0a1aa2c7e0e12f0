"""`python -m bench [SECTION ...]`: run benchmark sections, print tables, write reports/bench.json.

Each section is a module of this package with ``run() -> Section``; it measures
against servers it starts itself on loopback. Results of the sections run are
merged into reports/bench.json (sections not run keep their last figures).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

# Section name -> module. Each module: `def run() -> Section`.
SECTIONS: dict[str, str] = {
    "transport": "bench.transport",
    "fuzz": "bench.fuzz",
    "outage": "bench.outage",
    "depth": "bench.depth",
}

OUT = Path("reports") / "bench.json"


class Section(Protocol):
    def table(self) -> str: ...

    def data(self) -> dict[str, Any]: ...


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("sections", nargs="*", help=f"default: all of {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    chosen = args.sections or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"bench: unknown section {unknown[0]!r}; have {', '.join(SECTIONS)}", file=sys.stderr)
        return 4
    merged: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    for name in chosen:
        section: Section = importlib.import_module(SECTIONS[name]).run()
        print(f"\n== {name} ==\n{section.table()}")
        merged[name] = {
            **section.data(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"\nwritten: {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
