"""All checks, registered by importing their modules (each a small file)."""

from __future__ import annotations

from conformance.checks import (
    auth,
    balance,
    errors,
    generation,
    gpt,
    images,
    sdk,
    stream,
    usage,
    validation,
)
from conformance.checks.base import REGISTRY, SEVERITIES, Check, Context, Result

__all__ = ["REGISTRY", "SEVERITIES", "Check", "Context", "Result", "all_checks"]

_MODULES = (auth, balance, validation, errors, generation, images, sdk, usage, gpt, stream)


def all_checks() -> list[Check]:
    """Every registered check, grouped by module."""
    return list(REGISTRY.values())
