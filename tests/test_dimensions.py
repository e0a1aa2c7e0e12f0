"""Dimensions beyond OpenAI's size list (issue 22 item 4), from profile to image.

The self-test profile tests/profiles/dims-refused.yaml has one model per kind:
width/height ranges with a step (wh-1), aspect ratios with resolution tiers and
documented pixels (ar-1), aspect ratios alone (ar-plain), a renamed size field
(renamed) and no dimension parameter (nodims). The faults that break each rule
(accept-width-step, wrong-ratio, ...) are run by tests/test_checks_catch_faults.py.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from PIL import Image

from conformance.errors import ConfigError
from conformance.plan import auth_probes, build_plan
from conformance.profile import Profile, load_profile_file
from conformance.server.runner import ReferenceServer
from tests.conftest import SuiteRun, assert_typo_is_one_line
from tests.dims_profile import REFUSED, post_generation

PROFILES = Path(__file__).parent / "profiles"


def _image_size(answer: httpx.Response) -> tuple[int, int]:
    item = answer.json()["data"][0]
    if "b64_json" in item:
        data = base64.b64decode(item["b64_json"])
    else:
        data = httpx.get(item["url"], timeout=30).content
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def test_each_kind_is_read_into_typed_dimensions(dims_refused: Profile) -> None:
    wh, ar, plain = (
        dims_refused.models["wh-1"],
        dims_refused.models["ar-1"],
        dims_refused.models["ar-plain"],
    )
    assert wh.dimensions.kind == "width_height"
    assert wh.sizes == ()
    assert wh.dimensions.width is not None
    assert wh.dimensions.width.step == 64
    assert ar.dimensions.pixel_size("16:9", "M") == "1024x576"
    assert plain.dimensions.pixel_size("3:2", None) is None
    assert dims_refused.models["renamed"].dimensions.field == "image_size"
    assert dims_refused.models["nodims"].dimensions.fields() == ()


def test_no_request_sends_size_where_the_model_takes_none(dims_refused: Profile) -> None:
    plan = build_plan(dims_refused, None, zero_balance=True)
    for probe in plan.probes:
        model = dims_refused.models[probe.model]
        if probe.body is None or model.dimensions.takes_size:
            continue
        # Only the probe that tests it sends OpenAI's size (auth and refused ones don't).
        assert ("size" in probe.body) == (probe.id == "size-not-taken"), probe.key
    # The shared auth probes are sent on the default model, wh-1: width and height.
    bodies = [p.body or {} for p in auth_probes(dims_refused, dims_refused.models["wh-1"])]
    assert all("size" not in b and b["width"] == 256 for b in bodies)


def test_valid_probes_cover_each_documented_value_and_expect_its_size(
    dims_refused: Profile,
) -> None:
    plan = build_plan(dims_refused, ["wh-1", "ar-1", "renamed"], zero_balance=False)
    valid = {p.key: p for p in plan.billable}
    widths = {p.body.get("width", 512) for p in valid.values() if p.model == "wh-1" and p.body}
    assert widths == {256, 512, 768}
    ar = [p for p in valid.values() if p.model == "ar-1"]
    assert {p.expect.size for p in ar} == {"256x256", "1024x576", "288x512"}
    renamed = [p.body for p in valid.values() if p.model == "renamed" and p.body]
    assert all("size" not in b for b in renamed)
    assert {b.get("image_size") for b in renamed} == {"256x256", None}  # None: the default


@pytest.mark.parametrize(
    ("body", "size"),
    [
        ({"model": "wh-1", "width": 320, "height": 768}, (320, 768)),
        ({"model": "wh-1"}, (512, 512)),  # the documented defaults
        ({"model": "ar-1", "aspect_ratio": "9:16", "resolution": "M"}, (576, 1024)),
        ({"model": "ar-1"}, (256, 256)),
        ({"model": "ar-plain", "aspect_ratio": "3:2"}, (1024, 682)),
        ({"model": "renamed", "image_size": "256x256"}, (256, 256)),
        ({"model": "nodims"}, (512, 512)),
    ],
)
def test_the_reference_server_draws_what_each_kind_asks(
    dims_server: ReferenceServer, body: dict[str, Any], size: tuple[int, int]
) -> None:
    answer = post_generation(dims_server, body)
    assert answer.status_code == 200, answer.text
    assert _image_size(answer) == size


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "wh-1", "width": 288}, "width"),  # off the step of 64
        ({"model": "wh-1", "height": 832}, "height"),
        ({"model": "wh-1", "width": "256"}, "width"),
        ({"model": "wh-1", "size": "512x512"}, "size"),
        ({"model": "ar-1", "aspect_ratio": "4:3"}, "aspect_ratio"),
        ({"model": "ar-1", "resolution": "L"}, "resolution"),
        ({"model": "renamed", "image_size": "999x999"}, "image_size"),
        ({"model": "renamed", "size": "256x256"}, "size"),
        ({"model": "nodims", "size": "512x512"}, "size"),
    ],
)
def test_the_reference_server_refuses_what_the_docs_rule_out(
    dims_server: ReferenceServer, body: dict[str, Any], param: str
) -> None:
    answer = post_generation(dims_server, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == param


def test_rehearsal_passes_in_docs_view_and_drop_in_shows_the_differences(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("--probes", "fixed", "--profile", str(REFUSED))
    assert run.exit_code == 0, run.output
    checks = run.results["checks"]
    assert not [c for c in checks if c["views"]["docs"]["outcome"] == "failed"]
    drop_in = {c["id"] for c in checks if c["views"]["drop-in"]["outcome"] == "failed"}
    # A client written for OpenAI sends size: every model here refuses it.
    assert "validation.not-refused[size-not-taken]" in drop_in
    assert "images.openai-size[gen-16-9-M-b64_json]" in drop_in
    judged = {c["id"] for c in checks if c["check"] == "images.dimensions"}
    assert "images.dimensions[gen-3-2-b64_json]" in judged  # the ratio of ar-plain


_TYPOS = [
    (("dimensions",), {"knd": "width_height"}, "dimensions"),
    (("dimensions", "width"), {"min": 256, "max": 768, "stpe": 64}, "stpe"),
    (("dimensions", "aspect_ratio"), {"valus": ["1:1"]}, "valus"),
    (("dimensions", "resolution"), {"values": ["S"], "feild": "res"}, "feild"),
    (("dimensions", "pixels"), {"S": {"1:1": "256 x 256"}}, "pixels"),
]


def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(REFUSED.read_text())
    return raw


def _set(raw: dict[str, Any], model: str, path: tuple[str, ...], value: Any) -> None:
    node = raw["models"][model]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@pytest.mark.parametrize(("path", "value", "named"), _TYPOS)
def test_a_typo_in_each_dimension_key_is_one_line_and_exit_4(
    tmp_path: Path,
    run_cli: Callable[..., SuiteRun],
    path: tuple[str, ...],
    value: Any,
    named: str,
) -> None:
    raw = _raw()
    _set(
        raw, "ar-1" if path[-1] in ("aspect_ratio", "resolution", "pixels") else "wh-1", path, value
    )
    assert_typo_is_one_line(run_cli, tmp_path, raw, named)


@pytest.mark.parametrize(
    ("model", "change", "problem"),
    [
        ("wh-1", {"width": {"min": 800, "max": 256}}, "min 800 is above max 256"),
        ("wh-1", {"width": {"min": 256, "max": 768, "step": 64, "default": 300}}, "default 300"),
        ("ar-1", {"pixels": {"S": {"16:9": "256x256"}}}, "does not have the ratio 16:9"),
        ("ar-1", {"aspect_ratio": {"values": ["wide"]}}, "'wide' is not a ratio W:H"),
        ("nodims", {"width": {"min": 1, "max": 2}}, "dimensions.width: not a key of kind none"),
    ],
)
def test_inconsistent_dimensions_are_named(
    tmp_path: Path, model: str, change: dict[str, Any], problem: str
) -> None:
    raw = _raw()
    raw["models"][model]["dimensions"].update(change)
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_profile_file(mine)
    assert problem in str(err.value)
    assert "\n" not in str(err.value)


def test_a_size_list_is_still_needed_for_kind_size(tmp_path: Path) -> None:
    raw = _raw()
    del raw["models"]["renamed"]["sizes"]
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_profile_file(mine)
    assert "sizes" in str(err.value)


# --- the faults of these rules change the server's behaviour ---------------------


def _case_wrong_ratio(srv: ReferenceServer) -> None:
    answer = post_generation(srv, {"model": "ar-plain", "aspect_ratio": "3:2"})
    assert _image_size(answer) == (682, 682)


def _case_refuses_undocumented(srv: ReferenceServer) -> None:
    # dims-ignored: wh-1 documents no quality, and the vendor ignores what it does not.
    assert post_generation(srv, {"model": "wh-1", "quality": "ultra"}).status_code == 400
    assert post_generation(srv, {"model": "ar-1", "quality": "anything"}).status_code == 400


DIMENSION_FAULT_CASES: dict[str, tuple[Path, Callable[[ReferenceServer], None]]] = {
    "wrong-ratio": (REFUSED, _case_wrong_ratio),
    "refuses-undocumented": (PROFILES / "dims-ignored.yaml", _case_refuses_undocumented),
}


@pytest.mark.parametrize("fault", list(DIMENSION_FAULT_CASES))
def test_fault_changes_behaviour(fault: str) -> None:
    path, case = DIMENSION_FAULT_CASES[fault]
    profile = load_profile_file(path)
    with ReferenceServer(profile) as clean:
        # Clean, the same requests are answered as the docs say.
        if fault == "wrong-ratio":
            assert _image_size(
                post_generation(clean, {"model": "ar-plain", "aspect_ratio": "3:2"})
            ) == (
                1024,
                682,
            )
        else:
            assert post_generation(clean, {"model": "wh-1", "quality": "ultra"}).status_code == 200
    with ReferenceServer(profile, faults=(fault,)) as srv:
        case(srv)


def test_the_ignored_fields_are_dropped_before_judging() -> None:
    ignored = load_profile_file(PROFILES / "dims-ignored.yaml")
    with ReferenceServer(ignored) as srv:
        answer = post_generation(srv, {"model": "nodims", "size": "256x256", "style": "x"})
        assert answer.status_code == 200
        assert _image_size(answer) == (512, 512)  # its documented size, not the one sent
