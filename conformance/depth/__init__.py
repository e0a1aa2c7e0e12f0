"""How deep a run goes: the rules each probe exercises, and the fewest probes that
exercise every one of them once per place it can differ (``--depth``).

``rules.py`` derives a probe's rules (the one place they are derived),
``select.py`` picks a depth's probes, ``walltime.py`` estimates how long a plan
takes at a rate limit and concurrency. docs/depth.md says when to run which.
"""

from __future__ import annotations

from typing import Literal

Depth = Literal["short", "full"]
# short: every rule once per place it can differ; full: every probe planned.
DEPTHS: tuple[Depth, ...] = ("short", "full")
DEFAULT_DEPTH: Depth = "short"
