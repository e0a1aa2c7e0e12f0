"""``--plan``: what a run would send, what it could cost, and which request covers what."""

from __future__ import annotations

import json
from collections import Counter

from conformance.depth.walltime import WallTime, estimate
from conformance.fuzz.probes import shown
from conformance.gpt.pricing import price_range
from conformance.plan import Plan, probe_price, requests_sent
from conformance.probes import Probe
from conformance.transport.ratelimit import Rate, parse_rate


def _price(plan: Plan, probe: Probe, images: int) -> str:
    price = probe_price(plan.profile.models[probe.model], probe, images)
    return f"${price:.3f}" if price is not None else "price unknown"


def _images(probe: Probe) -> str:
    """What a billable probe bills: its images, and a stream's partial images (each billed)."""
    n = probe.expect.n or 1
    inputs = f", {probe.edit.images_sent} in" if probe.edit is not None else ""
    if probe.expect.frames > 1:
        # A GIF's billing is not documented: each frame is counted as an image.
        return f"{n} GIF of {probe.expect.frames} frames{inputs}"
    if not probe.expect.partial_images:
        return f"{n} image(s){inputs}"
    return f"{n} image(s) + {n * probe.expect.partial_images} partial(s){inputs}"


def _refusal(plan: Plan, probe: Probe) -> str:
    """One refused probe: free on a conformant server; what it bills if wrongly accepted."""
    statuses = "/".join(str(s) for s in probe.expect.statuses)
    param = f"param {probe.expect.param}" if probe.expect.param else "no single param"
    cost = f"$0 ({_price(plan, probe, probe.potential_images)} if accepted)"
    line = f"    {probe.id:<30} {statuses:<8} {param:<26} {cost:<26} {probe.title}"
    if probe.expect.accepted_in:
        # Refused in OpenAI's terms, served in the vendor's: say so, or the plan contradicts
        # the docs view's verdict.
        views = " and ".join(probe.expect.accepted_in)
        line += f" [the {views} view expects it served: {probe.expect.accepted_why}]"
    if probe.origin == "fuzz":
        line += f"  {json.dumps(shown(probe.content()), ensure_ascii=False)}"
    return line


def wall_time(plan: Plan, rate: Rate | None, concurrency: int) -> WallTime:
    """The plan's estimated wall time at this rate limit and concurrency."""
    return estimate(plan.probes, rate, concurrency, plan.profile.generation_seconds)


def time_lines(plan: Plan, rate: Rate | None, concurrency: int | None) -> list[str]:
    """The depth, and the estimated wall time at the run's rate limit and concurrency
    (and at the profile's own, when the run's differ: the embedded server has none)."""
    profile = plan.profile
    full = plan.full_requests
    sent = requests_sent(plan.probes)
    depth = (
        f"depth {plan.depth}: {sent} of the full plan's {full} request(s), every rule "
        "exercised once per place it can differ (--depth full sends all)"
        if plan.depth != "full"
        else f"depth full: every planned probe, {sent} request(s) (--depth short: the fewest)"
    )
    at = concurrency if concurrency is not None else profile.concurrency
    lines = [depth, f"this run: {wall_time(plan, rate, at).text()}"]
    documented = parse_rate(profile.rate_limit, f"profile {profile.name}: limits.rate_limit")
    if (rate, at) != (documented, profile.concurrency):
        vendor = wall_time(plan, documented, profile.concurrency)
        lines.append(f"at the profile's limits (a vendor run): {vendor.text()}")
    return lines


def plan_text(
    plan: Plan, *, budget: int, rate: Rate | None = None, concurrency: int | None = None
) -> str:
    """A plain-text listing of every probe of the plan; nothing is sent. ``rate`` and
    ``concurrency``: the run's (None: no rate limit; the profile's concurrency)."""
    profile = plan.profile
    billable = plan.billable
    images = plan.expected_images()
    # Docs examples are judged from the docs alone: never sent, never billed.
    sent = [p for p in plan.probes if p.sent]
    examples = len(plan.probes) - len(sent)
    # Images a server that accepted every refused request would bill on top.
    at_risk = sum(p.potential_images for p in sent if not p.billable)
    kinds = Counter((p.kind, p.origin) for p in sent if not p.billable)
    # The model list is one request, whose answer each model's listing probe judges.
    listings = kinds.pop(("listing", "fixed"), 0)
    free = ", ".join(
        [*(["1 GET /v1/models (lifecycle)"] if listings else [])]
        + [
            f"{n} {origin} {'auth' if kind == 'auth' else 'refused'}"
            for (kind, origin), n in sorted(kinds.items())
        ]
    )
    requests = len(sent) - max(listings - 1, 0)
    seed = f"seed {plan.fuzz.seed}" if plan.fuzz else "no property-based probes"
    lines = [
        f"imagegen-conformance plan: profile {profile.name}, models {', '.join(plan.models)}, "
        f"{seed}, budget {budget} billable image(s)",
        f"billable: {len(billable)} request(s) for {images} image(s) (partial images "
        "of streams included), estimated "
        f"${plan.estimated_cost():.2f} at the profile's prices"
        + (" — over the budget: the last ones will be skipped" if images > budget else ""),
        f"free: {free or 'none'} — {requests} request(s) in all"
        + (f"; {examples} docs example(s) judged without sending" if examples else ""),
        f"worst case: a server that wrongly accepted every refused request could bill up to "
        f"{at_risk} more image(s); the budget stops billing at {budget}",
        *time_lines(plan, rate, concurrency),
    ]
    for model in plan.models:
        spec = profile.models[model]
        probes = [p for p in plan.probes if p.model == model]
        price = (
            f"${spec.price_per_image:.2f} per image"
            if spec.price_per_image is not None
            else "no price"
        )
        if (span := price_range(spec)) is not None:
            price = f"${span[0]:.3f}-${span[1]:.3f} per image by quality and size"
        lines += ["", f"{model} ({price})", "  billable, and what each request covers:"]
        for p in (p for p in probes if p.billable):
            n = p.expect.images or 1
            covers = ", ".join(p.covers)
            lines.append(f"    {p.id:<40} {_images(p):<26} {_price(plan, p, n):>7}  {covers}")
        refused = [p for p in probes if not p.billable and p.sent]
        if refused:
            lines.append("  free (a conformant server refuses them; cost if one were accepted):")
            lines += [_refusal(plan, p) for p in refused]
        printed = [p for p in probes if not p.sent]
        if printed:
            lines.append("  docs examples (answers printed in the docs, judged without a request):")
            lines += [f"    {p.id:<30} {p.title}" for p in printed]
    return "\n".join(lines) + "\n"
