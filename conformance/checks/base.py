"""The check registry: small functions over one recorded exchange.

A check has a stable id (``feature.name``), a title, a feature, a severity
(must: breaks a drop-in OpenAI client; should: deviates from the contract, clients
usually cope; may: advisory), the probes it applies to (its operations, and a
predicate over the probe), and a function that
judges one exchange under one view's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin, urlsplit

from conformance.exchange import Answer, Exchange, RecordedResponse, header
from conformance.probes import Probe, ProbeKind
from conformance.profile import BASELINES, LEGACY, ModelSpec, Profile
from conformance.profile.errors_shape import OPENAI_ENVELOPE, Envelope
from conformance.profile.shape import OPENAI_SHAPE, AnswerShape
from conformance.sse import EVENT_TYPES
from conformance.vocabulary import CheckOutcome, Family, Operation, Severity, View


@dataclass(frozen=True)
class Result:
    outcome: CheckOutcome
    message: str = ""


def passed(message: str = "") -> Result:
    return Result("passed", message)


def failed(message: str) -> Result:
    return Result("failed", message)


def skipped(message: str) -> Result:
    return Result("skipped", message)


def errored(message: str) -> Result:
    return Result("error", message)


@dataclass
class Context:
    """What a check sees: one probe, its exchange, and the rules of one view."""

    probe: Probe
    exchange: Exchange
    profile: Profile
    view: View
    # What each need found in this answer, looked for once.
    _found: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def found(self, need: Need[T]) -> T | Result:
        """What ``need`` finds in the answer, or why it is not there; looked for once."""
        if need.name not in self._found:
            self._found[need.name] = need.find(self)
        found: T | Result = self._found[need.name]
        return found

    @property
    def model(self) -> ModelSpec | None:
        return self.profile.models.get(self.probe.model)

    @property
    def response(self) -> RecordedResponse:
        assert self.exchange.response is not None, "judge only runs checks on answers"
        return self.exchange.response

    @property
    def status(self) -> int:
        return self.response.status

    @cached_property
    def payload(self) -> Any:
        return self.response.json_or_none()

    @property
    def answer(self) -> Answer:
        """The answer's one decoded view, shared by every check that reads it."""
        return self.response.answer

    @property
    def event_types(self) -> tuple[str, str]:
        """The partial and completed event types of the probe's operation's stream
        (an edit streams ``image_edit.*``)."""
        return EVENT_TYPES[self.probe.operation]

    @property
    def completed(self) -> dict[str, Any] | None:
        """The stream as a client reads it, from its completed events of the probe's
        operation, shaped like a JSON answer (None: no completed image)."""
        return self.answer.completed_by(self.event_types[1])

    @property
    def openai_rules(self) -> bool:
        """Whether this view judges by OpenAI's own contract (drop-in, or OpenAI itself)."""
        return self.view == "drop-in" or self.profile.name in (*BASELINES.values(), LEGACY)

    @property
    def shape(self) -> AnswerShape:
        """The success answer's shape in this view: the vendor's (docs), OpenAI's (drop-in)."""
        return OPENAI_SHAPE if self.view == "drop-in" else self.profile.shape

    @property
    def envelope(self) -> Envelope:
        """The refusal's envelope in this view: the vendor's (docs), OpenAI's (drop-in)."""
        return OPENAI_ENVELOPE if self.view == "drop-in" else self.profile.envelope

    def expected_error(self) -> tuple[tuple[int, ...], str | None]:
        """Statuses (and code) this view's rules document for the probe's refusal.

        The docs view reads the vendor's profile, the drop-in view OpenAI's; the
        probe's own expectation (from the plan) is the fallback. A refusal that
        breaks several rules accepts the statuses of every one of them (a kind
        this view does not document counts as an invalid request), and has a
        code only when they all share it.
        """
        expect = self.probe.expect
        errors = self.profile.errors
        if expect.error_kinds:
            found = [errors.get(k) or errors.get("invalid_request") for k in expect.error_kinds]
        else:
            found = [errors.get(expect.error_kind)] if expect.error_kind else []
        documented = [e for e in found if e is not None]
        if not documented:
            return expect.statuses, expect.code
        statuses = tuple(dict.fromkeys(s for e in documented for s in e.status))
        codes = {e.code for e in documented}
        return statuses, codes.pop() if len(codes) == 1 else None

    def items(self) -> list[Any] | None:
        payload, key = self.payload, self.shape.list_key
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            return list(payload[key])
        return None


CheckFn = Callable[[Context], Result]
Applies = Callable[[Probe], bool]
T = TypeVar("T")


@dataclass(frozen=True)
class Need(Generic[T]):
    """What a check needs of an answer before it can judge it: for example the
    ``data`` items of a 2xx JSON answer, a stream's events, or its decoded images.

    ``find`` returns it, or the Result that says why there is none; the registry
    returns that Result for every check that declares the need, so no check
    guards by hand. A check reads what was found with :meth:`of`.
    """

    name: str
    find: Callable[[Context], T | Result]

    def of(self, ctx: Context) -> T:
        found = ctx.found(self)
        if isinstance(found, Result):
            raise AssertionError(f"{self.name}: read by a check that did not declare it")
        return found


def _guarded(fn: CheckFn, needs: tuple[Need[Any], ...]) -> CheckFn:
    """``fn``, run only once every need is met; otherwise the first unmet need's Result."""
    if not needs:
        return fn

    def run(ctx: Context) -> Result:
        for need in needs:
            found = ctx.found(need)
            if isinstance(found, Result):
                return found
        return fn(ctx)

    return run


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    feature: str
    severity: Severity
    applies: Applies
    run: CheckFn
    # The function's docstring: why the rule matters (the report shows it beside a failure).
    doc: str = ""
    # The endpoints whose probes it judges.
    operations: frozenset[Operation] = frozenset({"generations"})

    def judges(self, probe: Probe) -> bool:
        """Whether it judges ``probe``: the one test of operation and applicability."""
        return probe.operation in self.operations and self.applies(probe)


REGISTRY: dict[str, Check] = {}
# For a check of what an edit's answer shares with a generation's (its status,
# schema, images, echo, usage, stream framing, or a refusal's envelope).
EDITS_TOO: frozenset[Operation] = frozenset({"generations", "edits"})
# For a check of what only an edit can get wrong.
EDITS_ONLY: frozenset[Operation] = frozenset({"edits"})


def check(
    id: str,
    *,
    title: str,
    severity: Severity,
    applies: Applies,
    operations: frozenset[Operation] = frozenset({"generations"}),
    needs: tuple[Need[Any], ...] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register a check; its feature is the part of the id before the dot.

    ``operations``: the endpoints whose probes it judges (generations unless said).
    ``needs``: what it needs of an answer, looked for in order; the first one
    missing is the check's result (a skip, usually, naming the check that judges it).
    """

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        REGISTRY[id] = Check(
            id=id,
            title=title,
            feature=id.split(".")[0],
            severity=severity,
            applies=applies,
            run=_guarded(fn, needs),
            doc=(fn.__doc__ or "").strip(),
            operations=operations,
        )
        return fn

    return register


def kind_is(*kinds: str) -> Applies:
    return lambda probe: probe.kind in kinds


def answer_of(family: Family, *kinds: ProbeKind) -> Applies:
    """Probes of ``kinds`` whose answer is judged in ``family``'s form: the one family test."""
    return lambda probe: probe.kind in kinds and probe.expect.family == family


def not_a_success(ctx: Context) -> Result | None:
    """Why a check of successful answers has nothing to judge, or None."""
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    return None


def answer_items(ctx: Context) -> list[Any] | Result:
    """The ``data`` items of a 2xx JSON answer, or why there are none to judge."""
    refused = not_a_success(ctx)
    if refused is not None:
        return refused
    items = ctx.items()
    if items is None:
        return skipped("no data array in the answer (judged by generation.schema)")
    return items


# A 2xx JSON answer with a ``data`` array: its items.
ITEMS: Need[list[Any]] = Need("data items", answer_items)


def describe_status(response: RecordedResponse) -> str:
    return f"HTTP {response.status} ({response.content_type or 'no content type'})"


def redirect_note(ctx: Context) -> str:
    """For a 3xx answer: where it pointed, and that it was not followed."""
    response = ctx.response
    location = header(response.headers, "location")
    if not 300 <= response.status < 400 or not location:
        return ""
    sent_to = urlsplit(ctx.exchange.request.url)
    target = urljoin(ctx.exchange.request.url, location)
    where = "the same host" if urlsplit(target).netloc == sent_to.netloc else "another host"
    return (
        f"; a redirect to {where} ({target[:120]}), not followed: the API is judged at "
        "the configured URL and the key never leaves its origin"
    )


def error_text(response: RecordedResponse, limit: int = 160) -> str:
    """The error message a server gave, for quoting in a verdict."""
    payload = response.json_or_none()
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])[:limit]
        if isinstance(payload.get("message"), str):
            return str(payload["message"])[:limit]
        detail = payload.get("detail")  # FastAPI's {"detail": "..." | [{"msg": ...}]}
        if isinstance(detail, str):
            return detail[:limit]
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            return str(detail[0].get("msg", ""))[:limit]
    return response.body[:limit].decode("utf-8", "replace")
