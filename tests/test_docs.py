"""The README documents what the code does."""

from __future__ import annotations

import re

from conformance.checks import REGISTRY
from conformance.plugin import pytest_addoption
from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def test_every_check_is_documented_with_its_severity() -> None:
    for check in REGISTRY.values():
        row = re.search(rf"^\| `{re.escape(check.id)}` \| (\w+) \|", README, re.M)
        assert row, f"{check.id} missing from the README's check table"
        assert row.group(1) == check.severity, check.id


def test_every_suite_option_is_documented() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.names: list[str] = []

        def getgroup(self, *args: object) -> Recorder:
            return self

        def addoption(self, name: str, **kwargs: object) -> None:
            self.names.append(name)

    recorder = Recorder()
    pytest_addoption(recorder)  # type: ignore[arg-type]
    for name in recorder.names:
        assert f"`{name}" in README, f"{name} missing from the README's options"


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "nox -s conformance" in first_block
    assert "nox -s tests" in first_block


def test_the_layout_names_every_module_of_the_package() -> None:
    block = README.split("### Layout")[1].split("```text")[1].split("```")[0]
    package = REPO / "conformance"
    present = {
        p.name + ("/" if p.is_dir() else "")
        for p in package.iterdir()
        if not p.name.startswith(("_", ".")) and (p.is_dir() or p.suffix == ".py")
    }
    described = set(re.findall(r"^  (\w+(?:\.py|/))", block, re.M))
    assert described <= present, "the README describes what the package does not have"
    missing = {name for name in present if not re.search(rf"(?<![\w/]){re.escape(name)}", block)}
    assert missing == set(), "the README's layout leaves these out"
