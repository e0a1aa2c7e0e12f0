"""The answers printed in a vendor's docs, as exchanges the checks can judge.

No server is involved: the example's answer becomes a 200 application/json
response, so the same response checks show what the vendor's own examples get
wrong. Such verdicts are reported, never counted against the run's exit code.
"""

from __future__ import annotations

import base64
import io
import json
import time
from functools import cache
from typing import Any

from conformance.checks.placeholders import is_placeholder
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.probes import Probe

_JSON = [("content-type", "application/json")]


def example_exchange(probe: Probe) -> Exchange:
    if probe.answer is None:
        raise ValueError(f"probe {probe.key} has no documented answer")
    return Exchange(
        probe_key=probe.key,
        request=RecordedRequest("POST", f"(docs) {probe.source or ''}", _JSON, probe.content()),
        response=RecordedResponse(200, _JSON, json.dumps(probe.answer).encode()),
    )


# -- placeholders ------------------------------------------------------------

_NUMBERS = frozenset({"<integer>", "<int>", "<number>", "<float>", "<long>"})
_BOOLEANS = frozenset({"<boolean>", "<bool>"})
_STAND_IN_URL = "https://docs.invalid/image.png"


@cache
def _stand_in_png() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def _stand_in(key: str, value: str, probe: Probe) -> tuple[bool, Any]:
    """(keep the key, its stand-in value) for one placeholder."""
    b64 = probe.expect.response_format == "b64_json" or probe.expect.family == "gpt"
    text = value.strip()
    if key == "b64_json":
        return b64, _stand_in_png()
    if key == "url":
        return not b64, _STAND_IN_URL
    if key == "created":
        return True, int(time.time())
    if text in _NUMBERS or key.endswith("tokens"):
        return True, 1
    if text in _BOOLEANS:
        return True, True
    return True, "text"


def _fill(value: Any, probe: Probe, path: str, found: list[str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_placeholder(item):
                found.append(f"{where} {item!r}")
                keep, stand_in = _stand_in(str(key), item, probe)
                if keep:
                    out[key] = stand_in
                continue
            out[key] = _fill(item, probe, where, found)
        return out
    if isinstance(value, list):
        kept = []
        for i, item in enumerate(value):
            if is_placeholder(item):  # "..." for "more items like these"
                found.append(f"{path}[{i}] {item!r}")
                continue
            kept.append(_fill(item, probe, f"{path}[{i}]", found))
        return kept
    return value


def stand_in_exchange(probe: Probe) -> tuple[Exchange, list[str]] | None:
    """The example with a conformant stand-in for each placeholder the docs print
    (``"<string>"``, ``"..."``), and where they were; None when it prints none.

    Only to tell whether a failure comes from the placeholders alone: a verdict
    is never taken from the stand-ins."""
    if probe.answer is None:
        return None
    found: list[str] = []
    filled = _fill(probe.answer, probe, "", found)
    if not found:
        return None
    exchange = example_exchange(probe)
    exchange.response = RecordedResponse(200, _JSON, json.dumps(filled).encode())
    return exchange, found
