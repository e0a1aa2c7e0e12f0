"""The wheel carries the contract and the profiles, so an installed copy finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # builds and installs a wheel


def test_wheel_ships_specs_and_profiles_as_package_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("imagegen_conformance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "conformance/_data/specs/openai-images.yaml" in names
    assert "conformance/_data/specs/openai-gpt-image.yaml" in names
    for profile in ("openai", "openai-dalle", "modelmax", "ezmodel", "yescale", "TEMPLATE"):
        assert f"conformance/_data/profiles/{profile}.yaml" in names
    for schema in ("profile", "app", "results", "recording"):
        assert f"conformance/schemas/{schema}.schema.json" in names
    # The Node clients' pins and runner, installed from the wheel like from a checkout.
    for name in ("package.json", "package-lock.json", "runner.cjs"):
        assert f"conformance/clients/node/{name}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text
    assert "conformance = conformance.plugin" in text
