"""Profiles: every bundled one validates; bad ones are refused with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.errors import ConfigError
from conformance.profile import load_profile, load_profile_file
from conformance.resources import bundled_profiles, data_dir


@pytest.mark.parametrize("path", sorted(data_dir("profiles").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_profile_in_the_repo_validates(path: Path) -> None:
    profile = load_profile_file(path)
    assert profile.default_model in profile.models
    for model in profile.models.values():
        # A model of other dimensions (width/height, aspect ratio, none) lists no sizes.
        assert model.sizes or model.dimensions.kind != "size"
        assert model.n_min <= model.n_max


def test_profiles_are_found_by_name() -> None:
    assert {"openai", "openai-dalle"} <= set(bundled_profiles())
    assert load_profile("openai-dalle").models["dall-e-3"].n_max == 1
    assert load_profile("openai").models["gpt-image-2"].family == "gpt"


def _write(tmp_path: Path, mutate: object) -> Path:
    raw = yaml.safe_load(bundled_profiles()["openai-dalle"].read_text())
    assert callable(mutate)
    mutate(raw)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_typo_in_a_key_is_named(tmp_path: Path) -> None:
    def typo(raw: dict) -> None:
        raw["models"]["dall-e-2"]["sizez"] = raw["models"]["dall-e-2"].pop("sizes")

    with pytest.raises(ConfigError) as err:
        load_profile(str(_write(tmp_path, typo)))
    message = str(err.value)
    assert "unknown key 'sizez' at models.dall-e-2" in message
    assert "\n" not in message


def test_a_typo_at_the_top_level_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key 'limitz' at the top level"):
        load_profile(str(_write(tmp_path, lambda raw: raw.update(limitz={}))))


def test_cross_field_rules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default_model 'dall-e-9' is not among its models"):
        load_profile(str(_write(tmp_path, lambda raw: raw.update(default_model="dall-e-9"))))


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nmodels: [unclosed\n")
    with pytest.raises(ConfigError, match=r"malformed YAML at line \d+"):
        load_profile(str(path))


def test_unknown_profile_lists_the_bundled_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'nosuch': use one of .*openai"):
        load_profile("nosuch")
