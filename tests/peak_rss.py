"""Run a command and write its own peak resident set (KiB) to a file.

Usage: python peak_rss.py OUT_FILE COMMAND...

Why a launcher: Linux records the parent's memory high-water mark in a child that it
forks and then execs (Python spawns with vfork), so wait4's ru_maxrss for a child of a
pytest worker is at least that worker's own peak (measured: a 611 MiB parent made
`python -c pass` report 611 MiB). This small process is that child instead, and the
command, forked from it, inherits only its few MiB.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    out_file, command = argv[0], argv[1:]
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    with open(out_file, "w", encoding="ascii") as sink:
        sink.write(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
