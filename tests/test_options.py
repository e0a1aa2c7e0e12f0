"""The options table (conformance/options.py) is the one place an option is declared.

Forgetting a step when adding one fails here: a row with no scenario, a
scenario that changes nothing (the option is never read by config.resolve),
or a key that is not declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.config import RunConfig, resolve
from conformance.errors import ConfigError
from conformance.lifecycle.dates import TODAY_ENV
from conformance.options import OPTIONS, OptionValues
from conformance.plugin import pytest_addoption

VENDOR = {"base_url": "http://127.0.0.1:9/v1"}
# openai-legacy's gpt-image-1-mini and gpt-image-1.5 shut down on this day.
SHUTDOWN_DAY = "2026-12-01"

# For each option that configures a run: values that include it. Resolving them with
# and without the option must give different RunConfigs (or one of them must refuse).
SCENARIOS: dict[str, dict[str, Any]] = {
    "base_url": {**VENDOR},
    # Fills a profile's base URL template; without --base-url profile it is refused.
    "base_url_vars": {"base_url_vars": ["resource=myres"]},
    # Picks one of a profile's hosts; without --base-url profile it is refused.
    "host": {"host": "eu"},
    # Names a model's deployment; the default profile has none, so it is refused.
    "deployments": {"deployments": ["gpt-image-2=mine"]},
    "profile": {"profile": "openai-dalle"},
    "api_key_env": {**VENDOR, "api_key_env": "B18_OTHER_KEY"},
    "models": {"models": "gpt-image-2"},
    # Judged on the day gpt-image-1.5 shut down (SHUTDOWN_DAY): refused without it.
    "allow_shutdown": {
        "profile": "openai-legacy",
        "models": "gpt-image-1.5",
        "allow_shutdown": True,
    },
    "budget": {"budget": "3"},
    "report_dir": {"report_dir": "somewhere"},
    "view": {"view": "drop-in"},
    "fail_on": {"fail_on": "must"},
    "faults": {"profile": "openai-dalle", "faults": ["n-ignored"]},
    "concurrency": {"concurrency": "2"},
    "headers": {"headers": ["X-Extra: yes"]},
    "connect_timeout": {"connect_timeout": "3"},
    "read_timeout": {"read_timeout": "5"},
    "deadline": {"deadline": "700"},
    "refusal_timeout": {"refusal_timeout": "4"},
    "image_timeout": {"image_timeout": "6"},
    "zero_balance_key_env": {"zero_balance_key_env": "B18_ZERO_KEY"},
    "preview_access": {"preview_access": "gif"},
    "record": {"record": "rec"},
    "replay": {"replay": "REPLAY"},
    "rate_limit": {"rate_limit": "5/s"},
    "retries": {"retries": "2"},
    "max_body": {"max_body": "1M"},
    "allow_insecure_http": {"base_url": "http://example.com/v1", "allow_insecure_http": True},
    "probes": {"probes": "fixed"},
    "depth": {"depth": "full"},
    "fuzz_examples": {"fuzz_examples": "3"},
    "fuzz_valid": {"fuzz_valid": "2"},
    "seed": {"seed": "7"},
    "progress_every": {"progress_every": "0"},
}


def test_every_option_that_configures_a_run_has_a_scenario() -> None:
    assert set(SCENARIOS) == {opt.dest for opt in OPTIONS if opt.configures_run}


def _resolved(values: dict[str, Any]) -> RunConfig | str:
    try:
        return resolve(values)
    except ConfigError as exc:
        return f"refused: {exc}"


@pytest.mark.parametrize("dest", sorted(SCENARIOS))
def test_each_option_changes_the_run_config(
    dest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("B18_OTHER_KEY", "sk-other")
    monkeypatch.setenv(TODAY_ENV, SHUTDOWN_DAY)
    (tmp_path / "recording.json").write_text("{}")
    values = {k: (str(tmp_path) if v == "REPLAY" else v) for k, v in SCENARIOS[dest].items()}
    without = {k: v for k, v in values.items() if k != dest}
    assert _resolved(values) != _resolved(without), f"{dest} is never read by config.resolve"


def test_an_undeclared_option_key_is_refused_loudly() -> None:
    with pytest.raises(KeyError, match="budjet"):
        resolve({"budjet": "3"})
    with pytest.raises(KeyError, match="budjet"):
        OptionValues({})["budjet"]


def test_the_pytest_plugin_declares_exactly_the_table() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.options: dict[str, dict[str, object]] = {}

        def getgroup(self, *args: object) -> Recorder:
            return self

        def addoption(self, name: str, **kwargs: object) -> None:
            self.options[name] = kwargs

    recorder = Recorder()
    pytest_addoption(recorder)  # type: ignore[arg-type]
    assert list(recorder.options) == [opt.name for opt in OPTIONS]
    for opt in OPTIONS:
        assert recorder.options[opt.name]["dest"] == f"conformance_{opt.dest}"
        assert opt.help in str(recorder.options[opt.name]["help"])
