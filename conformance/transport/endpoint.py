"""Is there an images API at the base URL at all? Read from the run's first answers.

A base URL without ``/v1``, a web site, or a login wall answers every request
alike: a 404 (or 405) that is not JSON, an HTML page with 2xx, or a redirect to a
login page. (Any other redirect is the API's own answer, and judged.)
Judging those answers would charge the vendor with a failure per check, so
when the first ``FIRST`` answers of a run are all of that kind, and none of
them looks like an API (JSON, an event stream, or any other refusal), the run
stops as an error of the run naming the likely fix. One answer of any other
kind settles it: from then on every answer is judged as usual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

FIRST = 5
_NO_ENDPOINT = frozenset({404, 405})
# Where a login wall sends a request; any other redirect is the API's answer, judged.
_LOGIN = re.compile(r"log-?in|sign-?in|/auth|oauth|sso|/account|/session", re.IGNORECASE)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _kind(status: int, content_type: str, location: str, body: bytes) -> str | None:
    """What the answer says of the endpoint; None: it looks like an API."""
    media = content_type.split(";")[0].strip().lower()
    if media == "text/event-stream" or _is_json(body):
        return None
    if 300 <= status < 400:
        return "redirect" if _LOGIN.search(location) else None
    if status in _NO_ENDPOINT:
        return "missing"
    head = body[:512].lstrip().lower()
    if 200 <= status < 300 and (media == "text/html" or head.startswith((b"<!doctype", b"<html"))):
        return "html"
    return None


def _api_root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root if root.endswith("/v1") else f"{root}/v1"


class EndpointWatch:
    """Watches the first answers of a run; :attr:`problem` says why it must stop."""

    def __init__(self, base_url: str, endpoint: str | None = None) -> None:
        self.base_url = base_url
        # Named by the first answer's URL when not given (each operation has its own path).
        self.endpoint = endpoint or base_url
        self._named = endpoint is not None
        self.settled = False
        self.problem: str | None = None
        self._seen: list[tuple[str, int, str]] = []

    def answer(
        self,
        status: int,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        url: str | None = None,
    ) -> bool:
        """Count one API answer (to ``url``); True the moment the run should stop."""
        if self.settled or self.problem is not None:
            return False
        # The model list (GET /v1/models) is read first, but what a wrong base URL
        # lacks is the images endpoint: the stop names the first images request.
        if url is not None and not self._named and not url.rstrip("/").endswith("/models"):
            self.endpoint, self._named = url, True
        lowered = {k.lower(): v for k, v in headers}
        kind = _kind(status, lowered.get("content-type", ""), lowered.get("location", ""), body)
        if kind is None:
            self.settled = True
            return False
        self._seen.append((kind, status, lowered.get("location", "")))
        if len(self._seen) < FIRST:
            return False
        self.problem = self._why()
        return True

    def _why(self) -> str:
        kinds = {kind for kind, _, _ in self._seen}
        statuses = "/".join(sorted({str(s) for _, s, _ in self._seen}))
        hint = f"is --base-url the API root, e.g. {_api_root(self.base_url)}?"
        if kinds == {"missing"}:
            return (
                f"no images endpoint at {self.endpoint} (the first {FIRST} answers were {statuses} "
                f"and not JSON): {hint}"
            )
        if "redirect" in kinds:
            where = next(loc for kind, _, loc in self._seen if kind == "redirect") or "elsewhere"
            return (
                f"{self.endpoint} redirects ({statuses}) to {where[:200]}, a login page rather "
                f"than the API: {hint}"
            )
        return f"{self.endpoint} answers with a web page (HTML, {statuses}), not the API: {hint}"
