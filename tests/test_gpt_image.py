"""A gpt-image-2 that is right but for one thing fails the run, naming the check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.errors import ConfigError
from conformance.profile import load_profile, load_profile_file, openai_baseline
from conformance.resources import bundled_profiles, data_dir
from conformance.verdict import drop_in_rules
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]

# The five: a url instead of b64, no usage, a PNG for jpeg, an opaque
# image for transparent, "auto" echoed.
ONE_THING_WRONG = {
    "gpt-url": "gpt-image.b64-only",
    "gpt-usage-missing": "gpt-image.usage",
    "gpt-png-for-jpeg": "gpt-image.output-format",
    "gpt-opaque": "gpt-image.transparency",
    "gpt-echo-auto": "gpt-image.echo",
}


@pytest.mark.parametrize("fault", list(ONE_THING_WRONG))
def test_gpt_image_2_with_one_thing_wrong_exits_1_naming_the_check(
    run_suite: RunSuite, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    run = run_suite("--models", "gpt-image-2", "--probes", "fixed", "--fault", fault)
    check = ONE_THING_WRONG[fault]
    assert run.exit_code == 1
    failed = {c["id"].split("[")[0] for c in run.results["checks"] if c["outcome"] == "failed"}
    assert check in failed
    # pytest's failure section is headed by the test id, which names the check.
    assert f"test_contract[gpt-image-2:{check}:" in capsys.readouterr().out


def test_the_openai_profile_passes_clean_and_bills_its_longest_list_plus_one_per_model(
    run_suite: RunSuite,
) -> None:
    run = run_suite("--profile", "openai", "--fuzz-examples", "20")
    assert run.exit_code == 0
    assert run.results["summary"]["failed"] == 0
    # gpt-image-2 and the 2.6 models: 4 requests, two of them streams, one with a
    # partial image: 5 images, the longest value list (4) + 1; the 2.5 models list
    # six qualities: 6 requests, 7 images. Every second streaming model (2.5-sunburst,
    # 2.6-sunburst) spends its extra image on n = 2 instead: one stream, not two.
    # And 4 images a model for its 2 edits (n = 2, and a stream with a partial);
    # no property-based valid case by default on GPT models (--fuzz-valid 0).
    assert run.results["requests"]["billable"] == 3 * 5 + 2 * 7 + 5 * 4
    # The report shows every returned image, a stream's completed image included;
    # each model's 2 edits return 3 images.
    html = (run.report_dir / "report.html").read_text()
    gallery = html[html.index("<h3>Returned images</h3>") :]
    assert gallery.count("<figure>") == 3 * 4 + 2 * 6 + 2 + 5 * 3
    assert gallery.count("via image_generation.completed.b64_json") == 5 * 2 - 2
    assert gallery.count("via image_edit.completed.b64_json") == 5


def test_a_profile_naming_an_unknown_rule_is_one_line_naming_the_key(tmp_path: Path) -> None:
    raw = yaml.safe_load(bundled_profiles()["openai"].read_text())
    raw["models"]["gpt-image-2"]["rules"] = ["transparent-needs-png-or-webp", "png-is-evil"]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        load_profile_file(path)
    message = str(err.value)
    assert "models.gpt-image-2.rules: unknown rule 'png-is-evil'" in message
    assert "\n" not in message


def test_profile_check_refuses_an_unknown_rule_with_exit_4(
    run_cli: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    raw = yaml.safe_load(bundled_profiles()["openai"].read_text())
    raw["models"]["gpt-image-2.5-flare"]["rules"] = ["no-such-rule"]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    run = run_cli("profile", "check", str(path))
    assert run.exit_code == 4
    [line] = [x for x in run.output.splitlines() if x.strip()]
    assert "models.gpt-image-2.5-flare.rules: unknown rule 'no-such-rule'" in line


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"quality": {"values": ["low"], "default": "auto"}}, "parameters.quality: default 'auto'"),
        ({"moderation": {"valuez": ["low"]}}, "parameters.moderation: expected unsupported"),
        ({"colour": "unsupported"}, "unknown key 'colour'"),
        ({"output_compression": {"min": 100, "max": 0}}, "min 100 is above max 0"),
    ],
)
def test_bad_parameter_declarations_are_named(tmp_path: Path, change: dict, says: str) -> None:
    raw = yaml.safe_load(bundled_profiles()["openai"].read_text())
    raw["models"]["gpt-image-2"]["parameters"] = {
        **raw["models"]["gpt-image-2"]["parameters"],
        **change,
    }
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=says.replace("(", r"\(")):
        load_profile_file(path)


def test_the_template_shows_both_families() -> None:
    template = load_profile_file(data_dir("profiles") / "TEMPLATE.yaml")
    assert {m.family for m in template.models.values()} == {"dalle", "gpt"}


def test_a_family_other_than_gpt_is_judged_as_dalle(tmp_path: Path) -> None:
    raw = yaml.safe_load((data_dir("profiles") / "TEMPLATE.yaml").read_text())
    raw["models"]["model-a"]["family"] = "imagen"
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert load_profile_file(path).models["model-a"].family == "dalle"


def test_each_family_has_its_own_drop_in_baseline() -> None:
    assert openai_baseline("gpt").name == "openai"
    assert openai_baseline("dalle").name == "openai-dalle"
    assert "dall-e-3" in openai_baseline("dalle").models
    # A vendor's rules in the drop-in view: DALL·E's statuses, plus the GPT family's own.
    ezmodel = drop_in_rules(load_profile("ezmodel"))
    assert ezmodel.errors == openai_baseline("dalle").errors
    template = drop_in_rules(load_profile_file(data_dir("profiles") / "TEMPLATE.yaml"))
    assert template.errors["unknown_parameter"].code == "unknown_parameter"


# Values the 2026-08-21 spec lacks and the SDK's image_generate_params.py has.
SDK_ONLY = {"quality": {"xhigh", "max"}, "output_format": {"gif", "svg"}}


def test_the_profile_declares_only_values_the_vendored_spec_knows() -> None:
    spec = yaml.safe_load((data_dir("specs") / "openai-gpt-image.yaml").read_text())
    request = spec["components"]["schemas"]["CreateImageRequest"]["properties"]
    for model in load_profile("openai").models.values():
        gpt = model.gpt
        assert gpt is not None
        for name in ("quality", "background", "output_format", "moderation"):
            # Newer than the spec, from the SDK's types (openai-python 3.57.0).
            newer = SDK_ONLY.get(name, set())
            assert set(gpt.values(name)) <= set(request[name]["enum"]) | newer, (model.name, name)
        assert set(gpt.size.values) <= set(request["size"]["anyOf"][1]["enum"])
        assert model.prompt_max_chars == 32000
        assert (model.n_min, model.n_max) == (request["n"]["minimum"], request["n"]["maximum"])
