"""What the switch gate reads of the client checks, given the clients an app uses.

An app file that names its clients (``clients: [openai-node]``) is judged by
them: a named client's failure breaks the app whatever its severity (even where
another client copes), an unnamed client's never does, and a named client
that could not run here breaks it too (the gate cannot vouch for it). The
checks that only stand in for "a client cannot read this" (a JSON answer under
another content type) are then left to the named clients' own verdicts on the
same answers. An app file that names no client is judged by every client at its
check's severity, as before.
"""

from __future__ import annotations

from typing import Any

from conformance.clients import NOT_RUN, client_of
from conformance.vocabulary import BAD

# Wire rules whose only harm is that a client cannot read the answer.
CLIENT_DECIDED = frozenset({"generation.content-type"})


def _check(entry: dict[str, Any]) -> str:
    return str(entry["check"])


def breaks(entry: dict[str, Any], severities: tuple[str, ...], clients: tuple[str, ...]) -> bool:
    """Whether this verdict breaks an app that cannot live with ``severities``."""
    client = client_of(_check(entry))
    if clients and client is not None:
        if client not in clients:
            return False
        return entry["outcome"] in BAD or (
            entry["outcome"] == "skipped" and str(entry["message"]).startswith(NOT_RUN)
        )
    if clients and _check(entry) in CLIENT_DECIDED:
        return False
    return entry["severity"] in severities and entry["outcome"] in BAD


def coped(
    entry: dict[str, Any],
    severities: tuple[str, ...],
    clients: tuple[str, ...],
    same_answer: list[dict[str, Any]],
) -> bool:
    """A failure that would break the app, but every client it names read that answer.

    ``same_answer``: the verdicts on the same probe and model.
    """
    if not clients or _check(entry) not in CLIENT_DECIDED:
        return False
    if entry["severity"] not in severities or entry["outcome"] not in BAD:
        return False
    readers = [e for e in same_answer if client_of(_check(e)) in clients]
    named = {client_of(_check(e)) for e in readers}
    return named == set(clients) and all(e["outcome"] == "passed" for e in readers)


def counts(check: str, clients: tuple[str, ...]) -> bool:
    """Whether a row of this check speaks for the app at all (for what changes silently)."""
    client = client_of(check)
    return not clients or client is None or client in clients
