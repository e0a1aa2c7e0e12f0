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
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class Host:
    """One documented host of the API: its name (what ``--host`` picks) and root URL."""

    name: str
    url: str
    description: str = ""


def template_names(base_url: str | None) -> list[str]:
    return list(dict.fromkeys(_VAR.findall(base_url or "")))


def default_base_url(base_url: str | None, hosts: Sequence[Host]) -> str | None:
    """The URL ``--base-url profile`` means: ``base_url``, else the first host."""
    if base_url:
        return base_url
    return hosts[0].url if hosts else None


def template_problems(
    base_url: str | None, declared: Mapping[str, TemplateVar], hosts: Sequence[Host] = ()
) -> list[str]:
    """Each {name} of base_url or a host is declared, and each declared one is used."""
    urls = [("base_url", base_url)] + [(f"hosts.{h.name}", h.url) for h in hosts]
    problems = [
        f"{where} uses {{{name}}}, which base_url_vars does not declare"
        for where, url in urls
        for name in template_names(url)
        if name not in declared
    ]
    used = {name for _, url in urls for name in template_names(url)}
    where = "neither base_url nor any host has" if hosts else "base_url has no"
    problems += [
        f"base_url_vars.{name} is declared but {where} {{{name}}}"
        for name in declared
        if name not in used
    ]
    return problems


def host_problems(hosts: Sequence[Host]) -> list[str]:
    """Host names are unique (``--host`` must pick one), and so are their URLs."""
    problems: list[str] = []
    seen_names: set[str] = set()
    seen_urls: dict[str, str] = {}
    for host in hosts:
        if host.name in seen_names:
            problems.append(f"hosts: {host.name!r} is listed twice")
            continue
        seen_names.add(host.name)
        url = host.url.rstrip("/")
        if url in seen_urls:
            problems.append(f"hosts.{host.name}: the same URL as hosts.{seen_urls[url]}")
        seen_urls.setdefault(url, host.name)
    return problems
