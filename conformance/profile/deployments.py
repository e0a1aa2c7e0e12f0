"""Deployment names standing for models (Azure OpenAI).

At Azure the customer deploys a model under a name of their own, and a request
names the deployment, not the model: the v1 API (``/openai/v1/images/generations``)
takes it in the body's ``model``. A profile says which of its models are reached
through a deployment, where the name comes from (``--deployment MODEL=NAME``, an
environment variable, a default), and the run sends the name while every verdict
stays under the model. The reference server, emulating such a profile, serves each
model under its default deployment name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from conformance.errors import ConfigError


@dataclass(frozen=True)
class Deployment:
    """Where one model's deployment name comes from; ``default``: what the docs suggest
    (Azure's portal offers the model's own name)."""

    env: str | None = None
    default: str | None = None
    description: str = ""

    def rehearsed(self, model: str) -> str:
        """The name a rehearsal (the reference server) serves the model under."""
        return self.default or model


def parse_deployment_options(values: Sequence[str] | None) -> dict[str, str]:
    """``--deployment MODEL=NAME`` options, as a mapping (the model ids may hold ``/``)."""
    out: dict[str, str] = {}
    for item in values or ():
        model, sep, name = item.rpartition("=")
        if not sep or not model.strip() or not name.strip():
            raise ConfigError(
                f"--deployment {item!r}: expected MODEL=NAME, e.g. gpt-image-1=my-images"
            )
        out[model.strip()] = name.strip()
    return out


def resolve_deployments(
    declared: Mapping[str, Deployment],
    given: Mapping[str, str],
    models: Sequence[str],
    *,
    mode: Literal["rehearsal", "vendor", "replay"],
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Each run model's deployment name (model -> name), or one line naming what is missing.

    A rehearsal serves the profile's own names, so ``--deployment`` is refused there,
    as ``--base-url-var`` is without ``--base-url profile``. A replay sends nothing:
    a name is only read back (the default when none is given).
    """
    env = os.environ if environ is None else environ
    unknown = sorted(set(given) - set(declared))
    if unknown:
        have = ", ".join(declared) or "none"
        raise ConfigError(
            f"--deployment {unknown[0]}=...: the profile names no deployment for that model "
            f"(it has {have})"
        )
    if mode == "rehearsal" and given:
        raise ConfigError(
            "--deployment names the deployments of a real endpoint: use it with --base-url "
            "(the reference server serves the profile's default names)"
        )
    out: dict[str, str] = {}
    for model in models:
        spec = declared.get(model)
        if spec is None:
            continue
        if mode != "vendor":
            out[model] = given.get(model) or spec.rehearsed(model)
            continue
        name = given.get(model) or (env.get(spec.env, "") if spec.env else "") or spec.default
        if not name:
            via = f"set {spec.env} or pass" if spec.env else "pass"
            raise ConfigError(
                f"model {model} is reached through a deployment of your own: {via} "
                f"--deployment {model}=NAME"
            )
        out[model] = name
    return out


def deployment_problems(declared: Mapping[str, Deployment], models: Sequence[str]) -> list[str]:
    """Each deployment is of a model of the profile, and no two share a default name."""
    problems = [
        f"deployments.{name}: not a model of the profile" for name in declared if name not in models
    ]
    seen: dict[str, str] = {}
    for model, spec in declared.items():
        name = spec.rehearsed(model)
        if name in seen:
            problems.append(f"deployments.{model}: default {name!r} is also {seen[name]}'s")
        seen.setdefault(name, model)
    other = [m for m in models if m not in declared and m in seen]
    problems += [
        f"deployments: {m!r} is both a model and another model's deployment" for m in other
    ]
    return problems


def served_as(declared: Mapping[str, Deployment], name: str) -> str | None:
    """The model the reference server serves under ``name``: the model whose default
    deployment it is, a model without a deployment by its own name, else None (a model
    reached through a deployment is not served under its own name, as at Azure)."""
    for model, spec in declared.items():
        if spec.rehearsed(model) == name:
            return model
    return None if name in declared else name
