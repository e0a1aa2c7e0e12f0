"""Errors of the tool itself, as opposed to verdicts about a vendor."""

from __future__ import annotations

from typing import Any

import jsonschema


class ConfigError(Exception):
    """Bad input to the tool: unknown profile, malformed YAML, bad URL, missing key.

    The CLI and the pytest plugin turn it into one line on stderr and exit code 4.
    """


class HarnessError(Exception):
    """The harness could not get an answer to judge (timeout, refused connection).

    Never a verdict about the vendor: the check's outcome is ``error``.
    """


def schema_problem(validator: jsonschema.Draft202012Validator, instance: Any) -> str | None:
    """The most telling way ``instance`` breaks the validator's schema, as one short
    line naming where (for a ConfigError), or None when it is valid."""
    err = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if err is None:
        return None
    where = ".".join(str(p) for p in err.absolute_path) or "the top level"
    message = " ".join(err.message.split())
    return f"{where}: {message if len(message) <= 200 else message[:199] + '…'}"
