"""A per-customer base URL template and a required query parameter, from the profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.config import resolve
from conformance.errors import ConfigError
from tests.conftest import REPO, SuiteRun

AZURE = "https://{resource}.openai.azure.com/openai/v1"


@pytest.fixture(autouse=True)
def _a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vendor run reads its key; none is sent here."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")


def _azure(tmp_path: Path, **change: Any) -> Path:
    raw = yaml.safe_load((REPO / "profiles" / "openai.yaml").read_text())
    raw["name"] = "azure-like"
    raw["base_url"] = AZURE
    raw["base_url_vars"] = {
        "resource": {"env": "IGC_AZURE_RESOURCE", "description": "your resource name"}
    }
    raw["query"] = {"api-version": {"env": "IGC_AZURE_API_VERSION", "default": "preview"}}
    raw.update(change)
    path = tmp_path / "azure.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _base_url(path: Path, **options: Any) -> str | None:
    return resolve({"profile": str(path), "base_url": "profile", **options}).base_url


def test_the_template_is_filled_from_an_option_or_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _azure(tmp_path)
    monkeypatch.delenv("IGC_AZURE_API_VERSION", raising=False)
    monkeypatch.setenv("IGC_AZURE_RESOURCE", "fromenv")
    want = "https://{}.openai.azure.com/openai/v1?api-version=preview"
    assert _base_url(path) == want.format("fromenv")
    assert _base_url(path, base_url_vars=["resource=fromopt"]) == want.format("fromopt")
    monkeypatch.setenv("IGC_AZURE_API_VERSION", "2025-04-01-preview")
    assert _base_url(path).endswith("?api-version=2025-04-01-preview")


def test_a_query_given_in_the_base_url_wins_and_the_query_is_added_otherwise(
    tmp_path: Path,
) -> None:
    path = _azure(tmp_path)
    given = resolve({"profile": str(path), "base_url": "https://h/v1?api-version=mine"})
    assert given.base_url == "https://h/v1?api-version=mine"
    added = resolve({"profile": str(path), "base_url": "https://h/v1"})
    assert added.base_url == "https://h/v1?api-version=preview"


def test_a_missing_value_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IGC_AZURE_RESOURCE", raising=False)
    with pytest.raises(ConfigError) as err:
        _base_url(_azure(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert "needs {resource} (your resource name): set IGC_AZURE_RESOURCE" in message
    with pytest.raises(ConfigError, match="is not a plain name"):
        _base_url(_azure(tmp_path), base_url_vars=["resource=evil.com/x?"])
    with pytest.raises(ConfigError, match=r"has no \{region\}"):
        _base_url(_azure(tmp_path), base_url_vars=["region=x"])


def test_old_profiles_need_no_new_keys() -> None:
    assert resolve({"profile": "openai", "base_url": "https://h/v1"}).base_url == "https://h/v1"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"base_url_varz": {}}, "unknown key 'base_url_varz' at the top level"),
        ({"base_url_vars": {"resource": {"envv": "X"}}}, "unknown key 'envv'"),
        ({"query": {"api-version": {"valeu": "x"}}}, "query.api-version"),
        ({"base_url_vars": {}}, "base_url uses {resource}, which base_url_vars does not declare"),
        (
            {"base_url_vars": {"resource": {"env": "A"}, "zone": {"env": "B"}}},
            "base_url_vars.zone is declared but base_url has no {zone}",
        ),
    ],
)
def test_profile_check_passes_the_new_keys_and_names_a_typo_in_one_line(
    tmp_path: Path, run_cli: Callable[..., SuiteRun], change: dict[str, Any], says: str
) -> None:
    ok = run_cli("profile", "check", str(_azure(tmp_path)))
    assert ok.exit_code == 0, ok.output
    bad = run_cli("profile", "check", str(_azure(tmp_path, **change)))
    assert bad.exit_code == 4
    [line] = bad.output.strip().splitlines()
    assert says in line
