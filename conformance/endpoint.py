"""Endpoints as vendors document them: a base URL template and a required query.

Azure OpenAI's base URL is per customer (``https://{resource}.openai.azure.com/openai/v1``)
and every request needs ``?api-version=``. A profile says so with ``base_url_vars``
(each ``{name}`` of the template, filled from ``--base-url-var NAME=VALUE`` or an
environment variable) and ``query`` (parameters sent with every request, a fixed
value or one read from the environment, with a default).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from conformance.errors import ConfigError

_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What a filled-in host label or path part may be: no separators, no query.
_VALUE = re.compile(r"[A-Za-z0-9._~-]+")


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


def parse_var_options(values: Sequence[str] | None) -> dict[str, str]:
    """``--base-url-var NAME=VALUE`` options, as a mapping."""
    out: dict[str, str] = {}
    for item in values or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--base-url-var {item!r}: expected NAME=VALUE, e.g. resource=myres")
        out[name.strip()] = value.strip()
    return out


def fill_template(
    base_url: str,
    declared: Mapping[str, TemplateVar],
    given: Mapping[str, str],
    environ: Mapping[str, str] | None = None,
) -> str:
    """The base URL with every {name} filled: from an option first, then its variable."""
    env = os.environ if environ is None else environ
    unknown = sorted(set(given) - set(declared))
    if unknown:
        have = ", ".join(declared) or "none"
        raise ConfigError(
            f"--base-url-var {unknown[0]}: the profile's base URL has no {{{unknown[0]}}} "
            f"(it has {have})"
        )
    filled = base_url
    for name in template_names(base_url):
        var = declared[name]
        value = given.get(name) or env.get(var.env, "")
        what = f" ({var.description})" if var.description else ""
        if not value:
            raise ConfigError(
                f"the profile's base URL {base_url} needs {{{name}}}{what}: set {var.env} "
                f"or pass --base-url-var {name}=VALUE"
            )
        if not _VALUE.fullmatch(value):
            raise ConfigError(
                f"{{{name}}} = {value!r} is not a plain name (letters, digits, '.', '-', '_', '~')"
            )
        filled = filled.replace(f"{{{name}}}", value)
    return filled


def with_query(
    base_url: str, params: Mapping[str, QueryParam], environ: Mapping[str, str] | None = None
) -> str:
    """The base URL with each required query parameter the URL does not already carry
    (a value given in --base-url wins over the profile's)."""
    if not params:
        return base_url
    env = os.environ if environ is None else environ
    parts = urlsplit(base_url)
    have = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in have}
    added = []
    for name, param in params.items():
        if name in present:
            continue
        value = param.value
        if value is None and param.env:
            value = env.get(param.env) or param.default
        if value is None:
            raise ConfigError(
                f"the vendor needs ?{name}= on every request: set {param.env} "
                f"or put {name}=... in --base-url's query"
            )
        added.append((name, value))
    if not added:
        return base_url
    query = "&".join(q for q in (parts.query, urlencode(added)) if q)
    return urlunsplit(parts._replace(query=query))
