"""Probes: a request plus what it must show. Plain data, made by the planner."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from conformance.vocabulary import Family, Operation, View

if TYPE_CHECKING:  # types only: a probe is built from the profile's data
    from conformance.edits.cases import EditCase
    from conformance.profile import ErrorKind, ModelSpec

# auth: a valid request without a (valid) key; invalid: must be refused; valid: a
# billable generation; balance: sent with an empty-balance key; example: an answer
# printed in the vendor's docs, judged without a server; listing: the vendor's
# free GET /v1/models, read first (conformance/lifecycle/).
ProbeKind = Literal["auth", "invalid", "valid", "balance", "example", "listing"]
AuthMode = Literal["key", "none", "wrong", "zero"]
# Where a rule can differ: per model (the profile documents it differently for the
# models of one family), per family (one request schema), or per vendor (auth,
# malformed JSON, unknown models, the error envelope: one gateway answers them all).
RuleScope = Literal["model", "family", "vendor"]

# A key no vendor issues: the "wrong key" probe sends it. It is not a secret.
WRONG_KEY = "sk-conformance-wrong-key-0000000000000000"
# The prompt of every planned request that does not probe the prompt itself.
PROMPT = "A red cube on a white table, soft studio light"


@dataclass(frozen=True)
class Expectation:
    """What a conformant server answers to a probe.

    For refused probes ``statuses`` lists the acceptable codes and ``param`` the
    field the error must name; for valid probes ``n``, ``size`` and
    ``response_format`` are the effective values (documented defaults applied).
    ``family`` is the form the answer is judged by (its model's). A GPT-family
    probe (``family="gpt"``) also has the effective
    ``output_format``, ``background`` and ``quality``; its ``size`` may be
    ``auto`` (the server picks one of the model's sizes). A streaming probe
    (``stream``) expects an event stream of ``partial_images`` partial images
    per image before each completed one; every partial is billed.

    A refusal that breaks several rules (a drawn case) lists every kind it
    breaks in ``error_kinds``: a server may report whichever rule it checks
    first, so each view accepts the statuses of all of them.
    """

    statuses: tuple[int, ...]
    error_kind: str | None = None
    error_kinds: tuple[str, ...] = ()
    param: str | None = None
    code: str | None = None
    n: int | None = None
    size: str | None = None
    response_format: str | None = None
    family: Family = "dalle"
    output_format: str | None = None
    background: str | None = None
    quality: str | None = None
    stream: bool = False
    partial_images: int = 0
    # The safety_identifier a conformant answer echoes (None: nothing to compare).
    safety_identifier: str | None = None
    # GIF output: the frames asked, and the delay each frame must carry (ms, rounded).
    frames: int = 1
    frame_delay_ms: int | None = None
    # SVG output with model selection: the svg.model sent, which svg_usage names.
    svg_model: str | None = None
    # The preview (gif, svg) the request needs: a refusal for lack of access is no failure.
    preview: str | None = None
    # An aspect ratio asked where the docs give no pixel size: the image's ratio is checked.
    ratio: str | None = None
    # A refused probe that a view expects accepted (dalle/promises.py), and why.
    accepted_in: tuple[View, ...] = ()
    accepted_why: str = ""

    @property
    def images(self) -> int:
        """Images a conformant answer bills: each completed one and its partials
        (a GIF's frames each count as one: its billing is not documented)."""
        return (self.n or 0) * (1 + self.partial_images) * max(self.frames, 1)


@dataclass(frozen=True)
class Rule:
    """One class of deviation a probe exercises, and where it can differ (``scope``).

    ``kind`` says how the probe exercises it: ``case`` (the hand-written case
    itself, e.g. ``n-above-max``), ``body`` (a rule its body breaks, in the
    classifier's words, e.g. ``n: above maximum``), ``check`` (a check that judges
    its answer). Derived in one place, :mod:`conformance.depth.rules`.
    """

    kind: Literal["case", "body", "check"]
    name: str
    scope: RuleScope

    def __str__(self) -> str:
        return f"{self.kind} {self.name} (per {self.scope})"


@dataclass(frozen=True)
class Probe:
    id: str
    model: str
    title: str
    kind: ProbeKind
    expect: Expectation
    # The endpoint it is sent to; each stage dispatches on it in one place.
    operation: Operation = "generations"
    body: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    auth: AuthMode = "key"
    potential_images: int = 1
    covers: tuple[str, ...] = ()
    origin: Literal["fixed", "fuzz", "docs"] = "fixed"
    headers: Mapping[str, str] = field(default_factory=dict)
    # For kind "example": the answer the vendor's docs print, and where.
    answer: Mapping[str, Any] | None = None
    source: str | None = None
    # For operation "edits": the inputs, mask and expectations the body was built from.
    edit: EditCase | None = None
    # What it can find (see Rule); filled by the planner for every probe of a plan.
    rules: tuple[Rule, ...] = ()
    # Fields sent under the vendor's name (n -> num_images), or left out (None):
    # the body keeps OpenAI's names, which every other stage reads.
    wire_names: Mapping[str, str | None] = field(default_factory=dict)
    # What the probe's rule rests on that the docs do not give (an assumed range).
    assumed: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Unique within a plan: the same probe id runs once per model."""
        return f"{self.model}/{self.id}"

    @property
    def sent(self) -> bool:
        """Whether the run sends it (doc examples are judged without a server)."""
        return self.kind != "example"

    @property
    def billable(self) -> bool:
        """Whether a conformant server bills it (a valid generation)."""
        return self.kind == "valid"

    def content(self) -> bytes:
        """The request body as it is sent: the raw bytes, else the JSON body. An
        edit's multipart body is encoded by the transport (``transport/bodies.py``)."""
        if self.raw_body is not None:
            return _renamed_raw(self.raw_body, self.wire_names)
        return json.dumps(_renamed(self.body, self.wire_names), ensure_ascii=False).encode()


def _renamed(body: Any, names: Mapping[str, str | None]) -> Any:
    """``body`` with each field under its wire name (None: left out)."""
    if not names or not isinstance(body, Mapping):
        return body
    out: dict[str, Any] = {}
    for key, value in body.items():
        wire = names.get(key, key)
        if wire is not None:
            out[wire] = value
    return out


def _renamed_raw(raw: bytes, names: Mapping[str, str | None]) -> bytes:
    """A drawn body's bytes, renamed where they are a JSON object (else as drawn)."""
    if not names:
        return raw
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(body, dict) or not set(names) & set(body):
        return raw
    return json.dumps(_renamed(body, names), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Row:
    """One request of a model's covering set, in any family: what it sends and shows."""

    body: dict[str, Any]
    expect: Expectation
    covers: tuple[str, ...]

    @property
    def n(self) -> int:
        return self.expect.n or 1


def valid_probe(model: ModelSpec, probe_id: str, row: Row) -> Probe:
    """A billable probe of the covering set: the one builder of every family's."""
    verb = "stream " if row.expect.stream else "generate "
    return Probe(
        id=probe_id,
        model=model.name,
        title=verb + ", ".join(row.covers),
        kind="valid",
        body=row.body,
        expect=row.expect,
        potential_images=row.expect.images,
        covers=row.covers,
    )


def refused_probe(
    model: ModelSpec,
    base: Mapping[str, Any],
    probe_id: str,
    title: str,
    change: Mapping[str, Any],
    param: str | None,
    *,
    error: ErrorKind,
    kind: str,
    code: str | None = None,
    drop: str | None = None,
    preview: str | None = None,
) -> Probe:
    """A request a conformant server refuses: ``base`` with one thing changed.

    ``error`` is the documented refusal of ``kind``; ``code`` the one to expect
    when the docs give none; ``preview`` the preview (gif, svg) the request needs.
    The one builder of every family's refused probes.
    """
    body = {k: v for k, v in base.items() if k != drop}
    body.update(change)
    return Probe(
        id=probe_id,
        model=model.name,
        title=title,
        kind="invalid",
        body=body,
        expect=Expectation(
            statuses=error.status,
            error_kind=kind,
            param=param,
            code=error.code or code,
            family=model.family,
            preview=preview,
        ),
        potential_images=potential_images(body),
    )


def potential_images(body: Mapping[str, Any] | None) -> int:
    """Images a server that accepted this body as-is could bill.

    Used to reserve budget before sending anything that could be billed: a
    server that wrongly accepts an invalid ``n`` may generate that many, and a
    streaming request (``stream: true``) bills each of its ``partial_images``
    too, per image.
    """
    body = body or {}
    value: Any = body.get("partial_images")
    streaming = body.get("stream") is True
    partials = value if streaming and isinstance(value, int) and not isinstance(value, bool) else 0
    return _images_asked(body) * (1 + max(partials, 0)) * _frames_asked(body)


# frame_count's documented default, and the most a conformant server draws.
GIF_DEFAULT_FRAMES = 9
_GIF_MAX_FRAMES = 16


def _frames_asked(body: Mapping[str, Any]) -> int:
    """A GIF bills each of its frames, as far as the budget is concerned."""
    if body.get("output_format") != "gif":
        return 1
    frames: Any = body.get("frame_count")
    if isinstance(frames, bool) or not isinstance(frames, int):
        return GIF_DEFAULT_FRAMES
    return min(max(frames, 1), _GIF_MAX_FRAMES)


def _images_asked(body: Mapping[str, Any]) -> int:
    n: Any = body.get("n")
    if isinstance(n, str):
        try:
            n = int(n.strip())
        except ValueError:
            n = None
    if isinstance(n, bool) or not isinstance(n, int):
        return 1
    return max(n, 1)
