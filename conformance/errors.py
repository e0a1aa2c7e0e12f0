"""Errors of the tool itself, as opposed to verdicts about a vendor."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad input to the tool: unknown profile, malformed YAML, bad URL, missing key.

    The CLI and the pytest plugin turn it into one line on stderr and exit code 4.
    """


class HarnessError(Exception):
    """The harness could not get an answer to judge (timeout, refused connection).

    Never a verdict about the vendor: the check's outcome is ``error``.
    """
