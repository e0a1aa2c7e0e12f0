"""All checks, registered by importing their modules (each a small file)."""

from __future__ import annotations

from conformance.checks import (
    advisories,
    auth,
    balance,
    client_edits,
    clients,
    edits,
    errors,
    generation,
    gpt,
    images,
    lifecycle,
    outputs,
    stream,
    usage,
    validation,
)
from conformance.checks.base import REGISTRY, Check, Context, Result

__all__ = ["REGISTRY", "Check", "Context", "Result", "all_checks"]

_MODULES = (
    lifecycle,
    auth,
    balance,
    validation,
    errors,
    generation,
    images,
    clients,
    usage,
    gpt,
    outputs,
    stream,
    advisories,
    edits,
    client_edits,
)


def all_checks() -> list[Check]:
    """Every registered check, grouped by module."""
    return list(REGISTRY.values())
