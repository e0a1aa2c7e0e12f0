"""The transport's value types: where it sends, how long it waits, what it counted.

Plain data: the run's configuration makes them, the client reads them, the
session adds up the counters; nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from conformance.transport.ratelimit import Rate
from conformance.transport.retry import RetryPolicy


@dataclass(frozen=True)
class Limit:
    """The time limits of one request, and what a timeout's message names for each."""

    connect_s: float
    read_s: float
    total_s: float
    read_option: str = "--read-timeout"
    total_name: str = "deadline"
    total_option: str = "--deadline"
    # Said after a timeout, e.g. why a refusal should not take this long.
    note: str = ""


@dataclass(frozen=True)
class Timeouts:
    """Generations are slow (minutes per answer are normal, an event stream
    included); refusals are not: a vendor validates a request before it generates
    anything."""

    connect_s: float = 10.0
    read_s: float = 300.0
    total_s: float = 600.0
    # Whole answer to a request expected to be refused (invalid, auth, empty balance).
    refusal_s: float = 30.0
    # Whole download of an image link.
    image_s: float = 60.0

    def generation(self) -> Limit:
        return Limit(self.connect_s, self.read_s, self.total_s)

    def _capped(self, cap_s: float, name: str, option: str, note: str = "") -> Limit:
        """The generation limits, each lowered to ``cap_s`` where that is lower."""
        default = self.generation()
        read, read_option = (
            (cap_s, option) if cap_s < self.read_s else (self.read_s, default.read_option)
        )
        total, total_name, total_option = (
            (cap_s, name, option)
            if cap_s < self.total_s
            else (self.total_s, default.total_name, default.total_option)
        )
        return Limit(self.connect_s, read, total, read_option, total_name, total_option, note)

    def refusal(self) -> Limit:
        return self._capped(
            self.refusal_s,
            "refusal limit",
            "--refusal-timeout",
            "a refusal comes before anything is generated",
        )

    def image(self) -> Limit:
        return self._capped(self.image_s, "image limit", "--image-timeout")


def endpoint_url(base_url: str, path: str) -> str:
    """``path`` under the API root, before the root's query (Azure's ``?api-version=``).

    A query in the base URL belongs to every request, so it is kept whole and the
    operation's path joins the root's path, never the end of the query.
    """
    root = urlsplit(base_url)
    return urlunsplit(root._replace(path=root.path.rstrip("/") + path, fragment=""))


@dataclass(frozen=True)
class Target:
    """Where probes go: the API root, how the key is sent, and the extra headers."""

    base_url: str
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    # Never in a repr: a traceback that shows locals must not show the key.
    api_key: str | None = field(default=None, repr=False)
    key_env: str = "OPENAI_API_KEY"
    headers: Mapping[str, str] = field(default_factory=dict)
    # A valid key whose balance is empty, for the balance probe; never in a repr either.
    zero_balance_key: str | None = field(default=None, repr=False)
    # The key of an answer's image list (response.shape.list_key; OpenAI's data).
    list_key: str = "data"
    # model -> the deployment name a request sends for it (Azure), else the model.
    deployments: Mapping[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """Where a request to ``path`` (below the API root) goes, before its query."""
        return endpoint_url(self.base_url, path)

    def auth_value(self, key: str) -> str:
        return f"{self.auth_scheme} {key}" if self.auth_scheme else key


@dataclass
class Counters:
    """What a transport sent: requests, retries, and the images it cost."""

    total: int = 0
    retries: int = 0
    # Images the server billed (2xx answers), and images it may have billed for
    # requests that got no answer (charged to the budget, never to the vendor).
    billed: int = 0
    uncertain: int = 0
    # API answers that were neither 429 nor 5xx: the server is otherwise healthy.
    healthy: int = 0

    def add(self, other: Counters) -> None:
        """Count what another transport sent into these: a run keeps one set."""
        self.total += other.total
        self.retries += other.retries
        self.billed += other.billed
        self.uncertain += other.uncertain
        self.healthy += other.healthy


class Settings(Protocol):
    """What a transport takes from the run's configuration (a RunConfig has it all)."""

    @property
    def concurrency(self) -> int: ...

    @property
    def timeouts(self) -> Timeouts: ...

    @property
    def max_body(self) -> int: ...

    @property
    def retry(self) -> RetryPolicy: ...

    @property
    def rate_limit(self) -> Rate | None: ...
