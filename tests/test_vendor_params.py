"""Vendor parameters and renamed values on DALL·E-form models (issue 22 item 5).

tests/profiles/dims-refused.yaml: wh-1 declares seed (integer range), steps (an
integer range written as min/max), guidance_scale (a number range),
negative_prompt (a free string) and output_format (values); ar-1 renames
response_format's b64_json to base64. The faults accept-vendor-* break each rule
(tests/test_checks_catch_faults.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.dalle.covering import covering_rows
from conformance.errors import ConfigError
from conformance.plan import build_plan
from conformance.profile import Profile, load_profile_file
from conformance.server.runner import ReferenceServer
from tests.conftest import SuiteRun, assert_typo_is_one_line
from tests.dims_profile import REFUSED, post_generation


def test_parameters_are_typed(dims_refused: Profile) -> None:
    params = dims_refused.models["wh-1"].vendor_params
    assert params["seed"].kind == "integer"
    assert params["seed"].maximum == 4294967295
    assert params["steps"].kind == "integer"
    assert params["steps"].default == 28
    assert params["guidance_scale"].kind == "number"
    assert params["guidance_scale"].default == 3.5
    assert params["negative_prompt"].free_form
    ar = dims_refused.models["ar-1"]
    # OpenAI's meaning inside the suite, the vendor's spelling on the wire.
    assert ar.response_formats == ("url", "b64_json")
    assert ar.vendor_params["response_format"].wire_value("b64_json") == "base64"
    assert ar.free_form("quality")
    assert ar.qualities == ()


def test_valid_values_ride_in_the_covering_set_at_no_extra_request(dims_refused: Profile) -> None:
    rows = covering_rows(dims_refused.models["wh-1"])
    assert len(rows) == 3  # as long as the width and height lists, not longer
    sent = [row.body for _, row in rows]
    assert {b.get("output_format", "png") for b in sent} == {"png", "jpeg"}
    assert {b["seed"] for b in sent} == {0, 4294967295}
    assert all(b["negative_prompt"] for b in sent)
    ar = covering_rows(dims_refused.models["ar-1"])
    b64 = [row for _, row in ar if row.expect.response_format == "b64_json"]
    assert b64
    assert all(row.body["response_format"] == "base64" for row in b64)


def test_each_rule_of_each_parameter_gets_a_free_refusal(dims_refused: Profile) -> None:
    plan = build_plan(dims_refused, ["wh-1"], zero_balance=False)
    ids = {p.id for p in plan.probes if p.kind == "invalid"}
    assert {
        "vendor-below-min-seed",
        "vendor-above-max-seed",
        "vendor-type-seed",
        "vendor-below-min-steps",
        "vendor-above-max-guidance_scale",
        "vendor-type-negative_prompt",
        "vendor-value-output_format",
    } <= ids
    # A free string has no value to refuse, only its type.
    assert "vendor-value-negative_prompt" not in ids


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "wh-1", "seed": 7, "steps": 50, "guidance_scale": 1.5}, 200),
        ({"model": "wh-1", "output_format": "jpeg", "negative_prompt": "fog"}, 200),
        ({"model": "wh-1", "steps": 51}, 400),
        ({"model": "wh-1", "guidance_scale": 0.5}, 400),
        ({"model": "wh-1", "seed": "7"}, 400),
        ({"model": "wh-1", "output_format": "gif"}, 400),
        ({"model": "wh-1", "negative_prompt": 5}, 400),
        ({"model": "ar-1", "response_format": "base64"}, 200),
        # OpenAI's spelling is not the vendor's value.
        ({"model": "ar-1", "response_format": "b64_json"}, 400),
        ({"model": "ar-1", "quality": "anything at all"}, 200),
    ],
)
def test_the_reference_server_emulates_each_parameter(
    dims_server: ReferenceServer, body: dict[str, Any], status: int
) -> None:
    answer = post_generation(dims_server, body)
    assert answer.status_code == status, answer.text


def test_a_renamed_value_answers_under_the_b64_json_key(dims_server: ReferenceServer) -> None:
    answer = post_generation(dims_server, {"model": "ar-1", "response_format": "base64"})
    item = answer.json()["data"][0]
    assert base64.b64decode(item["b64_json"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_rehearsal_of_the_parameters_passes_in_the_docs_view(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("--probes", "fixed", "--profile", str(REFUSED), "--models", "wh-1,ar-1")
    assert run.exit_code == 0, run.output
    checks = run.results["checks"]
    judged = {c["id"] for c in checks if c["views"]["docs"]["outcome"] == "passed"}
    assert "validation.rejected[vendor-above-max-steps]" in judged
    assert "images.b64[gen-16-9-M-b64_json]" in judged  # asked as base64


def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(REFUSED.read_text())
    return raw


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("steps", {"mn": 1, "max": 50}, "steps"),
        ("guidance_scale", {"type": "numbr", "min": 1}, "guidance_scale"),
        ("output_format", {"values": ["png"], "defualt": "png"}, "output_format"),
        ("seed", {"type": "integer", "min": 0, "maxx": 5}, "seed"),
    ],
)
def test_a_typo_in_a_parameter_is_one_line_and_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun], name: str, value: Any, named: str
) -> None:
    raw = _raw()
    raw["models"]["wh-1"]["parameters"][name] = value
    assert_typo_is_one_line(run_cli, tmp_path, raw, named)


@pytest.mark.parametrize(
    ("model", "name", "value", "problem"),
    [
        ("ar-1", "response_format", {"values": ["url", "base64"]}, "say what each means"),
        ("wh-1", "steps", {"min": 5, "max": 1}, "min 5 is above max 1"),
        ("wh-1", "output_format", {"values": ["png"], "default": "gif"}, "'gif' is not one"),
        ("wh-1", "n", {"min": 1, "max": 2}, "OpenAI's own field"),
        ("wh-1", "output_format", {"values": ["png"], "means": {"png": "url"}}, "only response"),
    ],
)
def test_inconsistent_parameters_are_named(
    tmp_path: Path, model: str, name: str, value: Any, problem: str
) -> None:
    raw = _raw()
    raw["models"][model]["parameters"][name] = value
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_profile_file(mine)
    assert problem in str(err.value)
    assert "\n" not in str(err.value)
