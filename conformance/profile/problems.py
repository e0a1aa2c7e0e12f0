"""What is wrong with a profile file, in words a person can act on.

JSON Schema reports what broke in its own terms: a raw regex for a pattern, and
for a model whose ``family`` is misspelt, every GPT-form key as unknown (the
misspelt family sends the model down the DALL·E branch). These turn each problem
into one line that names the bad value, and every problem is shown, not the first.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
import yaml

# Each pattern the schemas use, in words (with an example of a good value).
PATTERN_WORDS = {
    "^[a-z0-9][a-z0-9_-]*$": (
        "a name of lowercase letters, digits, '-' and '_' that starts with a letter or "
        "digit (e.g. my-vendor)"
    ),
    "^https?://[^\\s/]+(/\\S*)?$": (
        "an http:// or https:// URL with a host and no spaces (e.g. https://api.example.com/v1)"
    ),
    "^[A-Za-z_][A-Za-z0-9_]*$": (
        "an environment variable name: letters, digits and '_', not starting with a digit "
        "(e.g. MY_VENDOR_API_KEY)"
    ),
    "^[1-5][0-9][0-9]$": "a three-digit HTTP status code (e.g. 400)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a day, YYYY-MM-DD (e.g. 2026-12-01)",
    "^[0-9]+(\\.[0-9]+)?/(s|m|h)$": "a rate: requests per s, m or h (e.g. 60/m or 0.5/s)",
    "^[1-9][0-9]*x[1-9][0-9]*$": "a size WIDTHxHEIGHT in pixels (e.g. 1024x1024)",
    "^[a-z0-9][a-z0-9._-]*$": (
        "a family name of lowercase letters, digits, '.', '-' and '_' (e.g. gpt, dalle, flux)"
    ),
}

# The family whose form has its own keys; any other family is read in the DALL·E form.
GPT_FAMILY = "gpt"
_FAMILIES = ("gpt", "dalle")


def where(path: Iterable[Any]) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "the top level"


def _value(instance: Any) -> str:
    return (
        json.dumps(instance, ensure_ascii=False)
        if not isinstance(instance, str)
        else repr(instance)
    )


def _pattern(err: jsonschema.ValidationError) -> str:
    pattern = str(err.validator_value)
    words = PATTERN_WORDS.get(pattern, f"of the form the pattern {pattern} describes")
    if "propertyNames" in err.relative_schema_path:
        return f"{where(err.absolute_path)}: the key {_value(err.instance)} is not {words}"
    return f"{where(err.absolute_path)}: {_value(err.instance)} is not {words}"


def _extra_keys(err: jsonschema.ValidationError) -> list[str]:
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if not isinstance(err.instance, dict):
        return []
    return sorted(set(err.instance) - set(schema.get("properties", {})))


def _misspelt(err: jsonschema.ValidationError, errors: list[jsonschema.ValidationError]) -> bool:
    """A missing key that an unknown key beside it spells nearly, or a choice of forms
    that fails because of an unknown key: one typo, named once."""
    if err.validator in ("oneOf", "anyOf"):
        return any(
            other.validator == "additionalProperties" and other.absolute_path == err.absolute_path
            for other in errors
        )
    if err.validator != "required" or not isinstance(err.instance, dict):
        return False
    required = err.validator_value if isinstance(err.validator_value, list) else []
    missing = [k for k in required if k not in err.instance]
    typed = [
        k
        for other in errors
        if other.validator == "additionalProperties" and other.absolute_path == err.absolute_path
        for k in _extra_keys(other)
    ]
    return all(difflib.get_close_matches(k, typed, n=1) for k in missing)


def problem(err: jsonschema.ValidationError) -> str:
    """One line a person can act on, naming the key at fault and its bad value."""
    at = where(err.absolute_path)
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if err.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = _extra_keys(err)
        names = ", ".join(repr(k) for k in extra)
        meant = [m for k in extra for m in difflib.get_close_matches(k, allowed, n=1)]
        guess = f"; did you mean {', '.join(repr(m) for m in meant)}?" if meant else ""
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {names} at {at}{guess}{hint}"
    if err.validator == "pattern":
        return _pattern(err)
    if err.validator in ("oneOf", "anyOf") and "description" in schema:
        return f"{at}: expected {schema['description']}, not {json.dumps(err.instance)}"
    if err.validator == "enum":
        values = err.validator_value if isinstance(err.validator_value, list) else []
        return f"{at}: {_value(err.instance)} is not one of {', '.join(map(_value, values))}"
    return f"{at}: {err.message}"


def _gpt_keys(schema: Mapping[str, Any]) -> frozenset[str]:
    """Keys only the GPT form has: a model that uses them meant ``family: gpt``."""
    defs = schema.get("$defs", {})
    gpt = set(defs.get("gpt_model", {}).get("properties", {}))
    dalle = set(defs.get("dalle_model", {}).get("properties", {}))
    return frozenset(gpt - dalle)


def _family_problem(name: str, model: Mapping[str, Any], gpt_keys: frozenset[str]) -> str | None:
    """For a model read in the DALL·E form that uses GPT-form keys: the family to blame."""
    used = sorted(gpt_keys & set(model))
    family = model.get("family")
    if not used or family == GPT_FAMILY:
        return None
    keys = ", ".join(used)
    if family is None:
        return (
            f"models.{name}: has no family, so it is read in the DALL·E form, where {keys} "
            f"are unknown keys; add family: {GPT_FAMILY} for the GPT image form"
        )
    close = difflib.get_close_matches(str(family), _FAMILIES, n=1, cutoff=0.3)
    guess = f"; did you mean family: {close[0]}?" if close == [GPT_FAMILY] else ""
    return (
        f"models.{name}.family: {_value(family)} is not {GPT_FAMILY}, so the model is read in "
        f"the DALL·E form, where {keys} are unknown keys{guess}"
    )


def _file_order(instance: Any, path: Iterable[Any]) -> list[int]:
    """Where a path sits in the file: YAML keeps each mapping's keys in file order."""
    order = []
    for part in path:
        if isinstance(instance, Mapping) and part in instance:
            order.append(list(instance).index(part))
            instance = instance[part]
        elif isinstance(instance, list) and isinstance(part, int) and part < len(instance):
            order.append(part)
            instance = instance[part]
        else:
            break
    return order


def schema_problems(
    validator: jsonschema.Draft202012Validator, instance: Mapping[str, Any]
) -> list[str]:
    """Every way a profile breaks its schema, one line each, in file order."""
    gpt_keys = _gpt_keys(validator.schema if isinstance(validator.schema, Mapping) else {})
    models = instance.get("models")
    blamed: dict[str, str] = {}
    lines: list[str] = []
    found = validator.iter_errors(instance)
    errors = sorted(found, key=lambda e: _file_order(instance, e.absolute_path))
    for err in errors:
        if _misspelt(err, errors):
            continue  # the unknown key's line says which key was meant
        path = list(err.absolute_path)
        if len(path) >= 2 and path[0] == "models" and isinstance(models, Mapping):
            name = str(path[1])
            model = models.get(name)
            if name not in blamed and isinstance(model, Mapping):
                blamed[name] = _family_problem(name, model, gpt_keys) or ""
                if blamed[name]:
                    lines.append(blamed[name])
            if blamed.get(name):
                continue  # a consequence of the family, already named
        line = problem(err)
        if line not in lines:
            lines.append(line)
    return lines


def combined(subject: str, problems: list[str]) -> str:
    """One line for one problem; a count and one line each for several."""
    if len(problems) == 1:
        return f"{subject}: {problems[0]}"
    return f"{subject}: {len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """Where the YAML broke and why, with the usual fix for ``key: a: b``."""
    mark = getattr(exc, "problem_mark", None)
    found = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    hint = ""
    if "mapping values are not allowed" in str(found):
        hint = "; a value that contains ': ' must be quoted, e.g. title: \"Acme: images\""
    return f"malformed YAML{at}: {found}{hint}"
