"""Which models a run judges, decided before anything is sent.

A model past its shutdown (the run's date on or after the profile's
``lifecycle.shutdown``) is left out of a run that chose its models by default,
with one line saying so; naming it with ``--models`` stops the run (exit 4)
unless ``--allow-shutdown`` says a vendor still serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from conformance.errors import ConfigError
from conformance.lifecycle.dates import parse_day

if TYPE_CHECKING:
    from conformance.profile import Profile

ALLOW_OPTION = "--allow-shutdown"


@dataclass(frozen=True)
class Selection:
    models: tuple[str, ...]
    # One line each, printed first and kept in the report.
    notes: tuple[str, ...] = ()


def _dead(profile: Profile, names: Sequence[str], day: date) -> list[str]:
    found = []
    for name in names:
        life = profile.models[name].lifecycle
        if life is not None and life.shut_down_by(day):
            found.append(name)
    return found


def _when(profile: Profile, names: Sequence[str]) -> str:
    """'shut down on 2026-12-01 (notice of 2026-06-02); replacement X or Y', per group."""
    parts = []
    groups: dict[tuple[str | None, str | None, str], list[str]] = {}
    for name in names:
        life = profile.models[name].lifecycle
        assert life is not None
        groups.setdefault((life.shutdown, life.notice, life.replacement_text()), []).append(name)
    for (shutdown, notice, replacement), members in groups.items():
        announced = f" (notice of {notice})" if notice else ""
        parts.append(
            f"{', '.join(members)}: shut down on {shutdown}{announced}, replacement {replacement}"
        )
    return "; ".join(parts)


def select_models(
    profile: Profile, chosen: Sequence[str] | None, *, day: date, allow_shutdown: bool
) -> Selection:
    """The models to judge. ``chosen``: the names given with --models (checked to
    be the profile's), or None for every model of the profile.

    A profile that describes a contract as it was (``as_of``, e.g. the DALL·E
    baseline) judges its models' lifecycle as of that day, not the run's.
    """
    if profile.as_of is not None:
        day = min(day, parse_day(profile.as_of, f"profile {profile.name}: as_of"))
    named = chosen is not None
    names = tuple(profile.models) if chosen is None else tuple(chosen)
    dead = _dead(profile, names, day)
    if not dead:
        return Selection(names)
    if allow_shutdown:
        note = (
            f"lifecycle: judging {', '.join(dead)} although it is shut down as of "
            f"{day.isoformat()} ({ALLOW_OPTION}); {_when(profile, dead)}"
        )
        return Selection(names, (note,))
    if named:
        raise ConfigError(
            f"--models: {_when(profile, dead)} (today is {day.isoformat()}); "
            f"choose the replacement, or add {ALLOW_OPTION} to judge a vendor still serving it"
        )
    live = tuple(name for name in names if name not in dead)
    if not live:
        raise ConfigError(
            f"profile {profile.name}: every model is past its shutdown "
            f"({_when(profile, dead)}); add {ALLOW_OPTION} to judge them anyway"
        )
    note = (
        f"lifecycle: left out {_when(profile, dead)} (today is {day.isoformat()}); "
        f"name it with --models and add {ALLOW_OPTION} to judge a vendor still serving it"
    )
    return Selection(live, (note,))


def moved_away(name: str, profile: Profile) -> str | None:
    """Where a model absent from ``profile`` lives on after its shutdown: the bundled
    profile keeping its rules, with its dates (None: no bundled profile knows it)."""
    from conformance.profile import load_profile
    from conformance.resources import bundled_profiles

    # The profile's own legacy profile first (openai -> openai-legacy), then the rest.
    order = sorted(bundled_profiles(), key=lambda o: (not o.startswith(f"{profile.name}-"), o))
    for other in order:
        if other == profile.name:
            continue
        kept = load_profile(other)
        spec = kept.models.get(name)
        if spec is not None and spec.lifecycle is not None and spec.lifecycle.shutdown:
            return (
                f"{_when(kept, [name])}; its rules live on in profile {other}, for a vendor "
                f"still serving it: --profile {other} {ALLOW_OPTION}"
            )
    return None
