"""The contract in specs/openai-images.yaml, as JSON Schema validators."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
import yaml

from conformance.resources import spec_path


@cache
def load_spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@cache
def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the spec's component schemas, $refs resolved in place."""
    spec = load_spec()
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(root)


def schema_errors(schema_name: str, instance: Any, limit: int = 3) -> list[str]:
    """Readable problems, each naming where in the body it is."""
    found = sorted(validator(schema_name).iter_errors(instance), key=lambda e: list(e.path))
    out = []
    for err in found[:limit]:
        where = "/".join(str(p) for p in err.absolute_path) or "(body)"
        out.append(f"{where}: {err.message}")
    return out
