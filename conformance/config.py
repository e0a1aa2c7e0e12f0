"""A run's configuration, checked up front: bad input is one line and exit 4."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from conformance.depth import DEFAULT_DEPTH, DEPTHS, Depth
from conformance.errors import ConfigError
from conformance.fuzz.probes import FuzzSettings
from conformance.lifecycle.dates import today
from conformance.lifecycle.select import moved_away, select_models
from conformance.options import PROBE_SETS, OptionValues
from conformance.profile import Profile, load_profile
from conformance.profile.deployments import parse_deployment_options, resolve_deployments
from conformance.transport import Timeouts
from conformance.transport.base_url import (
    fill_template,
    parse_var_options,
    pick_host,
    with_query,
)
from conformance.transport.bodies import DEFAULT_MAX_BODY
from conformance.transport.netguard import is_loopback_host
from conformance.transport.ratelimit import Rate, parse_rate
from conformance.transport.retry import RetryPolicy
from conformance.vocabulary import SEVERITIES, VIEWS, Severity, View

DEFAULT_PROFILE = "openai"
PROGRESS_EVERY_S = 30.0


@dataclass(frozen=True)
class RunConfig:
    """Everything a run was told, checked once by :func:`resolve` and then only read.

    Each field comes from an option of :data:`conformance.options.OPTIONS` (whose
    ``default`` says what applies when it is not given), else the profile, else a
    default; ``docs/options.md`` is generated from the same table.
    """

    profile: Profile
    # None: start the reference server emulating the profile (never a paid vendor).
    base_url: str | None
    api_key_env: str
    models: tuple[str, ...]
    budget: int
    report_dir: Path
    view: View = "docs"
    fail_on: Severity = "should"
    faults: tuple[str, ...] = ()
    concurrency: int = 4
    headers: Mapping[str, str] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)
    # Environment variable with a key whose balance is empty (vendor runs only).
    zero_balance_key_env: str | None = None
    record_dir: Path | None = None
    # Judge a recorded run again: no server, no request, no key.
    replay_dir: Path | None = None
    # None: no limit (the embedded reference server, unless --rate-limit says otherwise).
    rate_limit: Rate | None = None
    max_body: int = DEFAULT_MAX_BODY
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    probes: str = "all"
    # How many of the planned probes go (conformance/depth/): short, or every one.
    depth: Depth = DEFAULT_DEPTH
    fuzz: FuzzSettings = field(default_factory=FuzzSettings)
    # What the lifecycle decided before anything was sent (models left out), one line each.
    lifecycle_notes: tuple[str, ...] = ()
    # Where output is no terminal: seconds between progress lines (0: none).
    progress_every_s: float = PROGRESS_EVERY_S
    # model -> the deployment name its requests send (profile.deployments, resolved).
    deployments: Mapping[str, str] = field(default_factory=dict)

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
        return self.base_url is None and self.replay_dir is None

    def api_key(self) -> str | None:
        """Read only from the environment, only when needed, never stored in a report."""
        return os.environ.get(self.api_key_env) or None

    def zero_balance_key(self) -> str | None:
        if self.zero_balance_key_env is None:
            return None
        return os.environ.get(self.zero_balance_key_env) or None

    @property
    def has_zero_balance_key(self) -> bool:
        """The reference server always has one; a vendor run needs the option."""
        return self.uses_reference_server or self.zero_balance_key_env is not None


def _depth(value: str | None) -> Depth:
    for depth in DEPTHS:
        if (value or DEFAULT_DEPTH) == depth:
            return depth
    raise ConfigError(f"--depth {value!r}: use one of {', '.join(DEPTHS)}")


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
    if url.fragment:
        raise ConfigError(
            f"--base-url {value!r} has a fragment (#{url.fragment}), which is never sent; "
            "drop it (a query such as ?api-version=... is kept and sent with every request)"
        )
    # A query (Azure's ?api-version=) stays; requests join their path before it.
    parts = urlsplit(str(url))
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


_PREVIEWS = ("gif", "svg")


def _with_access(profile: Profile, raw: str | None) -> Profile:
    """``--preview-access gif,svg``: the key has these previews, besides the profile's."""
    if not raw:
        return profile
    chosen = [p.strip() for p in raw.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in _PREVIEWS]
    if unknown or not chosen:
        raise ConfigError(
            f"--preview-access: {', '.join(unknown) or repr(raw)} is no preview "
            f"(known: {', '.join(_PREVIEWS)})"
        )
    return replace(profile, preview_access=profile.preview_access | set(chosen))


def _models(profile: Profile, raw: str | None) -> tuple[str, ...] | None:
    if not raw:
        return None
    chosen = tuple(m.strip() for m in raw.split(",") if m.strip())
    unknown = [m for m in chosen if m not in profile.models]
    for name in unknown:
        moved = moved_away(name, profile)
        if moved is not None:
            # A model shut down upstream is not the vendor's failure: say when, and where.
            raise ConfigError(f"--models: {name} is not in profile {profile.name}: {moved}")
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


def _progress_every(raw: Any) -> float:
    if raw is None:
        return PROGRESS_EVERY_S
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"--progress-every {raw!r}: expected a number of seconds") from None
    if not value >= 0:
        raise ConfigError("--progress-every must be 0 (off) or more seconds")
    return value


def _timeouts(options: Mapping[str, Any]) -> Timeouts:
    default = Timeouts()
    timeouts = Timeouts(
        connect_s=_seconds(options.get("connect_timeout"), "--connect-timeout", default.connect_s),
        read_s=_seconds(options.get("read_timeout"), "--read-timeout", default.read_s),
        total_s=_seconds(options.get("deadline"), "--deadline", default.total_s),
        refusal_s=_seconds(options.get("refusal_timeout"), "--refusal-timeout", default.refusal_s),
        image_s=_seconds(options.get("image_timeout"), "--image-timeout", default.image_s),
    )
    if (
        timeouts.total_s < max(timeouts.connect_s, timeouts.read_s)
        and options.get("deadline") is None
    ):
        # A shorter read or connect timeout given alone also shortens the deadline.
        timeouts = replace(timeouts, total_s=max(timeouts.connect_s, timeouts.read_s))
    return timeouts


_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}


def _bytes(raw: Any, option: str, default: int) -> int:
    if raw is None:
        return default
    found = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", str(raw))
    unit = _UNITS.get(found.group(2).lower()) if found else None
    if found is None or unit is None or int(found.group(1)) < 1:
        raise ConfigError(f"{option} {raw!r}: expected a size in bytes, e.g. 67108864 or 64MiB")
    return int(found.group(1)) * unit


def _rate(raw: Any, profile: Profile, reference: bool) -> Rate | None:
    if raw is not None:
        return parse_rate(str(raw))
    if reference:
        return None  # our own loopback server: no one to be polite to
    return parse_rate(profile.rate_limit, f"profile {profile.name}: limits.rate_limit")


def check_insecure_http(base_url: str, allowed: bool) -> None:
    """The key never travels in clear text to another machine unless the user says so."""
    url = httpx.URL(base_url)
    if url.scheme == "http" and not is_loopback_host(url.host) and not allowed:
        raise ConfigError(
            f"--base-url {base_url} would send the API key over plain http to {url.host}; "
            "use https, or pass --allow-insecure-http if you mean it"
        )


def _headers(raw: list[str] | None, profile: Profile) -> dict[str, str]:
    headers = dict(profile.headers)
    for item in raw or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ConfigError(f"--header {item!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def _fuzz(
    options: Mapping[str, Any], profile: Profile, models: tuple[str, ...]
) -> tuple[str, FuzzSettings]:
    default = FuzzSettings()
    if all(profile.models[m].family == "gpt" for m in models):
        # A GPT model's covering set bills its longest value list + 1 and already
        # sends fields left out, explicit auto and explicit nulls: by default no
        # valid fuzz case adds an image to that. --fuzz-valid N still draws N.
        default = FuzzSettings(positive=0)
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


def resolve(given: Mapping[str, Any]) -> RunConfig:
    """Build a RunConfig from option values by key (the pytest plugin's or a test's).

    Only keys declared in conformance.options.OPTIONS are accepted or read.
    """
    options = OptionValues(given)
    named = options.get("profile")
    if options.get("replay") is not None:
        # A replay judges by the profile it was recorded with, unless told otherwise.
        from conformance.recording import recorded_profile

        named = recorded_profile(Path(options["replay"]), named) or named
    profile = _with_access(load_profile(named or DEFAULT_PROFILE), options.get("preview_access"))
    base_url = options.get("base_url")
    if base_url == "profile":
        if not profile.base_url:
            raise ConfigError(
                f"profile {profile.name} documents no base URL; "
                "pass --base-url URL with the endpoint you were given"
            )
        var_values = parse_var_options(options.get("base_url_vars"))
        chosen = pick_host(profile.base_url, profile.hosts, options.get("host"))
        base_url = fill_template(chosen, profile.base_url_vars, var_values)
    elif options.get("base_url_vars"):
        raise ConfigError(
            "--base-url-var fills the profile's base URL: use it with --base-url profile"
        )
    elif options.get("host"):
        raise ConfigError(
            "--host picks one of the profile's documented hosts: use it with --base-url profile"
        )
    if base_url is not None:
        base_url = with_query(check_base_url(base_url), profile.query)
    key_env = options.get("api_key_env") or profile.auth.key_env
    faults = tuple(options.get("faults") or ())
    if faults and base_url is not None:
        raise ConfigError(
            "--fault only applies to the embedded reference server; drop --base-url to use it"
        )
    if faults:
        # The server is only needed here.
        from conformance.server.faults import UnknownFaultError, faults_named

        try:
            faults_named(faults)
        except UnknownFaultError as exc:
            raise ConfigError(str(exc)) from None
    replay = options.get("replay")
    record = options.get("record")
    if replay is not None:
        if faults:
            raise ConfigError("--replay judges a recording: --fault does not apply")
        if record is not None:
            raise ConfigError("--replay and --record cannot be combined")
        if not (Path(replay) / "recording.json").is_file():
            raise ConfigError(
                f"--replay {replay}: no recording.json there (make one with --record DIR)"
            )
    if (
        replay is None
        and base_url is not None
        and not os.environ.get(key_env)
        and profile.auth.required
    ):
        raise ConfigError(
            f"{key_env} is not set: export the API key in it, or name another "
            "variable with --api-key-env"
        )
    zero_env = options.get("zero_balance_key_env")
    if (
        zero_env is not None
        and replay is None
        and base_url is not None
        and not os.environ.get(zero_env)
    ):
        raise ConfigError(
            f"{zero_env} is not set: export the empty-balance key in it (--zero-balance-key-env)"
        )
    if (
        replay is None
        and base_url is not None
        and (profile.auth.required or os.environ.get(key_env))
    ):
        check_insecure_http(base_url, bool(options.get("allow_insecure_http")))
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
    selection = select_models(
        profile,
        _models(profile, options.get("models")),
        day=today(),
        allow_shutdown=bool(options.get("allow_shutdown")),
    )
    models = selection.models
    probes, fuzz = _fuzz(options, profile, models)
    if faults:
        from conformance.server.scope import refuse_inapplicable

        refuse_inapplicable(faults, profile, models, fuzz if probes != "fixed" else None)
    deployments = resolve_deployments(
        profile.deployments,
        parse_deployment_options(options.get("deployments")),
        models,
        mode="replay" if replay is not None else "rehearsal" if base_url is None else "vendor",
    )
    return RunConfig(
        profile=profile,
        base_url=base_url,
        api_key_env=key_env,
        models=models,
        budget=budget,
        report_dir=Path(report_dir) if report_dir else Path("reports") / profile.name,
        view=view,
        fail_on=fail_on,
        faults=faults,
        concurrency=concurrency,
        headers=_headers(options.get("headers"), profile),
        timeouts=_timeouts(options),
        zero_balance_key_env=zero_env,
        record_dir=Path(record) if record else None,
        replay_dir=Path(replay) if replay else None,
        rate_limit=_rate(options.get("rate_limit"), profile, base_url is None),
        max_body=_bytes(options.get("max_body"), "--max-body", DEFAULT_MAX_BODY),
        retry=RetryPolicy(
            retries=_count(options.get("retries"), "--retries", RetryPolicy().retries, minimum=0)
        ),
        probes=probes,
        depth=_depth(options.get("depth")),
        fuzz=fuzz,
        lifecycle_notes=selection.notes,
        progress_every_s=_progress_every(options.get("progress_every")),
        deployments=deployments,
    )
