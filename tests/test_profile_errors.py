"""Profile errors name the bad value, show every problem and explain patterns in words."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.errors import ConfigError
from conformance.profile import load_profile_file
from conformance.resources import bundled_profiles, profile_schema_path
from tests.conftest import SuiteRun


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _openai() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(bundled_profiles()["openai"].read_text())
    return raw


def _message(path: Path) -> str:
    with pytest.raises(ConfigError) as err:
        load_profile_file(path)
    return str(err.value)


def test_a_misspelt_family_is_blamed_not_the_keys_it_makes_unknown(tmp_path: Path) -> None:
    raw = _openai()
    raw["models"]["gpt-image-2"]["family"] = "gtp"
    message = _message(_write(tmp_path, raw))
    assert "\n" not in message
    assert "models.gpt-image-2.family: 'gtp'" in message
    assert "did you mean family: gpt?" in message
    assert "unknown key 'parameters'" not in message


def test_gpt_keys_without_a_family_say_to_add_one(tmp_path: Path) -> None:
    raw = _openai()
    del raw["models"]["gpt-image-2"]["family"]
    message = _message(_write(tmp_path, raw))
    assert "models.gpt-image-2: has no family" in message
    assert "add family: gpt" in message


def test_every_problem_is_shown_one_line_each_with_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    raw = _openai()
    raw["name"] = "Open AI"
    raw["errors"]["invalid_request"]["status"] = [200]
    raw["limits"]["rate_limit"] = "5 per minute"
    raw["models"]["gpt-image-2"]["family"] = "gtp"
    run = run_cli("profile", "check", str(_write(tmp_path, raw)))
    assert run.exit_code == 4
    assert "Traceback" not in run.output
    lines = run.output.strip().splitlines()
    assert lines[0].endswith("4 problems:"), lines
    assert lines[1:] == [
        "  name: 'Open AI' is not a name of lowercase letters, digits, '-' and '_' that "
        "starts with a letter or digit (e.g. my-vendor)",
        "  models.gpt-image-2.family: 'gtp' is not gpt, so the model is read in the DALL·E "
        "form, where edits, prices, rules, size, snapshots are unknown keys; "
        "did you mean family: gpt?",
        "  errors.invalid_request.status.0: 200 is less than the minimum of 400",
        "  limits.rate_limit: '5 per minute' is not a rate: requests per s, m or h "
        "(e.g. 60/m or 0.5/s)",
    ]


def test_problems_of_several_models_are_all_shown(tmp_path: Path) -> None:
    raw = _openai()
    raw["models"]["gpt-image-2.5-flare"]["rules"] = ["no-such-rule"]
    raw["models"]["gpt-image-2"]["rules"] = ["png-is-evil"]
    message = _message(_write(tmp_path, raw))
    assert "2 problems" in message
    assert "models.gpt-image-2.5-flare.rules: unknown rule 'no-such-rule'" in message
    assert "models.gpt-image-2.rules: unknown rule 'png-is-evil'" in message


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_of_the_schema_is_explained_in_words() -> None:
    from conformance.profile.problems import PATTERN_WORDS

    schema = json.loads(profile_schema_path().read_text())
    missing = set(_patterns(schema)) - set(PATTERN_WORDS)
    assert not missing, f"say in PATTERN_WORDS what these patterns mean: {missing}"


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        (("auth", "key_env"), "MY-KEY", "'MY-KEY' is not an environment variable name"),
        (("status_codes", "4xx"), "Bad", "the key '4xx' is not a three-digit HTTP status code"),
        (("base_url",), "ftp://x", "'ftp://x' is not an http:// or https:// URL"),
    ],
)
def test_a_pattern_error_names_the_value_in_words(
    tmp_path: Path, where: tuple[str, ...], value: str, says: str
) -> None:
    raw = _openai()
    node = raw
    for key in where[:-1]:
        node = node.setdefault(key, {})
    node[where[-1]] = value
    message = _message(_write(tmp_path, raw))
    assert says in message
    assert "^" not in message
    assert "does not match" not in message


def test_a_value_with_a_colon_gets_a_hint_to_quote_it(tmp_path: Path) -> None:
    path = tmp_path / "colon.yaml"
    path.write_text("name: acme\ntitle: Acme: images\n")
    message = _message(path)
    assert "malformed YAML at line 2" in message
    assert "a value that contains ': ' must be quoted" in message
