"""The transport's value types: where it sends, how long it waits, what it counted.

Plain data: the run's configuration makes them, the client reads them, the
session adds up the counters; nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from conformance.transport.ratelimit import Rate
from conformance.transport.retry import RetryPolicy

GENERATIONS_PATH = "/images/generations"


@dataclass(frozen=True)
class Timeouts:
    """Defaults suit slow image generation: minutes per answer are normal."""

    connect_s: float = 10.0
    read_s: float = 300.0
    total_s: float = 600.0


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

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + GENERATIONS_PATH

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
