"""The reference server's edits: multipart read within bounds, OpenAI's refusals,
images whose masked area changed, the image_edit stream; and the profile's edit
capabilities (an unknown one is one line)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from PIL import Image
from starlette.testclient import TestClient

from conformance.edits import effect, inputs
from conformance.edits.cases import edit_cases, first_image, mask_part, second_image
from conformance.edits.multipart import EditForm, FilePart, text_fields
from conformance.errors import ConfigError
from conformance.profile import Profile, load_profile
from conformance.resources import bundled_profiles
from conformance.server import edit_form
from conformance.server.app import create_app
from conformance.sse import parse_stream
from tests.conftest import SuiteRun

KEY = "sk-test"
MODEL = "gpt-image-2"


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile("openai")


def _client(profile: Profile, *faults: str) -> TestClient:
    return TestClient(create_app(profile, KEY, faults))


def _post(client: TestClient, form: EditForm) -> object:
    body, ctype = form.encode()
    headers = {"Content-Type": ctype, "Authorization": f"Bearer {KEY}"}
    return client.post("/v1/images/edits", content=body, headers=headers)


def _base() -> tuple[tuple[str, str], ...]:
    return text_fields([("prompt", inputs.PROMPT), ("model", MODEL), ("quality", "low")])


def test_every_refusal_is_a_400_naming_its_field(profile: Profile) -> None:
    client = _client(profile)
    for name, model in profile.models.items():
        assert model.edits is not None
        for case in edit_cases(name, model.edits, model.sizes, "low"):
            answer = _post(client, case.form)
            if case.billable:
                assert answer.status_code == 200, (name, case.id, answer.text[:200])
                continue
            assert answer.status_code == 400, (name, case.id)
            error = answer.json()["error"]
            assert error["param"] == case.param, (name, case.id, error)
            if case.code:
                assert error["code"] == case.code, (name, case.id, error)


def test_the_masked_area_changed_and_nothing_else(profile: Profile) -> None:
    form = EditForm(
        (*_base(), ("size", "1024x1024")), (first_image("image[]"), second_image(), mask_part())
    )
    answer = _post(_client(profile), form).json()
    png = base64.b64decode(answer["data"][0]["b64_json"])
    change = effect.change(inputs.flat_image(), png)
    assert change.masked, change.describe()
    assert change.outside == 0
    # Two images billed as input image tokens: 1536 each on gpt-image-2 (magnified).
    assert answer["usage"]["input_tokens_details"]["image_tokens"] == 2 * 1536
    ignored = _post(_client(profile, "edit-mask-ignored"), form).json()
    moved = effect.change(inputs.flat_image(), base64.b64decode(ignored["data"][0]["b64_json"]))
    assert not moved.masked, moved.describe()


# --- each edit fault, seen at the server ------------------------------------------


def _multi(n: int = 2, size: str = "1024x1536") -> EditForm:
    """Two images as image[] with a mask, n and a size of another shape than the input's."""
    fields = (*_base(), ("n", str(n)), ("size", size))
    return EditForm(fields, (first_image("image[]"), second_image(), mask_part()))


def _answer(client: TestClient, form: EditForm) -> dict[str, object]:
    answer = _post(client, form)
    assert answer.status_code == 200, answer.text[:200]
    found: dict[str, object] = answer.json()
    return found


def _first_png(client: TestClient) -> bytes:
    data = _answer(client, _multi())["data"]
    assert isinstance(data, list)
    return base64.b64decode(data[0]["b64_json"])


def _case_image_only(client: TestClient) -> None:
    answer = _post(client, _multi())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_type"
    assert _post(client, EditForm(_base(), (first_image(),))).status_code == 200


def _case_mask_ignored(client: TestClient) -> None:
    assert not effect.change(inputs.flat_image(), _first_png(client)).masked


def _case_stream_generation_events(client: TestClient) -> None:
    form = EditForm((*_base(), ("stream", "true"), ("partial_images", "1")), (first_image(),))
    assert [e.name for e in parse_stream(_post(client, form).content).events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]


def _case_usage_no_image_tokens(client: TestClient) -> None:
    usage = _answer(client, _multi())["usage"]
    assert isinstance(usage, dict)
    assert usage["input_tokens_details"]["image_tokens"] == 0


def _case_n_ignored(client: TestClient) -> None:
    data = _answer(client, _multi(n=2))["data"]
    assert isinstance(data, list)
    assert len(data) == 1


def _case_size_ignored(client: TestClient) -> None:
    with Image.open(io.BytesIO(_first_png(client))) as image:
        assert image.size == (1024, 1024)


def _case_mimetype_sniffed(client: TestClient) -> None:
    labelled = FilePart("image", "first.png", "application/octet-stream", inputs.flat_image())
    assert _post(client, EditForm(_base(), (labelled,))).status_code == 200


EDIT_FAULT_CASES: dict[str, Callable[[TestClient], None]] = {
    "edit-image-only": _case_image_only,
    "edit-mask-ignored": _case_mask_ignored,
    "edit-stream-generation-events": _case_stream_generation_events,
    "edit-usage-no-image-tokens": _case_usage_no_image_tokens,
    "edit-n-ignored": _case_n_ignored,
    "edit-size-ignored": _case_size_ignored,
    "edit-mimetype-sniffed": _case_mimetype_sniffed,
}


@pytest.mark.parametrize("fault", list(EDIT_FAULT_CASES))
def test_edit_fault_changes_behaviour(profile: Profile, fault: str) -> None:
    EDIT_FAULT_CASES[fault](_client(profile, fault))
    # What the case sees is the fault's doing: a conformant server does not show it.
    with pytest.raises(AssertionError):
        EDIT_FAULT_CASES[fault](_client(profile))


def test_part_order_is_free_and_one_image_may_be_a_list(profile: Profile) -> None:
    client = _client(profile)
    mask_first = EditForm(_base(), (mask_part(), first_image("image[]")))
    assert _post(client, mask_first).status_code == 200


def test_a_chunked_body_is_read(profile: Profile) -> None:
    body, ctype = EditForm(_base(), (first_image(),)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    headers = {"Content-Type": ctype, "Authorization": f"Bearer {KEY}"}
    answer = _client(profile).post("/v1/images/edits", content=chunks(), headers=headers)
    assert answer.status_code == 200, answer.text[:200]


def test_the_edit_stream_is_image_edit_events(profile: Profile) -> None:
    fields = (*_base(), ("stream", "true"), ("partial_images", "1"))
    form = EditForm(fields, (first_image(),))
    answer = _post(_client(profile), form)
    assert answer.headers["content-type"].startswith("text/event-stream")
    kinds = [event.name for event in parse_stream(answer.content).events]
    assert kinds == ["image_edit.partial_image", "image_edit.completed"]
    wrong = _post(_client(profile, "edit-stream-generation-events"), form)
    assert [e.name for e in parse_stream(wrong.content).events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]


def test_too_many_files_or_a_huge_text_part_is_a_400(profile: Profile) -> None:
    client = _client(profile)
    many = EditForm(_base(), tuple(first_image("image[]") for _ in range(edit_form.MAX_FILES + 1)))
    answer = _post(client, many)
    assert answer.status_code == 400
    assert "Too many files" in answer.json()["error"]["message"]
    huge = EditForm((*_base(), ("user", "x" * (edit_form.MAX_TEXT_PART + 1))), (first_image(),))
    answer = _post(client, huge)
    assert answer.status_code == 400
    assert "exceeded maximum size" in answer.json()["error"]["message"]


def test_a_body_over_the_cap_is_a_413_before_parsing(
    profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edit_form, "MAX_BODY", 200)
    answer = _post(_client(profile), EditForm(_base(), (first_image(),)))
    assert answer.status_code == 413


def test_a_json_body_on_edits_is_refused(profile: Profile) -> None:
    answer = _client(profile).post(
        "/v1/images/edits", json={"prompt": "x"}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 400


def test_the_key_is_required(profile: Profile) -> None:
    body, ctype = EditForm(_base(), (first_image(),)).encode()
    answer = _client(profile).post(
        "/v1/images/edits", content=body, headers={"Content-Type": ctype}
    )
    assert answer.status_code == 401


def _openai_with(tmp_path: Path, edits: object) -> Path:
    raw = yaml.safe_load(bundled_profiles()["openai"].read_text())
    raw["models"][MODEL]["edits"] = edits
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_an_unknown_edit_capability_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_profile(str(_openai_with(tmp_path, {"images": 2, "maskz": True})))
    message = str(err.value)
    assert "maskz" in message
    assert "\n" not in message


def test_edits_may_be_declared_unsupported(tmp_path: Path) -> None:
    profile = load_profile(str(_openai_with(tmp_path, "unsupported")))
    spec = profile.models[MODEL].edits
    assert spec is not None
    assert not spec.supported
    cases = edit_cases(MODEL, spec, profile.models[MODEL].sizes, "low")
    assert [c.id for c in cases] == ["edit-unsupported"]
    assert _post(_client(profile), cases[0].form).status_code == 400


def test_bodies_are_the_same_bytes_every_time() -> None:
    form = EditForm(_base(), (first_image("image[]"), second_image(), mask_part()))
    assert form.encode() == form.encode()
    body, _ = form.encode()
    assert body.count(b'name="image[]"') == 2
    assert b'filename="first.png"\r\nContent-Type: image/png' in body


def test_an_unreadable_input_image_is_one_line_and_exit_4(
    tmp_path: Path, run_cli: Callable[..., SuiteRun]
) -> None:
    (tmp_path / "photo.png").write_bytes(b"not an image at all")
    path = _openai_with(tmp_path, {"input_image": "photo.png"})
    with pytest.raises(ConfigError) as err:
        load_profile(str(path))
    message = str(err.value)
    assert f"models.{MODEL}.edits.input_image" in message
    assert "not a readable image" in message
    assert "\n" not in message
    run = run_cli("run", "--plan", "--profile", str(path))
    assert run.exit_code == 4
    assert "Traceback" not in run.output
    missing = _openai_with(tmp_path, {"input_image": "nowhere.png"})
    assert run_cli("run", "--plan", "--profile", str(missing)).exit_code == 4


def test_a_supplied_input_image_is_the_first_input(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(inputs.flat_image((10, 200, 10), 120, 120, "JPEG"))
    profile = load_profile(str(_openai_with(tmp_path, {"input_image": "photo.jpg"})))
    model = profile.models[MODEL]
    assert model.edits is not None
    multi, stream = edit_cases(MODEL, model.edits, ("auto", *model.sizes), "low")[:2]
    first = multi.form.images[0]
    assert (first.filename, first.content_type) == ("first.jpg", "image/jpeg")
    assert stream.expected_size == "1024x1024"  # a square input: auto is square
    answer = _post(_client(profile), multi.form).json()
    png = base64.b64decode(answer["data"][0]["b64_json"])
    assert effect.change(first.data, png).masked
