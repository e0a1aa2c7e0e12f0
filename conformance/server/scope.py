"""Where a fault applies: whether a run sends anything the fault changes.

A fault breaks one rule in the answers of one model family (``Fault.family``)
and changes nothing unless the run sends what it needs (``Fault.needs``): a
DALL·E fault on a run of GPT image models, or ``stream-done`` on models that
do not stream, would let every check pass and look like proof of conformance.
So a run whose plan gives a fault nothing to change is refused, in one line
that says where the fault does apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from conformance.errors import ConfigError
from conformance.fuzz.probes import FuzzSettings
from conformance.params.vendor import VENDOR_RULES
from conformance.plan import Plan, build_plan
from conformance.probes import Probe
from conformance.profile import ModelSpec, Profile
from conformance.server.faults import FAULTS, Fault, Need
from conformance.server.gpt_contract import coerce


def _family(model: ModelSpec) -> str:
    return "gpt" if model.gpt is not None else "dalle"


def _ours(fault: Fault, model: ModelSpec) -> bool:
    return fault.family == "any" or fault.family == _family(model)


def _auto(probe: Probe, model: ModelSpec, size_only: bool) -> bool:
    if model.gpt is None or probe.body is None:
        return False
    drawn = coerce(probe.body, model)
    return drawn.size_auto or (not size_only and (drawn.quality_auto or drawn.background_auto))


def _valid_shows(need: Need, probe: Probe, model: ModelSpec, profile: Profile) -> bool:
    """Whether a valid probe sends what ``need`` asks for."""
    expect, body = probe.expect, probe.body or {}
    shows = {
        Need.VALID: True,
        Need.JSON_ANSWER: not expect.stream,
        Need.N_ABOVE_ONE: (expect.n or 1) > 1,
        Need.QUALITY_HD: body.get("quality") == "hd",
        Need.URL: expect.response_format == "url",
        Need.B64: expect.response_format == "b64_json",
        Need.ABSENT_KEYS: not profile.null_fields,
        Need.USAGE_DOCUMENTED: profile.usage != "none",
        Need.TRANSPARENT: expect.background == "transparent",
        Need.NOT_PNG: expect.output_format in ("jpeg", "webp"),
        Need.STREAM: expect.stream,
        Need.STREAM_ASKED: expect.stream,
        Need.PARTIALS: expect.stream and expect.partial_images > 0,
        Need.QUALITY_ABOVE_HIGH: body.get("quality") in ("xhigh", "max"),
        Need.GIF: expect.output_format == "gif",
        Need.SVG: expect.output_format == "svg",
        Need.SHAPED: not profile.shape.is_openai,
        Need.ASPECT_RATIO: model.dimensions.kind == "aspect_ratio",
        Need.RENAMED_N: (expect.n or 1) > 1 and model.count.param not in (None, "n"),
        Need.SHAPE_FIELDS: bool(profile.shape.fields or profile.shape.item_fields),
        Need.USAGE_SHAPED: (profile.gpt_usage if model.gpt else profile.usage)
        not in ("none", "openai"),
    }
    if need in (Need.AUTO, Need.SIZE_AUTO):
        return _auto(probe, model, size_only=need is Need.SIZE_AUTO)
    return shows.get(need, False)


def _edit_shows(need: Need, probe: Probe) -> bool:
    """Whether an edit probe sends what ``need`` asks for (its case says what it sends)."""
    case = probe.edit
    if case is None:
        return False
    if not case.billable:
        if need is Need.EDIT_N_ABOVE_MAX:
            return "n: above maximum" in probe.covers
        return need is Need.EDIT_MIMETYPE and probe.id == "edit-octet-stream"
    shows = {
        Need.EDIT: True,
        Need.EDIT_IMAGES: case.images_sent > 1,
        Need.EDIT_MASK: case.mask,
        Need.EDIT_N_ABOVE_ONE: case.n > 1,
        Need.EDIT_SIZE: case.expected_size not in (None, "1024x1024"),
        Need.EDIT_STREAM: case.stream,
    }
    return shows.get(need, False)


def _shows(fault: Fault, probe: Probe, profile: Profile) -> bool:
    model = profile.models[probe.model]
    # A fault changes the answers of its own operation only (app.py routes each apart).
    if probe.operation != fault.operation or not _ours(fault, model):
        return False
    need = fault.needs
    if probe.operation == "edits":
        return _edit_shows(need, probe)
    if probe.kind == "valid":
        return _valid_shows(need, probe, model, profile)
    if probe.kind == "invalid":
        return (
            need is Need.REFUSED
            or (need is Need.NOT_REFUSED and bool(probe.expect.accepted_in))
            or (need is Need.ENVELOPE and profile.envelope != "openai")
            or (need is Need.RULE and exercises_rule(probe.id, fault.rule))
            or (need is Need.STREAM_ASKED and probe.id == "stream-unsupported")
        )
    if probe.kind == "auth":
        # Every refusal goes out in the error envelope, the key's ones too.
        missing_key = profile.errors.get("missing_key") != profile.errors.get("unauthorized")
        return (
            need is Need.REFUSED
            or (need is Need.ENVELOPE and profile.envelope != "openai")
            or (need is Need.MISSING_KEY and probe.auth == "none" and missing_key)
            or (need is Need.AUTH_REQUIRED if probe.auth == "none" else need is Need.WRONG_KEY)
        )
    if probe.kind == "listing":
        dated = any(m.lifecycle and m.lifecycle.shutdown for m in profile.models.values())
        return need is Need.LISTING or (need is Need.LISTING_SHUTDOWN and dated)
    if probe.kind == "balance":
        return need in (Need.REFUSED, Need.ZERO_BALANCE)
    return False


def exercises_rule(probe_id: str, rule: str | None) -> bool:
    """Whether a refused probe tests ``rule``: its id is the rule's, or for a vendor
    parameter's rule the rule's and the parameter's (``vendor-value-output_format``)."""
    if rule is None:
        return False
    return probe_id == rule or (rule in VENDOR_RULES and probe_id.startswith(f"{rule}-"))


def run_plan(
    profile: Profile, models: Sequence[str] = (), fuzz: FuzzSettings | None = None
) -> Plan:
    """The probes a run against the reference server sends (it has an empty-balance
    key): the fixed ones, and the property-based ones drawn with ``fuzz``."""
    return build_plan(profile, models or None, zero_balance=True, fuzz=fuzz)


def why_not(fault: Fault, plan: Plan) -> str | None:
    """Why ``fault`` changes no answer of ``plan``, or None when it applies."""
    profile = plan.profile
    if any(probe.sent and _shows(fault, probe, profile) for probe in plan.probes):
        return None
    models = [profile.models[name] for name in plan.models]
    if not any(_ours(fault, model) for model in models):
        family = "DALL·E-format" if fault.family == "dalle" else "GPT image"
        have = ", ".join(f"{m.name} ({_family(m)})" for m in models)
        return f"it changes {family} answers, and this run's models are {have}"
    if fault.needs is Need.AUTH_REQUIRED:
        return f"profile {profile.name} requires no key"
    return f"it needs {fault.needs.value}, and this run sends none"


def _where(fault: Fault) -> str:
    where = f"--profile {fault.profile}"
    if fault.models:
        where += f" --models {','.join(fault.models)}"
    return where


def refuse_inapplicable(
    names: Iterable[str],
    profile: Profile,
    models: Sequence[str],
    fuzz: FuzzSettings | None = None,
) -> None:
    """One line (a ConfigError) for the first named fault this run gives nothing to change.

    The fixed plan is tried first; only a fault it leaves untouched costs drawing
    the property-based probes (``fuzz``: the run's settings, None when it sends none).
    """
    plan: Plan | None = None
    drawn: Plan | None = None
    for name in names:
        fault = FAULTS[name]
        plan = plan or run_plan(profile, models)
        reason = why_not(fault, plan)
        if reason is not None and fuzz is not None:
            drawn = drawn or run_plan(profile, models, fuzz)
            reason = why_not(fault, drawn)
        if reason is None:
            continue
        twin = f"; for the other family: --fault {fault.twin}" if fault.twin else ""
        raise ConfigError(
            f"--fault {name} cannot apply to this run of profile {profile.name}: {reason} "
            f"(it applies with {_where(fault)}{twin})"
        )
