"""What the vendor's own model list (``GET /v1/models``) says about each judged model.

The list is free and read first (conformance/lifecycle/listing.py). A model
the run judges must be listed; a listed ``shutdown_date`` that has passed, or
that comes within 30 days, is reported; and a model that the rules say is shut
down but that the vendor still lists as live is served after its shutdown
(remapped to another model, or a legacy route), an advisory. Dates are judged as
of the run's date ($IMAGEGEN_CONFORMANCE_TODAY, else today).
"""

from __future__ import annotations

from conformance.checks.base import (
    Context,
    Need,
    Result,
    check,
    failed,
    kind_is,
    passed,
    skipped,
)
from conformance.lifecycle.dates import SOON_DAYS, today
from conformance.lifecycle.listing import Listed, days_left, listed_models
from conformance.vocabulary import Operation

_LISTING = kind_is("listing")
_MODELS: frozenset[Operation] = frozenset({"models"})


def _listed(ctx: Context) -> dict[str, Listed] | Result:
    """Every model of the answer's list, or why the list cannot be read."""
    if ctx.status != 200:
        return failed(f"GET /v1/models answered {ctx.status}; expected 200 with the model list")
    found = listed_models(ctx.answer.json)
    if found is None:
        return failed('GET /v1/models answered no model list ({"object": "list", "data": [...]})')
    return found


def _dates(ctx: Context) -> dict[str, Listed] | Result:
    """The list, for the checks that read its dates: without one they cannot judge."""
    found = _listed(ctx)
    if isinstance(found, Result):
        return skipped(
            f"no model list to read dates from (judged by lifecycle.listed): {found.message}"
        )
    return found


# A 200 answer to GET /v1/models with a model list: its models by id. Only
# lifecycle.listed fails without one; the checks of its dates skip (one missing
# list is one finding, not four).
LISTED: Need[dict[str, Listed]] = Need("model list", _listed)
DATES: Need[dict[str, Listed]] = Need("model list with dates", _dates)


def _entry(ctx: Context) -> Listed | None:
    """The probe's model as listed (None: not listed)."""
    return DATES.of(ctx).get(ctx.probe.model)


@check(
    "lifecycle.listed",
    title="the vendor's GET /v1/models lists every model the run judges",
    severity="should",
    applies=_LISTING,
    operations=_MODELS,
    needs=(LISTED,),
)
def listed(ctx: Context) -> Result:
    """A model missing from the vendor's own list is one it does not serve (or no longer).
    One past its shutdown by these rules (judged with --allow-shutdown) may be dropped
    from the list as the upstream did: not the vendor failing."""
    entry = LISTED.of(ctx).get(ctx.probe.model)
    life = ctx.model.lifecycle if ctx.model is not None else None
    if entry is None and life is not None and life.shut_down_by(today()):
        return skipped(
            f"{ctx.probe.model} is not in GET /v1/models: shut down on {life.shutdown} by "
            "these rules, so a list may drop it; its own requests judge whether it is served"
        )
    if entry is None:
        return failed(f"{ctx.probe.model} is not in GET /v1/models")
    return passed(f"listed (shutdown_date {entry.shutdown_date or 'null'})")


@check(
    "lifecycle.shutdown-past",
    title="no judged model is listed with a shutdown_date that has passed",
    severity="should",
    applies=_LISTING,
    operations=_MODELS,
    needs=(DATES,),
)
def shutdown_past(ctx: Context) -> Result:
    """The vendor says the model is shut down: its verdicts judge a dead model."""
    entry = _entry(ctx)
    if entry is None:
        return passed("not listed (judged by lifecycle.listed)")
    left = days_left(entry, today())
    if left is not None and left <= 0:
        return failed(
            f"{entry.id} is listed with shutdown_date {entry.shutdown_date}, "
            f"{-left} day(s) ago: it is shut down"
        )
    return passed(f"shutdown_date {entry.shutdown_date or 'null'}")


@check(
    "lifecycle.shutdown-soon",
    title=f"no judged model shuts down within {SOON_DAYS} days",
    severity="may",
    applies=_LISTING,
    operations=_MODELS,
    needs=(DATES,),
)
def shutdown_soon(ctx: Context) -> Result:
    """An app on this model has days, not months, to move to its replacement."""
    entry = _entry(ctx)
    if entry is None:
        return passed("not listed (judged by lifecycle.listed)")
    left = days_left(entry, today())
    if left is not None and 0 < left <= SOON_DAYS:
        return failed(f"{entry.id} shuts down in {left} days ({entry.shutdown_date})")
    return passed(f"shutdown_date {entry.shutdown_date or 'null'}")


@check(
    "lifecycle.served-after-shutdown",
    title="a model past its shutdown (by these rules) is no longer listed as live",
    severity="may",
    applies=_LISTING,
    operations=_MODELS,
    needs=(DATES,),
)
def served_after_shutdown(ctx: Context) -> Result:
    """Still live after its shutdown: the vendor remaps the name or keeps a legacy route."""
    entry = _entry(ctx)
    day = today()
    life = ctx.model.lifecycle if ctx.model is not None else None
    if life is None or not life.shut_down_by(day):
        return passed(f"{ctx.probe.model} has no shutdown before {day.isoformat()} in these rules")
    if entry is None:
        return passed(f"no longer listed (shut down on {life.shutdown})")
    left = days_left(entry, day)
    if left is not None and left <= 0:
        return passed(f"listed as shut down on {entry.shutdown_date}")
    return failed(
        f"{entry.id} is still listed as live (shutdown_date {entry.shutdown_date or 'null'}) "
        f"although it shut down on {life.shutdown}: remapped or legacy"
    )
