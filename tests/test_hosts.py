"""Several documented hosts: the default, ``--host NAME``, and what a profile may list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.config import resolve
from conformance.errors import ConfigError
from conformance.profile import load_profile, load_profile_file
from tests.conftest import REPO, SuiteRun

HOSTS = [
    {"name": "us", "url": "https://us.api.example/v1"},
    {"name": "eu", "url": "https://eu.api.example/v1", "description": "EU data residency"},
]


@pytest.fixture(autouse=True)
def _a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vendor run reads its key; none is sent here."""
    monkeypatch.setenv("EZMODEL_API_KEY", "sk-test-not-a-real-key")


def _profile(tmp_path: Path, **change: Any) -> Path:
    raw = yaml.safe_load((REPO / "profiles" / "ezmodel.yaml").read_text())
    raw.update(change)
    for key, value in change.items():
        if value is None:
            del raw[key]
    path = tmp_path / "hosts.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _base_url(path: Path, **options: Any) -> str | None:
    return resolve({"profile": str(path), **options}).base_url


def test_base_url_profile_keeps_meaning_the_default_and_host_picks_another(
    tmp_path: Path,
) -> None:
    path = _profile(tmp_path, hosts=HOSTS)
    # base_url stays the default even when it is not a listed host.
    assert _base_url(path, base_url="profile") == "https://api.ezmodel.cloud/v1"
    assert _base_url(path, base_url="profile", host="eu") == "https://eu.api.example/v1"
    assert _base_url(path, base_url="profile", host="us") == "https://us.api.example/v1"


def test_without_base_url_the_first_host_is_the_default(tmp_path: Path) -> None:
    path = _profile(tmp_path, hosts=HOSTS, base_url=None)
    assert load_profile_file(path).base_url == "https://us.api.example/v1"
    assert _base_url(path, base_url="profile") == "https://us.api.example/v1"


def test_a_wrong_host_is_one_line(tmp_path: Path) -> None:
    path = _profile(tmp_path, hosts=HOSTS)
    with pytest.raises(ConfigError) as err:
        _base_url(path, base_url="profile", host="apac")
    assert str(err.value) == "--host apac: not one of the profile's hosts (us, eu)"
    with pytest.raises(ConfigError, match="use it with --base-url profile"):
        _base_url(path, base_url="https://elsewhere.example/v1", host="eu")
    with pytest.raises(ConfigError, match="documents one base URL and no hosts"):
        _base_url(_profile(tmp_path), base_url="profile", host="eu")


def test_a_host_url_may_be_a_template_of_the_declared_vars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IGC_RES", "mine")
    hosts = [{"name": "alt", "url": "https://{resource}.alt.example/v1"}]
    vars_ = {"resource": {"env": "IGC_RES"}}
    path = _profile(tmp_path, hosts=hosts, base_url_vars=vars_)
    assert _base_url(path, base_url="profile", host="alt") == "https://mine.alt.example/v1"
    undeclared = _profile(tmp_path, hosts=hosts)
    with pytest.raises(ConfigError, match=r"hosts\.alt uses \{resource\}"):
        load_profile_file(undeclared)


@pytest.mark.parametrize(
    ("hosts", "problem"),
    [
        ([HOSTS[0], HOSTS[0]], "'us' is listed twice"),
        ([HOSTS[0], {"name": "other", "url": "https://us.api.example/v1/"}], "the same URL"),
        ([{"name": "us", "url": "ftp://x/v1"}], "hosts.0.url"),
        ([{"name": "us", "url": "https://x/v1", "region": "eu"}], "region"),
        ([{"url": "https://x/v1"}], "'name' is a required property"),
        ([], "hosts"),
    ],
)
def test_a_bad_host_list_is_refused_in_one_line_and_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun], hosts: list[Any], problem: str
) -> None:
    path = _profile(tmp_path, hosts=hosts)
    run = run_cli("profile", "check", str(path))
    assert run.exit_code == 4
    assert problem in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert "Traceback" not in run.output


def test_a_profile_with_hosts_checks_clean(run_cli: Callable[..., SuiteRun]) -> None:
    run = run_cli("profile", "check", "nanogpt")
    assert run.exit_code == 0, run.output
    profile = load_profile("nanogpt")
    assert [h.name for h in profile.hosts] == ["v1", "api"]
    assert profile.base_url == "https://nano-gpt.com/v1"
