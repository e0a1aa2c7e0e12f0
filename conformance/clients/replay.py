"""Observations of every client, computed once per call and kept for the run.

A check asks :func:`observe` for one client and one exchange. Python clients run
in this process; the Node clients' observations are made in one Node process
for all of a run's calls: :func:`prime` (called once before judging) gathers
them. A call nobody primed still gets its answer, from a Node process of its
own. Both views judge the same observation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from conformance.clients import CLIENTS, client_of, node_process, python
from conformance.clients.observation import NotRun, Observation, ReplayCall, replay_call
from conformance.exchange import Exchange
from conformance.probes import Probe

# Observations are small; the bound only keeps a long-lived process in check.
_LIMIT = 8192
_seen: OrderedDict[tuple[str, str], Observation | NotRun] = OrderedDict()
_versions: dict[str, str] = {}


def _keep(key: tuple[str, str], found: Observation | NotRun) -> None:
    _seen[key] = found
    _seen.move_to_end(key)
    while len(_seen) > _LIMIT:
        _seen.popitem(last=False)


def _run_node(calls: dict[str, tuple[ReplayCall, set[str]]]) -> None:
    batch = node_process.run([(call, sorted(names)) for call, names in calls.values()])
    _versions.update(batch.versions)
    for digest, by_client in batch.results.items():
        for name, found in by_client.items():
            _keep((name, digest), found)


def observe(client: str, call: ReplayCall) -> Observation | NotRun:
    """What ``client`` (and the app's code) did with the recorded answer."""
    key = (client, call.digest)
    found = _seen.get(key)
    if found is not None:
        return found
    spec = CLIENTS[client]
    if spec.runtime == "python":
        _keep(key, python.observe(call, strict=spec.strict))
    else:
        _run_node({call.digest: (call, {client})})
    return _seen[key]


def prime_calls(pairs: Iterable[tuple[str, ReplayCall]]) -> None:
    """Make the observations of these (client, call) pairs, the Node ones in one process."""
    wanted: dict[str, tuple[ReplayCall, set[str]]] = {}
    for name, call in pairs:
        if CLIENTS[name].runtime != "node" or (name, call.digest) in _seen:
            continue
        wanted.setdefault(call.digest, (call, set()))[1].add(name)
    if wanted:
        _run_node(wanted)


def prime(cases: Iterable[tuple[str, Probe, Exchange | None]]) -> None:
    """Make every Node client's observations of these (check, probe, exchange) at once."""
    pairs = []
    for check, probe, exchange in cases:
        name = client_of(check)
        if name is None or exchange is None or exchange.response is None:
            continue
        if exchange.error or exchange.skipped:
            continue
        pairs.append((name, replay_call(probe, exchange.response)))
    prime_calls(pairs)


def versions() -> dict[str, str]:
    """The clients' versions, as far as this process has run them."""
    found = {"openai-python": python.version(), "openai-python-strict": python.version()}
    for name in node_process.NODE_CLIENTS:
        if name in _versions:
            found[name] = _versions[name]
    for runtime in ("node", "node (node7)"):
        if runtime in _versions:
            found[runtime] = _versions[runtime]
    return found
