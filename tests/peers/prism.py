"""Stoplight Prism: ``prism mock`` over the official OpenAI spec.

Prism ignores the spec's ``servers`` base path, so it serves a copy whose paths
carry ``/v1``. The copy keeps only ``POST /images/generations`` and the schemas
it refers to: Prism then starts in under a second instead of ~9 s, and answers
that path exactly as it does with the whole file (checked when this was written).

Two copies: *as published*, where Prism validates no request body at all
(``model`` and ``size`` combine ``nullable: true`` with a type-less ``anyOf``;
its validator throws and Prism swallows the error), and *validating*, where
those fields are rewritten as ``anyOf [..., {type: "null"}]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.peers.install import npm_install
from tests.peers.process import LOOPBACK, running
from tests.peers.target import PeerTarget, peer_env

PACKAGE = "@stoplight/prism-cli"
VERSION = "5.16.0"
OFFICIAL_SPEC = REPO.parent / "shared" / "reference" / "openai-openapi.yaml"
PATH = "/images/generations"


def install() -> Path:
    return npm_install("prism", PACKAGE, VERSION)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _subset(spec: dict[str, Any]) -> dict[str, Any]:
    """The one path, under /v1, with every component it refers to, transitively."""
    operation = spec["paths"][PATH]
    components: dict[str, dict[str, Any]] = {
        "securitySchemes": spec["components"]["securitySchemes"]
    }
    todo, seen = list(_refs(operation)), set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/")  # "#/components/<kind>/<name>"
        node = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        todo.extend(_refs(node))
    keep = {k: spec[k] for k in ("openapi", "info", "servers", "security") if k in spec}
    return {**keep, "paths": {f"/v1{PATH}": operation}, "components": components}


def _validating(spec: dict[str, Any]) -> list[str]:
    """Rewrite ``nullable`` + type-less ``anyOf`` request fields the way Prism can validate."""
    props = spec["components"]["schemas"]["CreateImageRequest"]["properties"]
    fixed = []
    for name, prop in props.items():
        if prop.get("nullable") and "anyOf" in prop and "type" not in prop:
            rewritten = {k: v for k, v in prop.items() if k != "nullable"}
            rewritten["anyOf"] = [*prop["anyOf"], {"type": "null"}]
            props[name] = rewritten
            fixed.append(name)
    return fixed


def spec_copy(dest: Path, *, validating: bool) -> Path:
    if not OFFICIAL_SPEC.exists():
        pytest.skip(f"no official OpenAI spec at {OFFICIAL_SPEC} (../shared beside the repo)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the file is 3 MB
    spec = _subset(yaml.load(OFFICIAL_SPEC.read_bytes(), Loader=loader))  # noqa: S506 - a safe loader
    if validating:
        assert _validating(spec) == ["model", "size"], "the official spec changed: revisit"
    path = dest / ("openai-validating.json" if validating else "openai-as-published.json")
    # default=str: YAML dates in the spec's examples
    path.write_text(json.dumps(spec, default=str))
    return path


@contextmanager
def serve(log_dir: Path, *, validating: bool) -> Iterator[PeerTarget]:
    home = install()
    spec = spec_copy(log_dir, validating=validating)
    prism = home / "node_modules" / ".bin" / "prism"
    with running(
        "prism-validating" if validating else "prism-as-published",
        lambda port: [str(prism), "mock", "--host", LOOPBACK, "--port", str(port), str(spec)],
        env=peer_env(),
        cwd=log_dir,
        log_dir=log_dir,
    ) as peer:
        # Prism accepts any Bearer value.
        yield PeerTarget(peer.base_url, "sk-any-value-prism-accepts")
