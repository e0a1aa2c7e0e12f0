"""Placeholders that docs print where a value goes (``"<string>"``, ``"..."``).

Generated API references show the type of a field instead of a value, and
hand-written ones elide long values. Such an example documents that the field
is there, not what it holds: a check of the value has nothing to judge.
"""

from __future__ import annotations

import re
from typing import Any

_TYPE_NAME = re.compile(r"<[^<>\s][^<>]{0,40}>")
_ELISIONS = frozenset({"...", "…", "string"})


def is_placeholder(value: Any) -> bool:
    """Whether a printed value stands for "some value of this type" rather than one."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text in _ELISIONS or _TYPE_NAME.fullmatch(text) is not None


def placeholder_note(path: str, value: str) -> str:
    return f"{path} is the docs' placeholder {value!r}, not a value to judge"
