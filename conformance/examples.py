"""The answers printed in a vendor's docs, as exchanges the checks can judge.

No server is involved: the example's answer becomes a 200 application/json
response, so the same response checks show what the vendor's own examples get
wrong. Such verdicts are reported, never counted against the run's exit code.
"""

from __future__ import annotations

import json

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
