"""Refusals as a vendor documents them: errors.envelope and errors.missing_key.

The reference server answers each envelope (code-int, fastapi, message-only) and a
missing key with errors.missing_key's status apart from a wrong key's; errors.envelope
judges the documented envelope in the docs view and OpenAI's in the drop-in view.
The faults envelope-ignored and missing-key-as-wrong-key fail errors.envelope and
auth.rejected (tests/test_checks_catch_faults.py); the clean server passes here and
in the rehearsals of tests/test_answer_shape.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.checks.errors import envelope_problems, named_param
from conformance.plan import build_plan
from conformance.profile import load_profile
from conformance.profile.errors_shape import ENVELOPES, Envelope
from conformance.resources import bundled_profiles
from conformance.server.app import create_app
from tests.conftest import assert_typo_is_one_line
from tests.shape_profiles import images_profile, shape_profile

KEY = "sk-test-envelope"

OPENAI_BODY = {
    "error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}
}
GOOD: dict[Envelope, Any] = {
    "openai": OPENAI_BODY,
    "code-int": {"code": 400, "message": "bad"},
    "fastapi": {"detail": [{"loc": ["body", "n"], "msg": "bad", "type": "value_error"}]},
    "message-only": {"error": {"message": "bad"}},
}


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_each_envelope_accepts_its_own_body_only(envelope: Envelope) -> None:
    assert envelope_problems(GOOD[envelope], envelope) == []
    for other, body in GOOD.items():
        if other != envelope and not (envelope == "message-only" and other == "openai"):
            assert envelope_problems(body, envelope), (envelope, other)


# The faults these server-level tests show changing an answer (test_server's census).
ENVELOPE_FAULTS_SEEN = ("envelope-ignored", "missing-key-as-wrong-key")


def test_the_envelopes_name_what_is_wrong() -> None:
    assert envelope_problems({"code": "400", "message": "x"}, "code-int") == [
        "code is '400', not the documented top-level integer"
    ]
    assert envelope_problems({"detail": [{"loc": []}]}, "fastapi") == [
        "detail[0] has no msg string"
    ]
    assert envelope_problems({"detail": "Not authenticated"}, "fastapi") == []
    assert envelope_problems({"error": {"message": ""}}, "message-only") == [
        "error.message is not a non-empty string"
    ]


def test_a_refusal_names_its_parameter_as_its_envelope_can() -> None:
    assert named_param(GOOD["fastapi"], "fastapi") == (True, "n")
    assert named_param(GOOD["code-int"], "code-int") == (False, None)
    assert named_param(GOOD["message-only"], "message-only") == (False, None)
    body = {"error": {"message": "x", "type": "t", "param": "size", "code": None}}
    assert named_param(body, "openai") == (True, "size")


def _client(name: str, *faults: str) -> TestClient:
    return TestClient(create_app(shape_profile(name), KEY, faults))


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("shape-images", {"code": 400, "message": ""}),
        ("shape-gpt", {"detail": [{"loc": ["body", "prompt"], "type": "invalid_request_error"}]}),
        ("shape-bare", {"error": {}}),
    ],
)
def test_the_server_refuses_in_the_documented_envelope(name: str, want: dict[str, Any]) -> None:
    profile = shape_profile(name)
    answer = _client(name).post(
        "/v1/images/generations",
        json={"model": profile.default_model, "prompt": ""},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    status = profile.errors["invalid_request"].status[0]
    assert answer.status_code == status
    body = answer.json()
    assert envelope_problems(body, profile.envelope) == []
    assert set(body) == set(want)
    if name == "shape-images":
        assert body["code"] == 400
    if name == "shape-gpt":
        assert {k: body["detail"][0][k] for k in ("loc", "type")} == want["detail"][0]
    if name == "shape-bare":
        assert set(body["error"]) == {"message"}


def test_envelope_ignored_answers_openais_envelope() -> None:
    answer = _client("shape-images", "envelope-ignored").post(
        "/v1/images/generations",
        json={"model": "flux-schnell", "prompt": ""},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert envelope_problems(answer.json(), "openai") == []
    assert envelope_problems(answer.json(), "code-int")


def test_a_missing_key_is_refused_apart_from_a_wrong_one() -> None:
    body = {"model": "flux-schnell", "prompt": "a red cube"}
    client = _client("shape-images")
    missing = client.post("/v1/images/generations", json=body)
    wrong = client.post(
        "/v1/images/generations", json=body, headers={"Authorization": "Bearer sk-wrong"}
    )
    assert (missing.status_code, wrong.status_code) == (401, 400)
    faulty = _client("shape-images", "missing-key-as-wrong-key")
    assert faulty.post("/v1/images/generations", json=body).status_code == 400


def test_the_missing_key_probe_expects_missing_keys_statuses() -> None:
    profile = shape_profile("shape-images")
    probes = {p.id: p for p in build_plan(profile, ["flux-schnell"]).probes if p.kind == "auth"}
    assert probes["missing-key"].expect.statuses == (401,)
    assert probes["missing-key"].expect.error_kind == "missing_key"
    assert probes["wrong-key"].expect.statuses == (400,)


def test_old_profiles_keep_openais_envelope_and_one_status_for_both_keys() -> None:
    # azure-openai, written with issue 22's keys, documents its own envelope.
    for name in set(bundled_profiles()) - {"azure-openai"}:
        profile = load_profile(name)
        assert profile.envelope == "openai"
        assert profile.errors["missing_key"] == profile.errors["unauthorized"]
    azure = load_profile("azure-openai")
    assert azure.envelope == "message-only"


@pytest.mark.parametrize(
    ("errors", "said"),
    [
        ({"envelop": "code-int"}, "did you mean 'envelope'"),
        ({"envelope": "code_int"}, "errors.envelope: 'code_int' is not one of"),
        ({"missing_kye": {"status": [401]}}, "did you mean 'missing_key'"),
        ({"missing_key": {"status": [200]}}, "errors.missing_key.status.0"),
    ],
)
def test_a_typo_in_an_error_key_is_one_line_and_exit_4(
    run_cli: Any, tmp_path: Path, errors: dict[str, Any], said: str
) -> None:
    raw = images_profile()
    del raw["errors"]["envelope"], raw["errors"]["missing_key"]
    raw["errors"].update(errors)
    assert_typo_is_one_line(run_cli, tmp_path, raw, said)
