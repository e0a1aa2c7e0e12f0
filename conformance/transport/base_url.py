"""A run's base URL from the profile's endpoint: its template filled, its query added.

The profile declares the template's ``{name}`` parts and the query every request
carries (:mod:`conformance.profile.endpoint`); this fills them from
``--base-url-var NAME=VALUE`` options and the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from conformance.errors import ConfigError
from conformance.profile.endpoint import Host, QueryParam, TemplateVar, template_names

# What a filled-in host label or path part may be: no separators, no query.
_VALUE = re.compile(r"[A-Za-z0-9._~-]+")


def parse_var_options(values: Sequence[str] | None) -> dict[str, str]:
    """``--base-url-var NAME=VALUE`` options, as a mapping."""
    out: dict[str, str] = {}
    for item in values or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--base-url-var {item!r}: expected NAME=VALUE, e.g. resource=myres")
        out[name.strip()] = value.strip()
    return out


def pick_host(base_url: str, hosts: Sequence[Host], name: str | None) -> str:
    """The URL ``--base-url profile`` sends to: the host ``--host`` names, else the
    profile's default (``base_url``, which is the first host when the profile has none)."""
    if name is None:
        return base_url
    for host in hosts:
        if host.name == name:
            return host.url
    if not hosts:
        raise ConfigError(f"--host {name}: the profile documents one base URL and no hosts")
    names = ", ".join(h.name for h in hosts)
    raise ConfigError(f"--host {name}: not one of the profile's hosts ({names})")


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
