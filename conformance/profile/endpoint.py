"""Endpoints as vendors document them: a base URL template and a required query.

Azure OpenAI's base URL is per customer (``https://{resource}.openai.azure.com/openai/v1``)
and every request needs ``?api-version=``. A profile says so with ``base_url_vars``
(each ``{name}`` of the template, filled from ``--base-url-var NAME=VALUE`` or an
environment variable) and ``query`` (parameters sent with every request, a fixed
value or one read from the environment, with a default). This module is what the
profile declares; :mod:`conformance.transport.base_url` fills it in for a run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class TemplateVar:
    """One ``{name}`` of a base URL template: where its value comes from."""

    env: str
    description: str = ""


@dataclass(frozen=True)
class QueryParam:
    """A query parameter sent with every request: a fixed value, or read from ``env``."""

    value: str | None = None
    env: str | None = None
    default: str | None = None


def template_names(base_url: str | None) -> list[str]:
    return list(dict.fromkeys(_VAR.findall(base_url or "")))


def template_problems(base_url: str | None, declared: Mapping[str, TemplateVar]) -> list[str]:
    """Each {name} of the template is declared, and each declared one is used."""
    used = template_names(base_url)
    problems = [
        f"base_url uses {{{name}}}, which base_url_vars does not declare"
        for name in used
        if name not in declared
    ]
    problems += [
        f"base_url_vars.{name} is declared but base_url has no {{{name}}}"
        for name in declared
        if name not in used
    ]
    return problems
