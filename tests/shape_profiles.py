"""The self-test profiles of issue 22's shapes (tests/profiles/), and running them in both views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from conformance.profile import Profile, load_profile_file
from tests.conftest import SuiteRun

HERE = Path(__file__).resolve().parent / "profiles"
# shape-images: DALL·E and GPT form, images under "images", no created, extra fields,
# a cost usage, code-int refusals, a missing key apart from a wrong one.
# shape-gpt: GPT form, no echo, chat usage, FastAPI refusals (422).
# shape-bare: GPT form, neither usage nor echo (streamed too), message-only refusals.
SHAPE_PROFILES = ("shape-images", "shape-gpt", "shape-bare")
RunSuite = Callable[..., SuiteRun]


def shape_profile(name: str) -> Profile:
    return load_profile_file(HERE / f"{name}.yaml")


def unexpected(run: SuiteRun) -> list[str]:
    return [
        f"{c['id']} ({c['model']}): {c['message']}"
        for c in run.results["checks"]
        if c["outcome"] in ("failed", "fixed", "error")
    ]


def known_deviations(run: SuiteRun, profile: Profile) -> tuple[set[object], set[object]]:
    """The (check, model) deviations the drop-in run showed, and those the profile declares."""
    declared = {(d.check, d.model) for d in profile.deviations}
    known = {(c["check"], c["model"]) for c in run.results["checks"] if c["outcome"] == "known"}
    seen = {(check, model if (check, model) in declared else None) for check, model in known}
    return seen, declared


def images_profile() -> dict[str, Any]:
    """shape-images as YAML data, to break one key of."""
    data: dict[str, Any] = yaml.safe_load((HERE / "shape-images.yaml").read_text())
    return data
