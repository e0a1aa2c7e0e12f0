"""The success answer as a vendor documents it (response.shape, response.usage).

Each self-test profile in tests/profiles/ rehearses against the reference server
emulating it: the docs view passes (exit 0), and the drop-in view shows exactly the
profile's declared deviations, which are the shape's differences from OpenAI's. The
server answers in the documented shape; the shape faults (shape-ignored,
shape-fields-missing, usage-shape-ignored) fail generation.schema / generation.usage
in tests/test_checks_catch_faults.py, and pass on the clean server here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from conformance.checks.base import Context
from conformance.checks.generation import schema
from conformance.exchange import Exchange, RecordedRequest, RecordedResponse
from conformance.plan import build_plan
from conformance.profile import load_profile
from conformance.profile.shape import OPENAI_SHAPE
from conformance.resources import bundled_profiles
from conformance.server.app import create_app
from conformance.vocabulary import View
from tests.conftest import assert_typo_is_one_line
from tests.shape_profiles import (
    HERE,
    SHAPE_PROFILES,
    RunSuite,
    images_profile,
    known_deviations,
    shape_profile,
    unexpected,
)

KEY = "sk-test-shape"

# The faults these server-level tests show changing an answer (test_server's census).
SHAPE_FAULTS_SEEN = (
    "shape-ignored",
    "shape-fields-missing",
    "usage-shape-ignored",
    "n-rename-ignored",
)


def _generate(name: str, body: dict[str, Any], *faults: str) -> Any:
    client = TestClient(create_app(shape_profile(name), KEY, faults))
    answer = client.post(
        "/v1/images/generations", json=body, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_bundled_profiles_keep_openais_shape() -> None:
    # Old profiles mean the same: no shape key is OpenAI's shape; the GPT models'
    # usage stays OpenAI's (usage none, TEMPLATE.yaml's value, keeps it for them).
    # together documents its own answer shape (issue 22's real vendors); the rest
    # were written before the key existed.
    for name in bundled_profiles():
        profile = load_profile(name)
        if name == "together":
            assert profile.shape != OPENAI_SHAPE
            assert not profile.shape.created
            continue
        assert profile.shape == OPENAI_SHAPE
        if any(m.gpt is not None for m in profile.models.values()):
            assert profile.gpt_usage == "openai"
    template = yaml.safe_load((bundled_profiles()["openai"].parent / "TEMPLATE.yaml").read_text())
    assert template["response"]["usage"] == "none"


def test_the_shape_is_parsed_with_its_defaults() -> None:
    shape = shape_profile("shape-images").shape
    assert (shape.list_key, shape.created, shape.usage, shape.echo) == ("images", False, True, True)
    assert shape.fields == ("id", "seed", "timings")
    assert shape.item_fields == ("seed", "mime_type")
    bare = shape_profile("shape-bare")
    assert (bare.shape.list_key, bare.shape.usage, bare.shape.echo) == ("data", False, False)
    assert bare.gpt_usage == "none"
    assert shape_profile("shape-gpt").gpt_usage == "chat"


def test_the_server_answers_in_the_documented_shape() -> None:
    # flux-schnell calls n num_images (n: rename).
    body = {"model": "flux-schnell", "prompt": "a red cube", "num_images": 2}
    answer = _generate("shape-images", body)
    assert "data" not in answer
    assert "created" not in answer
    assert len(answer["images"]) == 2
    assert {"id", "seed", "timings"} <= set(answer)
    assert all({"seed", "mime_type", "b64_json"} <= set(item) for item in answer["images"])
    assert set(answer["usage"]) == {"cost"}
    gpt = _generate("shape-images", {"model": "gpt-image-2", "prompt": "a red cube"})
    assert gpt["images"][0]["mime_type"] == "image/png"
    assert set(gpt["usage"]) == {"cost"}


def test_the_gpt_form_leaves_out_what_it_does_not_document() -> None:
    bare = _generate("shape-bare", {"model": "gpt-image-2", "prompt": "a red cube"})
    assert "usage" not in bare
    assert not {"size", "quality", "background", "output_format"} & set(bare)
    chat = _generate("shape-gpt", {"model": "gpt-image-2", "prompt": "a red cube"})
    assert set(chat["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert "id" in chat
    assert chat["data"][0]["mime_type"] == "image/png"


def test_the_faults_answer_openais_shape_or_leave_the_fields_out() -> None:
    body = {"model": "flux-schnell", "prompt": "a red cube"}
    ignored = _generate("shape-images", body, "shape-ignored")
    assert {"data", "created"} <= set(ignored)
    assert "images" not in ignored
    bare = _generate("shape-images", body, "shape-fields-missing")
    assert "id" not in bare
    assert "seed" not in bare["images"][0]
    tokens = _generate("shape-images", body, "usage-shape-ignored")
    assert "total_tokens" in tokens["usage"]


def _judged(payload: Any, view: View) -> str:
    """generation.schema's outcome on one answer, in one view of shape-images."""
    profile = shape_profile("shape-images")
    probe = next(p for p in build_plan(profile, ["flux-schnell"]).probes if p.kind == "valid")
    response = RecordedResponse(
        status=200,
        headers=[("content-type", "application/json")],
        body=json.dumps(payload).encode(),
    )
    request = RecordedRequest(method="POST", url="http://x/v1/images/generations", headers=[])
    exchange = Exchange(probe_key=probe.key, request=request, response=response)
    return schema(Context(probe, exchange, profile, view)).outcome


def test_generation_schema_judges_by_the_shape_in_the_docs_view_only() -> None:
    item = {"b64_json": "aGk=", "seed": 1, "mime_type": "image/png"}
    documented = {"id": "x", "seed": 1, "timings": {}, "images": [item]}
    assert _judged(documented, "docs") == "passed"
    assert _judged(documented, "drop-in") == "failed"
    openai = {"created": 1, "data": [{"b64_json": "aGk="}]}
    assert _judged(openai, "docs") == "failed"
    assert _judged(openai, "drop-in") == "passed"
    no_fields = {"images": [{"b64_json": "aGk="}]}
    assert _judged(no_fields, "docs") == "failed"


@pytest.mark.parametrize("name", SHAPE_PROFILES)
def test_a_shape_profile_passes_its_own_docs(run_suite: RunSuite, name: str) -> None:
    run = run_suite("--profile", str(HERE / f"{name}.yaml"), "--view", "docs")
    assert unexpected(run) == []
    assert run.exit_code == 0
    assert run.results["summary"]["passed"] > 100


@pytest.mark.parametrize("name", SHAPE_PROFILES)
def test_drop_in_shows_the_shape_as_its_deviations(run_suite: RunSuite, name: str) -> None:
    profile = shape_profile(name)
    run = run_suite("--profile", str(HERE / f"{name}.yaml"), "--view", "drop-in")
    seen, declared = known_deviations(run, profile)
    assert seen == declared
    assert unexpected(run) == []
    assert run.exit_code == 0


# One typo in each new key: one line naming it, exit 4.
TYPOS = [
    (("response", "shape"), {"lsit": "images"}, "unknown key 'lsit' at response.shape"),
    (("response", "shape"), {"created": "no"}, "response.shape.created"),
    (("response", "shape"), {"fields": ["a b"]}, "response.shape.fields.0"),
    (("response", "shape"), {"item_feilds": ["seed"]}, "did you mean 'item_fields'"),
    (("response", "shape"), {"list": "created", "fields": ["created"]}, "response.shape.fields"),
    (("response",), {"usage": "costs"}, "response.usage"),
]


@pytest.mark.parametrize(("where", "value", "said"), TYPOS)
def test_a_typo_in_a_shape_key_is_one_line_and_exit_4(
    run_cli: Any, tmp_path: Path, where: tuple[str, ...], value: dict[str, Any], said: str
) -> None:
    raw = images_profile()
    node = raw
    for key in where:
        node = node.setdefault(key, {})
    if where == ("response", "shape"):
        node.clear()  # the typo alone, not beside the profile's own shape
    node.update(value)
    assert_typo_is_one_line(run_cli, tmp_path, raw, said)


@pytest.mark.parametrize("name", SHAPE_PROFILES)
def test_profile_check_passes_each_shape_profile(run_cli: Any, name: str) -> None:
    run = run_cli("profile", "check", str(HERE / f"{name}.yaml"))
    assert run.exit_code == 0, run.output
    assert ": ok" in run.output


def test_n_absent_is_never_sent_nor_probed() -> None:
    profile = shape_profile("shape-images")
    probes = [p for p in build_plan(profile, ["gpt-image-2"]).probes if p.model == "gpt-image-2"]
    assert probes
    assert not [p.id for p in probes if p.expect.param == "n"]
    assert all(b'"n"' not in p.content() for p in probes if p.kind in ("valid", "auth"))
    assert all((p.expect.n or 1) == 1 for p in probes if p.kind == "valid")


def test_a_renamed_n_goes_out_under_its_name_and_the_server_reads_it() -> None:
    profile = shape_profile("shape-images")
    probes = {p.id: p for p in build_plan(profile, ["flux-schnell"]).probes}
    sent = json.loads(probes["gen-512x512-b64_json-n2"].content())
    assert sent["num_images"] == 2
    assert "n" not in sent
    assert json.loads(probes["n-above-max"].content())["num_images"] == 5
    body = {"model": "flux-schnell", "prompt": "a red cube", "num_images": 3}
    assert len(_generate("shape-images", body)["images"]) == 3
    assert len(_generate("shape-images", body, "n-rename-ignored")["images"]) == 1


def test_an_assumed_range_is_carried_to_the_verdicts(run_suite: RunSuite) -> None:
    # n-rename-ignored fails generation.count on the n = 2 probe, whose count rests
    # on the assumed range: the docs view says it is an assumed rule's failure.
    path = str(HERE / "shape-images.yaml")
    run = run_suite("--profile", path, "--probes", "fixed", "--fault", "n-rename-ignored")
    count = next(
        c for c in run.results["checks"] if c["id"] == "generation.count[gen-512x512-b64_json-n2]"
    )
    assert count["views"]["docs"]["outcome"] == "failed"
    assert count["views"]["docs"]["message"].startswith("assumed rule (n 1-4 is assumed")
    assert count["probe"]["assumed"] == ["n 1-4 is assumed: the docs give no range"]
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("count", "said"),
    [
        ({"min": 1, "max": 4, "renam": "num_images"}, "models.flux-schnell.n: expected"),
        ({"min": 1, "max": 4, "assumed": "yes"}, "models.flux-schnell.n: expected"),
        ("absnt", "models.flux-schnell.n: expected"),
    ],
)
def test_a_typo_in_n_is_one_line_and_exit_4(
    run_cli: Any, tmp_path: Path, count: Any, said: str
) -> None:
    raw = images_profile()
    raw["models"]["flux-schnell"]["n"] = count
    assert_typo_is_one_line(run_cli, tmp_path, raw, said)
