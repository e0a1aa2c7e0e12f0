"""A run's configuration, checked up front: bad input is one line and exit 4."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from conformance.checks.base import SEVERITIES
from conformance.errors import ConfigError
from conformance.fuzz.probes import FuzzSettings
from conformance.profile import Profile, load_profile
from conformance.transport import Timeouts
from conformance.verdict import VIEWS

DEFAULT_PROFILE = "openai"
# Which probes a run sends: both kinds, only the hand-written ones, only the fuzzed ones.
PROBE_SETS = ("all", "fixed", "fuzz")


@dataclass(frozen=True)
class RunConfig:
    profile: Profile
    # None: start the reference server emulating the profile (never a paid vendor).
    base_url: str | None
    api_key_env: str
    models: tuple[str, ...]
    budget: int
    report_dir: Path
    view: str = "docs"
    fail_on: str = "should"
    faults: tuple[str, ...] = ()
    concurrency: int = 4
    headers: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)
    probes: str = "all"
    fuzz: FuzzSettings = field(default_factory=FuzzSettings)

    @property
    def profile_ref(self) -> str:
        """How to name this profile again on a command line."""
        from conformance.resources import bundled_profiles

        return (
            self.profile.name if self.profile.name in bundled_profiles() else str(self.profile.path)
        )

    @property
    def fixed(self) -> bool:
        return self.probes in ("all", "fixed")

    @property
    def fuzzed(self) -> FuzzSettings | None:
        """The fuzz settings, or None when this run sends no property-based probes."""
        return self.fuzz if self.probes in ("all", "fuzz") else None

    @property
    def uses_reference_server(self) -> bool:
        return self.base_url is None

    def api_key(self) -> str | None:
        """Read only from the environment, only when needed, never stored in a report."""
        return os.environ.get(self.api_key_env) or None


def check_base_url(value: str) -> str:
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"--base-url {value!r} is not an http(s) URL; give the vendor's API root, "
            "e.g. https://api.example.com/v1 (or 'profile' for the one its docs give)"
        )
    return str(url).rstrip("/")


def _models(profile: Profile, raw: str | None) -> tuple[str, ...]:
    if not raw:
        return tuple(profile.models)
    chosen = tuple(m.strip() for m in raw.split(",") if m.strip())
    unknown = [m for m in chosen if m not in profile.models]
    if unknown or not chosen:
        have = ", ".join(profile.models)
        raise ConfigError(
            f"--models: {', '.join(unknown) or raw!r} not in profile {profile.name} (it has {have})"
        )
    return chosen


def _count(raw: Any, option: str, default: int, *, minimum: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{option} {raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{option} must be {minimum} or more")
    return value


def _seconds(raw: Any, option: str, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{option} {raw!r}: expected a number of seconds") from None
    if not value > 0:
        raise ConfigError(f"{option} must be more than 0 seconds")
    return value


def _timeouts(options: Mapping[str, Any]) -> Timeouts:
    default = Timeouts()
    timeouts = Timeouts(
        connect_s=_seconds(options.get("connect_timeout"), "--connect-timeout", default.connect_s),
        read_s=_seconds(options.get("read_timeout"), "--read-timeout", default.read_s),
        total_s=_seconds(options.get("deadline"), "--deadline", default.total_s),
    )
    if (
        timeouts.total_s < max(timeouts.connect_s, timeouts.read_s)
        and options.get("deadline") is None
    ):
        # A shorter read or connect timeout given alone also shortens the deadline.
        timeouts = Timeouts(
            timeouts.connect_s, timeouts.read_s, max(timeouts.connect_s, timeouts.read_s)
        )
    return timeouts


def _headers(raw: list[str] | None, profile: Profile) -> dict[str, str]:
    headers = dict(profile.headers)
    for item in raw or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ConfigError(f"--header {item!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def _fuzz(options: Mapping[str, Any]) -> tuple[str, FuzzSettings]:
    default = FuzzSettings()
    probes = options.get("probes") or "all"
    if probes not in PROBE_SETS:
        raise ConfigError(f"--probes {probes!r}: use one of {', '.join(PROBE_SETS)}")
    fuzz = FuzzSettings(
        seed=_count(options.get("seed"), "--seed", default.seed, minimum=0),
        negative=_count(
            options.get("fuzz_examples"), "--fuzz-examples", default.negative, minimum=0
        ),
        positive=_count(options.get("fuzz_valid"), "--fuzz-valid", default.positive, minimum=0),
    )
    if probes == "fuzz" and fuzz.negative == fuzz.positive == 0:
        raise ConfigError("--probes fuzz with --fuzz-examples 0 and --fuzz-valid 0 sends nothing")
    return probes, fuzz


def resolve(options: Mapping[str, Any]) -> RunConfig:
    """Build a RunConfig from option values (the pytest plugin's or a test's)."""
    profile = load_profile(options.get("profile") or DEFAULT_PROFILE)
    base_url = options.get("base_url")
    if base_url == "profile":
        if not profile.base_url:
            raise ConfigError(
                f"profile {profile.name} documents no base URL; "
                "pass --base-url URL with the endpoint you were given"
            )
        base_url = profile.base_url
    if base_url is not None:
        base_url = check_base_url(base_url)
    key_env = options.get("api_key_env") or profile.auth.key_env
    faults = tuple(options.get("faults") or ())
    if faults and base_url is not None:
        raise ConfigError(
            "--fault only applies to the embedded reference server; drop --base-url to use it"
        )
    if faults:
        from conformance.server.faults import FAULTS  # the server is only needed here

        unknown = [f for f in faults if f not in FAULTS]
        if unknown:
            raise ConfigError(
                f"unknown fault {unknown[0]!r}; see `python -m conformance serve --list-faults`"
            )
    if base_url is not None and not os.environ.get(key_env) and profile.auth.required:
        raise ConfigError(
            f"{key_env} is not set: export the API key in it, or name another "
            "variable with --api-key-env"
        )
    budget = _count(options.get("budget"), "--budget", profile.budget, minimum=0)
    view = options.get("view") or "docs"
    if view not in VIEWS:
        raise ConfigError(f"--view {view!r}: use one of {', '.join(VIEWS)}")
    fail_on = options.get("fail_on") or "should"
    if fail_on not in SEVERITIES:
        raise ConfigError(f"--fail-on {fail_on!r}: use one of {', '.join(SEVERITIES)}")
    concurrency = _count(
        options.get("concurrency"), "--concurrency", profile.concurrency, minimum=1
    )
    report_dir = options.get("report_dir")
    probes, fuzz = _fuzz(options)
    return RunConfig(
        profile=profile,
        base_url=base_url,
        api_key_env=key_env,
        models=_models(profile, options.get("models")),
        budget=budget,
        report_dir=Path(report_dir) if report_dir else Path("reports") / profile.name,
        view=view,
        fail_on=fail_on,
        faults=faults,
        concurrency=concurrency,
        headers=_headers(options.get("headers"), profile),
        timeouts=_timeouts(options),
        probes=probes,
        fuzz=fuzz,
    )
