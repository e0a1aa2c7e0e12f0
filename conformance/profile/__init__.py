"""Provider profiles: what a vendor documents, as plain typed data.

A profile is YAML validated by ``schemas/profile.schema.json`` (unknown keys are
errors, so a typo cannot silently drop a rule) and then by the cross-field rules
below. Everything downstream (planning, the reference server, the checks) reads
the resulting :class:`Profile`, never the YAML.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import jsonschema
import yaml

from conformance.edits.capabilities import EditSpec, edit_problems, parse_edits
from conformance.edits.inputs import InputImageError
from conformance.errors import ConfigError
from conformance.params.dimensions import SIZE, Dimensions
from conformance.params.lifecycle import Lifecycle, lifecycle_problems, parse_lifecycle
from conformance.params.pairs import PAIR_RULES, rule_problems, unknown_rules
from conformance.params.spec import GptSpec, param_problems, parse_gpt
from conformance.params.unit_price import UnitPrice, dearest, parse_unit_price, unit_price_problems
from conformance.params.vendor import VendorParam
from conformance.profile.counts import ONE, Count, parse_count
from conformance.profile.dalle_form import parse_dalle_form
from conformance.profile.deployments import Deployment, deployment_problems
from conformance.profile.endpoint import (
    Host,
    QueryParam,
    TemplateVar,
    default_base_url,
    host_problems,
    template_problems,
)
from conformance.profile.errors_shape import Envelope, error_kinds, parse_envelope
from conformance.profile.problems import combined, schema_problems, yaml_problem
from conformance.profile.shape import OPENAI_SHAPE, AnswerShape, parse_response_shape
from conformance.resources import bundled_profiles, profile_schema_path
from conformance.vocabulary import Family, Severity, View


@dataclass(frozen=True)
class ModelSpec:
    name: str
    sizes: tuple[str, ...]
    default_size: str | None
    n_min: int
    n_max: int
    # None: the docs give no limit, so no probe claims a prompt is too long.
    prompt_max_chars: int | None
    qualities: tuple[str, ...]
    default_quality: str | None
    styles: tuple[str, ...]
    default_style: str | None
    response_formats: tuple[str, ...]
    default_response_format: str
    revised_prompt: bool
    user: bool
    price_per_image: float | None
    # False when the docs only give example sizes: no probe calls another size invalid.
    sizes_exhaustive: bool = True
    # The GPT image form's parameters (a profile's ``family: gpt``); None for the
    # DALL·E form, which is also what any other family is judged as.
    gpt: GptSpec | None = None
    # The vendor's dates for this model (released, shutdown), with their source.
    lifecycle: Lifecycle | None = None
    # What the model's edits take (None: not declared, so edits are not probed).
    edits: EditSpec | None = None
    # DALL·E form: how it takes its dimensions (OpenAI's size list unless said),
    # and the vendor's own parameters (params/dimensions.py, params/vendor.py).
    dimensions: Dimensions = SIZE
    vendor_params: Mapping[str, VendorParam] = field(default_factory=dict)

    def free_form(self, name: str) -> bool:
        """Whether the docs call this field free-form (any string, so no value refused)."""
        spec = self.vendor_params.get(name)
        return spec is not None and spec.free_form

    def documents(self, name: str) -> bool:
        """Whether the docs mention this DALL·E-form field at all."""
        lists = {
            "quality": self.qualities,
            "style": self.styles,
            "response_format": self.response_formats,
        }
        return bool(lists.get(name)) or name in self.vendor_params

    # n as the vendor documents it: its wire name (None: no such parameter), and
    # whether its range is assumed (profile/counts.py).
    count: Count = ONE
    # A price per megapixel or per token (``price:``), estimated per request.
    unit_price: UnitPrice | None = None

    @property
    def family(self) -> Family:
        """The form this model is judged by, derived from its spec: the one test of it."""
        return "gpt" if self.gpt is not None else "dalle"


@dataclass(frozen=True)
class AuthSpec:
    header: str
    scheme: str
    key_env: str
    required: bool

    def value(self, key: str) -> str:
        return f"{self.scheme} {key}" if self.scheme else key


@dataclass(frozen=True)
class ErrorKind:
    status: tuple[int, ...]
    code: str | None = None


@dataclass(frozen=True)
class Deviation:
    check: str
    reason: str
    model: str | None = None
    # Which view the deviation is known in: one of them, or both.
    view: View | Literal["both"] = "drop-in"
    severity: Severity | None = None
    source: str | None = None

    def matches(self, check_id: str, probe_id: str, model: str | None, view: View) -> bool:
        if self.view not in (view, "both"):
            return False
        if self.model is not None and self.model != model:
            return False
        return self.check in (check_id, f"{check_id}[{probe_id}]")


@dataclass(frozen=True)
class Fact:
    fact: str
    source: str
    resolution: str | None = None


@dataclass(frozen=True)
class DocExample:
    name: str
    source: str
    request: Mapping[str, Any]
    response: Mapping[str, Any]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    path: Path
    sha256: str
    sources: tuple[str, ...]
    base_url: str | None
    auth: AuthSpec
    headers: Mapping[str, str]
    default_model: str
    models: Mapping[str, ModelSpec]
    errors: Mapping[str, ErrorKind]
    status_codes: Mapping[int, str]
    usage: str
    null_fields: bool
    # The docs promise the openai SDK's strict types: strict mode is judged in the docs view.
    strict_types: bool
    budget: int
    concurrency: int
    rate_limit: str
    facts: tuple[Fact, ...] = ()
    examples: tuple[DocExample, ...] = ()
    deviations: tuple[Deviation, ...] = field(default=())
    # A base_url template's {name} parts, and the query every request carries.
    base_url_vars: Mapping[str, TemplateVar] = field(default_factory=dict)
    query: Mapping[str, QueryParam] = field(default_factory=dict)
    # Every documented host (base_url, else the first, is the default: --host picks).
    hosts: tuple[Host, ...] = ()
    # Models reached through a deployment name of the customer's (Azure).
    deployments: Mapping[str, Deployment] = field(default_factory=dict)
    # The vendor serves GET /v1/models (with shutdown_date): read first, free.
    list_models: bool = False
    # A contract as it was on this day (a baseline of retired models): its
    # models' lifecycle is judged as of then, not the run's date.
    as_of: str | None = None
    # The previews (gif, svg) the key has access to: only these are planned.
    preview_access: frozenset[str] = frozenset()
    # How the vendor treats a field its docs do not mention: refuses it (what the
    # suite assumed before the key existed) or ignores it (params/promises.py).
    unknown_fields: Literal["refused", "ignored"] = "refused"
    # Seconds one generation takes, as the vendor documents it (None: not documented):
    # the time --plan estimates (conformance/depth/walltime.py).
    generation_seconds: float | None = None
    # The success answer as documented (response.shape), the GPT form's usage
    # shape (response.usage where given, else OpenAI's), and the error envelope.
    shape: AnswerShape = OPENAI_SHAPE
    gpt_usage: str = "openai"
    envelope: Envelope = "openai"

    def model(self, name: str) -> ModelSpec:
        return self.models[name]

    def snapshot_of(self, name: str) -> ModelSpec | None:
        """The model a dated snapshot id is served as, or None."""
        for model in self.models.values():
            if model.gpt is not None and name in model.gpt.snapshots:
                return model
        return None

    def error(self, kind: str) -> ErrorKind | None:
        return self.errors.get(kind)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(profile_schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _stringify_keys(value: Any) -> Any:
    # YAML reads `200: OK` with an integer key and `2026-12-01` as a date; JSON
    # Schema speaks only strings.
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _with_lifecycle(spec: ModelSpec, raw: Mapping[str, Any], where: str) -> ModelSpec:
    life = parse_lifecycle(raw.get("lifecycle"))
    if life is None:
        return spec
    problems = lifecycle_problems(life)
    if problems:
        raise ConfigError(f"profile {where}: models.{spec.name}.{problems[0]}")
    return replace(spec, lifecycle=life)


def _with_price(spec: ModelSpec, raw: Mapping[str, Any], where: str) -> ModelSpec:
    """A price per megapixel or per token; the dearest listed image is its price_per_image
    unless the profile gives one (the figure a plan's per-image lines show)."""
    price = parse_unit_price(raw.get("price"))
    if price is None:
        return spec
    problems = unit_price_problems(price, spec.qualities)
    if spec.gpt is not None and spec.gpt.prices:
        problems.append("price: a per-image prices table is already given; keep one of them")
    if problems:
        raise ConfigError(f"profile {where}: models.{spec.name}.{problems[0]}")
    per_image = spec.price_per_image
    if "price_per_image" not in raw:
        sizes = spec.sizes
        dims = spec.dimensions
        if dims.width is not None and dims.height is not None:
            # Width and height ranges: the largest area they allow is the dearest.
            sizes = (*sizes, f"{dims.width.maximum}x{dims.height.maximum}")
        per_image = dearest(price, sizes)
    return replace(spec, unit_price=price, price_per_image=per_image)


def _gpt_model(name: str, raw: Mapping[str, Any], where: str) -> ModelSpec:
    """A GPT-form model; the DALL·E fields get their GPT meaning (b64_json only, no style)."""
    at = f"profile {where}: models.{name}"
    unknown = unknown_rules(tuple(raw.get("rules", ())))
    if unknown:
        known = ", ".join(PAIR_RULES)
        raise ConfigError(f"{at}.rules: unknown rule {unknown[0]!r} (known rules: {known})")
    gpt = parse_gpt(raw)
    problems = [f"parameters.{p.name}: {m}" for p in gpt.params.values() for m in param_problems(p)]
    if gpt.size.default is not None and gpt.size.default not in gpt.size.values:
        problems.append(f"size.default {gpt.size.default} is not one of its values")
    if not gpt.size.fixed:
        problems.append("size.values lists no WIDTHxHEIGHT size (auto alone cannot be planned)")
    problems += [f"rules: {m}" for m in rule_problems(gpt)]
    try:
        edits = parse_edits(raw.get("edits"), Path(where).parent)
    except InputImageError as exc:
        raise ConfigError(f"{at}.edits.input_image: {exc}") from None
    if edits is not None:
        problems += edit_problems(edits, gpt.size.values)
        if not gpt.supported("stream"):
            # A model that does not stream does not stream its edits either.
            edits = dataclasses.replace(edits, stream=False, partial_images=0)
    for quality, table in gpt.prices.items():
        if quality not in gpt.values("quality"):
            problems.append(f"prices.{quality}: not one of its qualities")
        problems += [
            f"prices.{quality}.{size}: not a size it takes"
            for size in table
            if not gpt.size.allows(size)
        ]
    if problems:
        raise ConfigError(f"{at}.{problems[0]}")
    figures = [p for table in gpt.prices.values() for p in table.values()]
    quality_spec = gpt.param("quality")
    default_size = gpt.size.default if gpt.size.default in gpt.size.fixed else None
    return ModelSpec(
        name=name,
        sizes=gpt.size.fixed,
        default_size=default_size,
        n_min=parse_count(raw["n"]).min,
        n_max=parse_count(raw["n"]).max,
        prompt_max_chars=raw.get("prompt_max_chars"),
        qualities=tuple(str(v) for v in gpt.values("quality")),
        default_quality=quality_spec.default if quality_spec is not None else None,
        styles=(),
        default_style=None,
        response_formats=("b64_json",),
        default_response_format="b64_json",
        revised_prompt=False,
        user=gpt.supported("user"),
        price_per_image=raw.get("price_per_image", max(figures) if figures else None),
        sizes_exhaustive=gpt.size.rule is None,
        gpt=gpt,
        edits=edits,
        count=parse_count(raw["n"]),
    )


def _model(name: str, raw: Mapping[str, Any], where: str) -> ModelSpec:
    if raw.get("family") == "gpt":
        return _gpt_model(name, raw, where)
    form, problems = parse_dalle_form(raw)
    if problems:
        raise ConfigError(f"profile {where}: models.{name}.{problems[0]}")
    sizes = tuple(raw.get("sizes", ()))
    qualities, styles, formats = form.qualities, form.styles, form.response_formats
    spec = ModelSpec(
        name=name,
        sizes=sizes,
        default_size=raw.get("default_size"),
        n_min=parse_count(raw["n"]).min,
        n_max=parse_count(raw["n"]).max,
        prompt_max_chars=raw.get("prompt_max_chars"),
        qualities=qualities,
        default_quality=form.default_quality,
        styles=styles,
        default_style=form.default_style,
        response_formats=formats,
        default_response_format=form.default_response_format or formats[0],
        revised_prompt=raw.get("revised_prompt", False),
        user=raw.get("user", True),
        price_per_image=raw.get("price_per_image"),
        sizes_exhaustive=raw.get("sizes_exhaustive", True),
        dimensions=form.dimensions,
        vendor_params=dict(form.params),
        count=parse_count(raw["n"]),
    )
    checks = [
        (spec.n_min <= spec.n_max, f"n.min {spec.n_min} is above n.max {spec.n_max}"),
        (
            # dimensions kind none: the size the vendor draws, where the docs give it.
            spec.default_size is None
            or spec.default_size in sizes
            or spec.dimensions.kind == "none",
            f"default_size {spec.default_size} is not one of its sizes",
        ),
        (
            spec.default_quality is None or spec.default_quality in qualities,
            f"default_quality {spec.default_quality} is not one of its qualities",
        ),
        (
            spec.default_style is None or spec.default_style in styles,
            f"default_style {spec.default_style} is not one of its styles",
        ),
        (
            spec.default_response_format in formats,
            f"default_response_format {spec.default_response_format} is not one of its formats",
        ),
    ]
    for ok, problem in checks:
        if not ok:
            raise ConfigError(f"profile {where}: models.{name}: {problem}")
    return spec


def _models(raw: Mapping[str, Any], where: str) -> dict[str, ModelSpec]:
    """Every model, or a ConfigError naming every model's problem (not only the first)."""
    models: dict[str, ModelSpec] = {}
    problems: list[str] = []
    prefix = f"profile {where}: "
    for name, spec in raw.items():
        try:
            model = _with_price(_model(name, spec, where), spec, where)
            models[name] = _with_lifecycle(model, spec, where)
        except ConfigError as exc:
            problems.append(str(exc).removeprefix(prefix))
    if problems:
        raise ConfigError(combined(f"profile {where}", problems))
    return models


def parse_profile(raw: Any, path: Path, digest: str) -> Profile:
    """Validate and convert already-parsed YAML. Raises ConfigError naming every problem
    (one line each)."""
    where = str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"profile {where}: expected a mapping at the top level")
    raw = _stringify_keys(raw)
    problems = schema_problems(_validator(), raw)
    if problems:
        raise ConfigError(combined(f"profile {where}", problems))
    hosts = tuple(Host(**h) for h in raw.get("hosts", ()))
    endpoint = host_problems(hosts) + template_problems(
        raw.get("base_url"), raw.get("base_url_vars", {}), hosts
    )
    if endpoint:
        raise ConfigError(combined(f"profile {where}", endpoint))
    models = _models(raw["models"], where)
    deployments = {m: Deployment(**d) for m, d in raw.get("deployments", {}).items()}
    deployed = deployment_problems(deployments, tuple(models))
    if deployed:
        raise ConfigError(combined(f"profile {where}", deployed))
    as_of = raw.get("as_of")
    if as_of is not None:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            raise ConfigError(
                f"profile {where}: as_of {as_of!r} is not a date YYYY-MM-DD"
            ) from None
    if raw["default_model"] not in models:
        raise ConfigError(
            f"profile {where}: default_model {raw['default_model']!r} is not among its models"
        )
    for model in models.values():
        clash = [s for s in (model.gpt.snapshots if model.gpt else ()) if s in models]
        if clash:
            raise ConfigError(
                f"profile {where}: models.{model.name}.snapshots: {clash[0]!r} is also a model"
            )
    auth = raw["auth"]
    response = raw.get("response", {})
    shape, gpt_usage = parse_response_shape(response, where)
    limits = raw["limits"]
    deviations = tuple(Deviation(**d) for d in raw.get("deviations", ()))
    for dev in deviations:
        if dev.model is not None and dev.model not in models:
            raise ConfigError(f"profile {where}: deviation for unknown model {dev.model!r}")
    return Profile(
        name=raw["name"],
        title=raw["title"],
        path=path,
        sha256=digest,
        sources=tuple(raw.get("sources", ())),
        base_url=default_base_url(raw.get("base_url"), hosts),
        auth=AuthSpec(
            header=auth.get("header", "Authorization"),
            scheme=auth.get("scheme", "Bearer"),
            key_env=auth["key_env"],
            required=auth.get("required", True),
        ),
        headers=MappingProxyType(dict(raw.get("headers", {}))),
        default_model=raw["default_model"],
        models=MappingProxyType(models),
        errors=MappingProxyType(
            {
                kind: ErrorKind(status=tuple(v["status"]), code=v.get("code"))
                for kind, v in error_kinds(raw["errors"]).items()
            }
        ),
        status_codes=MappingProxyType({int(k): v for k, v in raw.get("status_codes", {}).items()}),
        usage=response.get("usage", "none"),
        null_fields=response.get("null_fields", False),
        strict_types=response.get("strict_types", False),
        budget=limits["budget"],
        concurrency=limits.get("concurrency", 4),
        rate_limit=limits.get("rate_limit", "60/m"),
        facts=tuple(Fact(**f) for f in raw.get("facts", ())),
        examples=tuple(DocExample(**e) for e in raw.get("examples", ())),
        deviations=deviations,
        base_url_vars=MappingProxyType(
            {k: TemplateVar(**v) for k, v in raw.get("base_url_vars", {}).items()}
        ),
        query=MappingProxyType({k: QueryParam(**v) for k, v in raw.get("query", {}).items()}),
        hosts=hosts,
        deployments=MappingProxyType(deployments),
        list_models=raw.get("list_models", False),
        as_of=as_of,
        preview_access=frozenset(raw.get("preview_access", ())),
        unknown_fields=raw.get("unknown_fields", "refused"),
        generation_seconds=limits.get("generation_seconds"),
        shape=shape,
        gpt_usage=gpt_usage,
        envelope=parse_envelope(raw["errors"]),
    )


def load_profile_file(path: Path) -> Profile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"profile {path}: cannot read it ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"profile {path}: {yaml_problem(exc)}") from None
    return parse_profile(raw, path, hashlib.sha256(data).hexdigest())


def resolve_profile_path(ref: str) -> Path:
    """A bundled profile's name, or the path of a user's own profile file."""
    bundled = bundled_profiles()
    if ref in bundled:
        return bundled[ref]
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ConfigError(f"profile file {ref} does not exist")
        return candidate
    names = ", ".join(bundled)
    raise ConfigError(f"unknown profile {ref!r}: use one of {names}, or the path of a YAML file")


def load_profile(ref: str) -> Profile:
    return load_profile_file(resolve_profile_path(ref))


# The bundled profile that is OpenAI's own contract for each model family (a
# profile's other families, flux, imagen, ... sold in the DALL·E format, are dalle).
BASELINES: Mapping[Family, str] = MappingProxyType({"gpt": "openai", "dalle": "openai-dalle"})
# OpenAI's contract for the GPT models it shut down on 2026-12-01 (judged as a baseline).
LEGACY = "openai-legacy"


@cache
def openai_baseline(family: Family = "dalle") -> Profile:
    """OpenAI's contract for one model family, loaded once."""
    return load_profile(BASELINES[family])
