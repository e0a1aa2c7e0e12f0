"""The rules a probe exercises, and where each can differ: derived here, once.

A probe exercises three kinds of rule (:class:`conformance.probes.Rule`):

- its *case*: a hand-written probe is a named case (``n-above-max``), kept once
  per place even where another probe breaks the same rule, because a fault that
  skips exactly that validation is caught on it;
- its *body*: the rules its body breaks, in the words of the fuzz classifier
  (``n: above maximum``), which judges fixed and drawn bodies alike (a drawn
  edit's multipart form: the edits' classifier, ``fuzz/edit_forms.py``);
- its *checks*: each check that judges its answer.

Where a rule can differ is decided from the profile, not by hand: a body rule is
the *family's* when the classifier finds the very same broken rules in the body
sent to every model of that family in the run (``size: 1x1`` is unsupported by
all of them), and the *model's* when one model's documented limits make it a
different case (``n = 11`` is too many for one model and fine for another).
What no model decides is the *vendor's*: authentication, the balance, a body
that is not JSON, an unknown model, and the checks of the error envelope.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conformance.checks import all_checks
from conformance.checks.base import Check
from conformance.edits.multipart import EditForm
from conformance.fuzz.classify import Reason, classify, parse
from conformance.fuzz.edit_forms import FILE_FIELDS, classify_form
from conformance.probes import Probe, Rule, RuleScope
from conformance.profile import ModelSpec, Profile
from conformance.vocabulary import Operation

# Checks of what the gateway answers whatever the model: its error envelope, its keys.
VENDOR_FEATURES = frozenset({"errors", "auth", "balance"})
# Probe kinds whose rules are the vendor's: a key, a balance.
_VENDOR_KINDS = frozenset({"auth", "balance"})


_NARROWEST: tuple[RuleScope, ...] = ("model", "family", "vendor")


def _reasons(body: Any, profile: Profile) -> tuple[Reason, ...] | None:
    """What the classifier finds broken in ``body`` (None: not a refusal it can name)."""
    found = classify(body, profile)
    return found.reasons if found.verdict == "invalid" else None


def _breaks_body(reason: Reason, body: dict[str, Any], profile: Profile) -> bool:
    found = _reasons(body, profile)
    return found is not None and reason in found


def _reason_scope(
    reason: Reason, body: Any, twins: Sequence[ModelSpec], profile: Profile, seen: Seen
) -> RuleScope:
    """The vendor's for the body or the model name; the family's when the same body
    breaks this rule on every model of the family; else the model's. The rule's field
    alone where that still breaks it on the body's own model; the whole body where the
    rule needs another field too (``background: transparent`` with ``output_format: jpeg``)."""
    if reason.param in (None, "model"):
        return "vendor"
    if not isinstance(body, dict):
        return "model"
    param = str(reason.param)
    own = body.get("model")
    whole = any(t.name == own for t in twins) and not _breaks_body(
        reason, _alone(reason, body, str(own)), profile
    )
    # The same field and value recur across drawn cases: each is asked of the classifier once.
    shown = body if whole else body.get(param, _MISSING)
    key = (str(reason), json.dumps(shown, sort_keys=True, default=repr))
    if key not in seen:
        every = all(
            _breaks_body(
                reason,
                {**body, "model": twin.name} if whole else _alone(reason, body, twin.name),
                profile,
            )
            for twin in twins
        )
        seen[key] = "family" if every else "model"
    return seen[key]


_MISSING = "\u0000missing"
# (rule, the field's value) -> its scope, for one family of one plan.
Seen = dict[tuple[str, str], RuleScope]


def _alone(reason: Reason, body: dict[str, Any], model: str) -> dict[str, Any]:
    """The plainest valid request to ``model`` with only ``reason``'s field carried over:
    the rule on its own, whatever else the body holds that another model does not take."""
    alone: dict[str, Any] = {"model": model, "prompt": "a"}
    param = str(reason.param)
    if param in body:
        alone[param] = body[param]
    else:
        alone.pop(param, None)
    return alone


def _signature(probe: Probe) -> tuple[Any, ...]:
    """What a refused probe sends and expects, its model left out."""
    body = {k: v for k, v in (probe.body or {}).items() if k != "model"}
    form = probe.edit.form.images if probe.edit is not None else ()
    return (probe.operation, probe.id, body, probe.raw_body, probe.expect, form)


Twins = Mapping[tuple[str, Operation, str], Probe]


def _twin_scope(probe: Probe, family: Sequence[ModelSpec], twins: Twins) -> RuleScope:
    """A probe the classifier cannot read (an edit's form): the family's when every model
    of the family has the very same probe, else the model's."""
    mine = _signature(probe)
    for spec in family:
        twin = twins.get((spec.name, probe.operation, probe.id))
        if twin is None or _signature(twin) != mine:
            return "model"
    return "family"


def _form_alone(reason: Reason, form: EditForm, model: str) -> EditForm:
    """``form`` sent to ``model`` with only ``reason``'s field and the prompt of its text
    fields (every file kept: an edit's rules are read off its files too)."""
    keep = {str(reason.param), "prompt"}
    if reason.param in FILE_FIELDS:
        keep |= set(FILE_FIELDS)
    fields = tuple((k, v) for k, v in form.fields if k in keep and k != "model")
    return dataclasses.replace(form, fields=(("model", model), *fields))


def _breaks(reason: Reason, form: EditForm, model: ModelSpec, profile: Profile) -> bool:
    found = classify_form(form, model, profile)
    return found.verdict == "invalid" and reason in found.reasons


def _with_model(form: EditForm, model: str) -> EditForm:
    fields = tuple((k, model if k == "model" else v) for k, v in form.fields)
    return dataclasses.replace(form, fields=fields)


def edit_scope(
    reason: Reason, form: EditForm, twins: Sequence[ModelSpec], profile: Profile
) -> RuleScope:
    """As :func:`_reason_scope`, for a drawn edit's form: the family's when the same form,
    sent to each model of the family, breaks this rule there too. The rule's field alone
    where that still breaks it on the form's own model; the whole form where the rule
    needs another field too (``background: transparent`` with ``output_format: jpeg``)."""
    if reason.param in (None, "model"):
        return "vendor"
    own = next((t for t in twins if t.name == form.field("model")), None)
    # (A form to a model not of the run, as a generation's body: its field alone.)
    alone = own is None or _breaks(reason, _form_alone(reason, form, own.name), own, profile)
    for twin in twins:
        sent = _form_alone(reason, form, twin.name) if alone else _with_model(form, twin.name)
        if not _breaks(reason, sent, twin, profile):
            return "model"
    return "family"


def _drawn_edit(
    probe: Probe, profile: Profile, family: Sequence[ModelSpec]
) -> tuple[RuleScope, list[Rule]]:
    """A drawn edit's rules, each scoped like a drawn generation's."""
    spec = profile.models.get(probe.model)
    if probe.edit is None or spec is None:
        return "model", [Rule("body", name, "model") for name in probe.covers]
    form = probe.edit.form
    found = classify_form(form, spec, profile)
    if found.verdict != "invalid":
        return "model", [Rule("body", name, "model") for name in probe.covers]
    rules = [Rule("body", str(r), edit_scope(r, form, family, profile)) for r in found.reasons]
    return min((r.scope for r in rules), key=_NARROWEST.index), rules


def _refusal(
    probe: Probe, profile: Profile, family: Sequence[ModelSpec], twins: Twins, seen: Seen
) -> tuple[RuleScope, list[Rule]]:
    """A refused probe's scope (its narrowest rule's) and the rules its body breaks."""
    if probe.operation == "edits" and probe.origin == "fuzz":
        return _drawn_edit(probe, profile, family)
    parsed = parse(probe.content()) if probe.operation == "generations" else None
    reasons = _reasons(parsed, profile) if probe.operation == "generations" else None
    if reasons is None:
        # A hand-written edit: its form is the same on every model of the family, or not.
        return (_twin_scope(probe, family, twins) if probe.origin == "fixed" else "model"), []
    rules = [Rule("body", str(r), _reason_scope(r, parsed, family, profile, seen)) for r in reasons]
    return min((r.scope for r in rules), key=_NARROWEST.index), rules


def probe_rules(
    probe: Probe,
    profile: Profile,
    family: Sequence[ModelSpec],
    checks: Iterable[Check],
    twins: Twins,
    seen: Seen,
) -> tuple[Rule, ...]:
    """Every rule ``probe`` exercises; ``family``: the run's models of its model's family,
    ``twins``: the plan's probes by (model, operation, id); ``seen``: the family's rules
    scoped so far."""
    scope: RuleScope = "model"
    body: list[Rule] = []
    if probe.kind in _VENDOR_KINDS:
        scope = "vendor"
    elif probe.kind == "invalid":
        scope, body = _refusal(probe, profile, family, twins, seen)
    rules: list[Rule] = []
    if probe.origin == "fixed":
        rules.append(Rule("case", f"{probe.operation} {probe.id}", scope))
    rules += body
    rules += [
        Rule("check", c.id, "vendor" if c.feature in VENDOR_FEATURES else scope)
        for c in checks
        if c.judges(probe)
    ]
    return tuple(dict.fromkeys(rules))


def with_rules(probes: Sequence[Probe], profile: Profile, models: Sequence[str]) -> list[Probe]:
    """The probes, each carrying its rules (``models``: the run's)."""
    checks = all_checks()
    specs = [profile.models[name] for name in models if name in profile.models]
    families = {
        family: [s for s in specs if s.family == family] for family in {s.family for s in specs}
    }
    twins = {(p.model, p.operation, p.id): p for p in probes}
    scoped: dict[str, Seen] = {}
    out = []
    for probe in probes:
        spec = profile.models.get(probe.model)
        family = families.get(spec.family, []) if spec is not None else []
        seen = scoped.setdefault(spec.family if spec is not None else "", {})
        rules = probe_rules(probe, profile, family, checks, twins, seen)
        out.append(dataclasses.replace(probe, rules=rules))
    return out
