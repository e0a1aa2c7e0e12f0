"""How each client labels an edit's file parts, measured by running it.

Each call form of the pinned clients is run against the loopback recorder (nothing
reaches a vendor) and the parts it sent are read back. The figures asserted here are
what openai-python 3.57.0, openai-node 6.49.0 and 7.59.0, and the AI SDK (ai 6.0.325 +
@ai-sdk/openai 3.0.141, ai 7.0.173 + @ai-sdk/openai 4.0.118) put on the wire; a pin
bump that changes one shows here. A run that edits carries the table in results.json
(valid against the schema) and report.html; a run without edits carries none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from conformance.clients import file_parts, node_process
from conformance.clients.file_parts import FilePartsTable, FormRow, WirePart
from conformance.clients.observation import NotRun
from conformance.resources import results_schema_path
from tests.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
OCTET = "application/octet-stream"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Measurements made now, into an empty cache of their own."""
    monkeypatch.setattr(file_parts, "cache_root", lambda: tmp_path / "cache")
    file_parts.measure.cache_clear()
    yield tmp_path / "cache"
    file_parts.measure.cache_clear()


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], FormRow]]:
    """Every client's forms measured once, afresh (not from the user's cache)."""
    cache = tmp_path_factory.mktemp("parts-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(file_parts, "cache_root", lambda: cache)
        file_parts.measure.cache_clear()
        try:
            yield _rows(file_parts.measure())
        finally:
            file_parts.measure.cache_clear()


@pytest.fixture(scope="module")
def node() -> None:
    for project in ("node", "node7"):
        if isinstance(found := node_process.setup(project), NotRun):
            pytest.skip(found.reason)


def _rows(table: FilePartsTable) -> dict[tuple[str, str], FormRow]:
    return {(r.client, r.form): r for r in table.rows}


def _files(row: FormRow) -> list[tuple[str, str | None, str | None]]:
    return [(p.name, p.filename, p.content_type) for p in row.files]


def test_openai_python_labels_by_the_files_name(
    measured: dict[tuple[str, str], FormRow],
) -> None:
    python = {form: r for (client, form), r in measured.items() if client == "openai-python"}
    assert python["open-file"].version.startswith("openai 3.57.0")
    assert _files(python["open-file"]) == [("image", "a.png", "image/png")]
    assert _files(python["path"]) == [("image", "a.png", "image/png")]
    assert _files(python["open-webp"]) == [("image", "c.webp", "image/webp")]
    # Bytes with no name, and a file named without an extension: octet-stream.
    for form in ("bytes", "bytesio", "open-no-extension"):
        assert _files(python[form]) == [("image", "upload", OCTET)], form
        assert python[form].at_openai == "unsupported_file_mimetype"
    assert _files(python["tuple-name"]) == [("image", "a.png", "image/png")]
    assert _files(python["list"]) == [
        ("image[]", "a.png", "image/png"),
        ("image[]", "b.jpg", "image/jpeg"),
    ]
    assert _files(python["mask-open-file"])[1] == ("mask", "mask.png", "image/png")
    assert {r.transfer for r in python.values()} == {"content-length"}
    assert all(r.error is None for r in python.values())


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", ["openai-node", "openai-node-7"])
def test_openai_node_labels_only_what_toFile_is_told(
    measured: dict[tuple[str, str], FormRow], client: str
) -> None:
    node = {form: r for (name, form), r in measured.items() if name == client}
    assert _files(node["toFile-name-type"]) == [("image", "a.png", "image/png")]
    # A name without a type: the extension is not used.
    assert _files(node["toFile-name"]) == [("image", "a.png", OCTET)]
    assert _files(node["toFile-nameless"]) == [("image", "unknown_file", OCTET)]
    assert _files(node["toFile-readstream"]) == [("image", "a.png", "image/png")]
    # A raw ReadStream: the streaming encoder, chunked, octet-stream, mask too.
    assert (_files(node["readstream"]), node["readstream"].transfer) == (
        [("image", "a.png", OCTET)],
        "chunked",
    )
    assert _files(node["mask-readstream"]) == [
        ("image", "a.png", OCTET),
        ("mask", "mask.png", OCTET),
    ]
    # A Buffer is taken for an array: one text part per byte, no file.
    [buffer] = node["buffer"].files
    assert (buffer.name.split("…")[0], buffer.filename, buffer.count > 8) == (
        "image[0]",
        None,
        True,
    )
    assert node["buffer"].at_openai == "invalid_type"
    assert _files(node["toFile-list"]) == [
        ("image[]", "a.png", "image/png"),
        ("image[]", "b.jpg", "image/jpeg"),
    ]


@pytest.mark.usefixtures("node")
def test_a_nameless_blob_is_dropped_by_openai_node_6_and_sent_by_7(
    measured: dict[tuple[str, str], FormRow],
) -> None:
    rows = measured
    six, seven = rows[("openai-node", "blob-nameless")], rows[("openai-node-7", "blob-nameless")]
    assert (six.files, six.at_openai) == ((), "missing_required_parameter")
    assert (_files(seven), seven.at_openai) == ([("image", "blob", "image/png")], "accepted")
    assert six.version.startswith("openai 6.49.0 on node 20")
    assert seven.version.startswith("openai 7.59.0 on node 22")


@pytest.mark.usefixtures("node")
@pytest.mark.parametrize("client", ["vercel-ai", "vercel-ai-7"])
def test_the_ai_sdk_names_every_file_blob_and_types_it_from_the_bytes(
    measured: dict[tuple[str, str], FormRow], client: str
) -> None:
    ai = {form: r for (name, form), r in measured.items() if name == client}
    for form in ("uint8array", "buffer", "arraybuffer", "base64", "data-url"):
        assert _files(ai[form]) == [("image", "blob", "image/png")], form
    assert _files(ai["jpeg-bytes"]) == [("image", "blob", "image/jpeg")]
    assert _files(ai["webp-bytes"]) == [("image", "blob", "image/webp")]
    assert _files(ai["list-mask"]) == [
        ("image[]", "blob", "image/png"),
        ("image[]", "blob", "image/jpeg"),
        ("mask", "blob", "image/png"),
    ]
    assert {r.at_openai for r in ai.values()} == {"accepted"}


def test_a_measurement_is_kept_and_read_back_without_running_a_client(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(node_process.ENV, "off")
    node_process.setup.cache_clear()
    try:
        first = file_parts.measure()
        file_parts.measure.cache_clear()

        def no_recorder() -> None:
            raise AssertionError("a cached measurement started the recorder")

        # Node still off: openai-python from the cache, and nothing to record for.
        monkeypatch.setattr(file_parts, "Recorder", no_recorder)
        again = file_parts.measure()
    finally:
        node_process.setup.cache_clear()
    # The Node clients were off, so only openai-python was kept.
    assert [p.name for p in fresh.glob("file-parts-*.json")] == [
        next(p.name for p in fresh.glob("file-parts-python-*.json"))
    ]
    assert again.rows == first.rows
    assert {r.client for r in first.rows} == {"openai-python"}
    reason = f"the Node clients are switched off ({node_process.ENV}=off)"
    assert first.not_run == tuple((c, reason) for c in ("openai-node", "vercel-ai")) + tuple(
        (c, reason) for c in ("openai-node-7", "vercel-ai-7")
    )


def test_what_openai_answers_the_parts() -> None:
    png = WirePart("image", "a.png", "image/png")
    assert file_parts.at_openai((png,)) == "accepted"
    assert file_parts.at_openai((WirePart("image", "a", OCTET),)) == "unsupported_file_mimetype"
    assert file_parts.at_openai((WirePart("image", None, None),)) == "invalid_type"
    assert file_parts.at_openai((WirePart("mask", "m.png", "image/png"),)) == (
        "missing_required_parameter"
    )
    assert file_parts.at_openai((png, WirePart("mask", "m", OCTET))) == "unsupported_file_mimetype"


def test_a_run_that_edits_reports_the_table_and_one_without_does_not(
    run_suite: RunSuite,
) -> None:
    edits = run_suite("--profile", "openai", "--models", "gpt-image-2", "--probes", "fixed")
    assert edits.exit_code == 0
    raw = json.loads((edits.report_dir / "results.json").read_text())
    jsonschema.validate(raw, json.loads(results_schema_path().read_text()))
    table = raw["client_file_parts"]
    assert table["accepted_types"] == ["image/png", "image/jpeg", "image/webp"]
    by_form = {(r["client"], r["form"]): r for r in table["rows"]}
    assert by_form[("openai-python", "bytes")]["files"] == [
        {"name": "image", "filename": "upload", "content_type": OCTET, "count": 1}
    ]
    assert by_form[("openai-python", "bytes")]["at_openai"] == "unsupported_file_mimetype"
    html = (edits.report_dir / "report.html").read_text()
    section = html[html.index("Clients: how each labels an edit's file parts") :]
    assert "<code>image=raw_bytes</code>" in section
    assert '<span class="igc-bad">application/octet-stream</span>' in section
    assert "400 unsupported_file_mimetype" in section
    generations = run_suite("--profile", "openai-dalle", "--probes", "fixed")
    assert "client_file_parts" not in generations.results
    html = (generations.report_dir / "report.html").read_text()
    assert "how each labels an edit's file parts" not in html
