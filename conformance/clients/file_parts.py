"""How each client labels the file parts of an edit, in the ways people call it.

OpenAI decides an uploaded image's type from its part's Content-Type alone and
refuses ``application/octet-stream`` (edits-contract.md §1.3), so a client call
that sends it breaks at OpenAI whatever the vendor does. This runs each common
call form of the pinned clients (openai-python here; openai-node and the AI
SDK, both majors, in Node: ``node/file_parts.cjs``) against a loopback
:class:`~conformance.clients.recorder.Recorder` and reads back, per form, each
part's name, filename and Content-Type, and whether the body was chunked.
Nothing reaches a vendor. The figures depend only on the pinned clients, so a
measurement is kept in the install cache under a digest of the pins and the
forms, and measured afresh when either changes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from functools import cache, partial
from itertools import groupby
from pathlib import Path
from typing import Any

from conformance.clients import node_process
from conformance.clients.install import cache_root
from conformance.clients.observation import NotRun
from conformance.clients.recorder import Captured, Recorder
from conformance.edits import inputs
from conformance.edits.reproduce import parts

SCRIPT = node_process.PIN_DIR / "file_parts.cjs"
# Part types OpenAI takes for an edit's image and mask (edits-contract.md §1.3).
ACCEPTED_TYPES = ("image/png", "image/jpeg", "image/webp")
FILE_FIELDS = ("image", "image[]", "mask")
# The Node clients per project, in the order the table shows them.
NODE_PROJECTS: dict[str, tuple[str, ...]] = {
    "node": ("openai-node", "vercel-ai"),
    "node7": ("openai-node-7", "vercel-ai-7"),
}
_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class WirePart:
    name: str
    filename: str | None
    content_type: str | None
    # Consecutive parts alike but for an index (image[0] ... image[76]): one entry.
    count: int = 1


def _is_file_field(name: str) -> bool:
    # image[0], image[1]...: what a client makes of a value it takes for an array.
    return name in FILE_FIELDS or name.startswith(("image[", "mask["))


def _collapsed(found: Iterable[WirePart]) -> tuple[WirePart, ...]:
    """Runs of indexed parts alike (``image[0]``, ``image[1]``...) as one entry each."""
    out: list[WirePart] = []
    for key, run in groupby(enumerate(found), key=_run_key):
        items = [part for _, part in run]
        if isinstance(key[0], int) or len(items) == 1:
            out += items
            continue
        first, last = items[0], items[-1]
        name = f"{first.name}…{last.name}"
        out.append(WirePart(name, first.filename, first.content_type, len(items)))
    return tuple(out)


def _run_key(item: tuple[int, WirePart]) -> tuple[str | int | None, str | None, str | None]:
    index, part = item
    indexed = _INDEXED.fullmatch(part.name)
    # An unindexed part is a run of its own (its position keeps it apart).
    base: str | int | None = indexed.group(1) if indexed else None
    return (base if base is not None else index, part.filename, part.content_type)


_INDEXED = re.compile(r"(image|mask)\[\d+\]")

# What OpenAI answers for the file parts (edits-contract.md §4), judged from the wire.
ACCEPTED = "accepted"


def at_openai(files: tuple[WirePart, ...]) -> str:
    """``accepted``, or the error code OpenAI answers these file parts with."""
    images = [p for p in files if p.name != "mask" and not p.name.startswith("mask")]
    if not images:
        return "missing_required_parameter"
    if any(p.filename is None for p in files):
        return "invalid_type"
    if any(p.content_type not in ACCEPTED_TYPES for p in files):
        return "unsupported_file_mimetype"
    return ACCEPTED


@dataclass(frozen=True)
class FormRow:
    """One call form of one client and what it put on the wire."""

    client: str
    version: str
    form: str
    call: str
    # The image and mask parts as sent (text parts in their place included).
    files: tuple[WirePart, ...] = ()
    transfer: str | None = None  # chunked, or content-length
    # The client raised (or refused to send): nothing, or not all, was sent.
    error: str | None = None
    sent: bool = True

    @property
    def at_openai(self) -> str | None:
        """What OpenAI answers (None: the client sent nothing)."""
        return at_openai(self.files) if self.sent else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at_openai"] = self.at_openai
        return data


# -- the input files ---------------------------------------------------------


def _files() -> dict[str, bytes]:
    return {
        "png": inputs.flat_image(width=8, height=8),
        "jpeg": inputs.flat_image(inputs.SECOND_COLOUR, 8, 8, fmt="JPEG"),
        "webp": inputs.flat_image(width=8, height=8, fmt="WEBP"),
        "mask": inputs.opening_mask(8, 8),
    }


# -- openai-python -----------------------------------------------------------

Build = Callable[[ExitStack, Path], dict[str, Any]]


def _open(stack: ExitStack, path: Path) -> io.BufferedReader:
    return stack.enter_context(path.open("rb"))


PYTHON_FORMS: tuple[tuple[str, str, Build], ...] = (
    ("open-file", 'image=open("a.png", "rb")', lambda s, d: {"image": _open(s, d / "a.png")}),
    ("path", 'image=pathlib.Path("a.png")', lambda s, d: {"image": d / "a.png"}),
    ("bytes", "image=raw_bytes", lambda s, d: {"image": (d / "a.png").read_bytes()}),
    (
        "bytesio",
        "image=io.BytesIO(raw_bytes)",
        lambda s, d: {"image": io.BytesIO((d / "a.png").read_bytes())},
    ),
    (
        "tuple-name",
        'image=("a.png", raw_bytes)',
        lambda s, d: {"image": ("a.png", (d / "a.png").read_bytes())},
    ),
    (
        "tuple-name-type",
        'image=("a.png", raw_bytes, "image/png")',
        lambda s, d: {"image": ("a.png", (d / "a.png").read_bytes(), "image/png")},
    ),
    (
        "open-no-extension",
        'image=open("upload", "rb") (a file named without an extension)',
        lambda s, d: {"image": _open(s, d / "upload")},
    ),
    ("open-webp", 'image=open("c.webp", "rb")', lambda s, d: {"image": _open(s, d / "c.webp")}),
    (
        "list",
        'image=[open("a.png", "rb"), open("b.jpg", "rb")]',
        lambda s, d: {"image": [_open(s, d / "a.png"), _open(s, d / "b.jpg")]},
    ),
    (
        "mask-open-file",
        'image=open("a.png", "rb"), mask=open("mask.png", "rb")',
        lambda s, d: {"image": _open(s, d / "a.png"), "mask": _open(s, d / "mask.png")},
    ),
)


def _write_inputs(where: Path, files: dict[str, bytes]) -> None:
    for name, kind in (
        ("a.png", "png"),
        ("b.jpg", "jpeg"),
        ("c.webp", "webp"),
        ("upload", "png"),
        ("mask.png", "mask"),
    ):
        (where / name).write_bytes(files[kind])


def _python_calls(root: str) -> Iterator[tuple[str, str, str | None]]:
    """Each form sent to the recorder: (form, call, the exception it raised)."""
    import openai

    files = _files()
    with tempfile.TemporaryDirectory(prefix="igc-parts-") as scratch:
        where = Path(scratch)
        _write_inputs(where, files)
        for form, call, build in PYTHON_FORMS:
            client = openai.OpenAI(
                api_key="sk-file-parts-not-a-real-key",
                base_url=f"{root}/openai-python/{form}/v1",
                max_retries=0,
                # Straight to the loopback recorder, whatever proxy the environment names.
                http_client=openai.DefaultHttpxClient(trust_env=False),
            )
            error = None
            with ExitStack() as stack, client:
                try:
                    client.images.edit(model="gpt-image-2", prompt="edit", **build(stack, where))
                except Exception as exc:  # the exception an app would see is the finding
                    error = f"{type(exc).__name__}: {str(exc)[:160]}"
            yield form, call, error


def _python_version() -> str:
    import httpx
    import openai

    return f"openai {openai.__version__} (httpx {httpx.__version__})"


def _row(
    rec: Recorder, client: str, version: str, form: str, call: str, error: str | None
) -> FormRow:
    found: Captured | None = rec.by_path(f"/{client}/{form}/v1/images/edits")
    if found is None:
        return FormRow(client, version, form, call, error=error or "nothing sent", sent=False)
    ctype = found.header("content-type") or ""
    chunked = "chunked" in (found.header("transfer-encoding") or "").lower()
    shown = [
        WirePart(p.name, p.filename, p.content_type)
        for p in parts(found.body, ctype)
        if _is_file_field(p.name)
    ]
    return FormRow(
        client,
        version,
        form,
        call,
        files=_collapsed(shown),
        transfer="chunked" if chunked else "content-length",
        error=error,
    )


def measure_python(rec: Recorder) -> list[FormRow]:
    version = _python_version()
    return [
        _row(rec, "openai-python", version, form, call, error)
        for form, call, error in _python_calls(rec.root_url)
    ]


# -- the Node clients --------------------------------------------------------


def measure_node(rec: Recorder, project: str) -> list[FormRow] | NotRun:
    found = node_process.setup(project)
    if isinstance(found, NotRun):
        return found
    files = {k: base64.b64encode(v).decode() for k, v in _files().items()}
    payload = {"root": rec.root_url, "clients": list(NODE_PROJECTS[project]), "files": files}
    output = node_process.run_script(found, SCRIPT, payload, _TIMEOUT_S, prefix="igc-parts-")
    if isinstance(output, node_process.ScriptFailed) and output.returncode is None:
        return NotRun(f"the Node clients took over {_TIMEOUT_S:g} s")
    if isinstance(output, node_process.ScriptFailed):
        return NotRun(f"the Node form runner failed ({output.returncode}): {output.tail(3)}")
    node = f"node {output.get('node', '?')}"
    rows = []
    for entry in output["forms"]:
        client = str(entry["client"])
        version = f"{output['versions'].get(client, '?')} on {node}"
        rows.append(_row(rec, client, version, entry["form"], entry["call"], entry["error"]))
    return rows


# -- the table, cached ---------------------------------------------------------


@dataclass(frozen=True)
class FilePartsTable:
    rows: tuple[FormRow, ...]
    # Clients that could not run here, with the reason (never shown as measured).
    not_run: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted_types": list(ACCEPTED_TYPES),
            "rows": [r.to_json() for r in self.rows],
            "not_run": [{"client": c, "reason": why} for c, why in self.not_run],
        }


def _digest(project: str | None) -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(Path(__file__).with_name("recorder.py").read_bytes())
    if project is None:
        h.update(_python_version().encode())
    else:
        h.update(SCRIPT.read_bytes())
        for pin in ("package.json", "package-lock.json"):
            h.update((node_process.PROJECTS[project] / pin).read_bytes())
    return h.hexdigest()[:12]


def _cached(
    name: str, digest: str, measure: Callable[[], list[FormRow] | NotRun]
) -> list[FormRow] | NotRun:
    """A measurement from the cache, or made now and kept (a client that did not run is
    not kept, so it is tried again next time)."""
    path = cache_root() / f"file-parts-{name}-{digest}.json"
    try:
        return [_from_json(r) for r in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = measure()
    if isinstance(found, NotRun):
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([asdict(r) for r in found]), encoding="utf-8")
    except OSError:
        pass  # an unwritable cache only costs the next run a measurement
    return found


def _from_json(data: dict[str, Any]) -> FormRow:
    found = dict(data)
    found["files"] = tuple(WirePart(**p) for p in data["files"])
    return FormRow(**found)


def _python_on(recorder: Callable[[], Recorder]) -> list[FormRow] | NotRun:
    return measure_python(recorder())


def _node_on(recorder: Callable[[], Recorder], project: str) -> list[FormRow] | NotRun:
    # Where Node cannot run, no recorder is started for it.
    found = node_process.setup(project)
    return found if isinstance(found, NotRun) else measure_node(recorder(), project)


@cache
def measure() -> FilePartsTable:
    """Every client's call forms, measured once per pin set (and once per process)."""
    rows: list[FormRow] = []
    not_run: list[tuple[str, str]] = []
    with ExitStack() as stack:
        started: list[Recorder] = []

        def recorder() -> Recorder:
            # Started only when something is not in the cache.
            if not started:
                started.append(stack.enter_context(Recorder()))
            return started[0]

        measured: list[tuple[tuple[str, ...], list[FormRow] | NotRun]] = [
            (("openai-python",), _cached("python", _digest(None), partial(_python_on, recorder)))
        ]
        for project, clients in NODE_PROJECTS.items():
            node = _cached(project, _digest(project), partial(_node_on, recorder, project))
            measured.append((clients, node))
        for clients, found in measured:
            if isinstance(found, NotRun):
                not_run += [(c, found.reason) for c in clients]
            else:
                rows += found
    return FilePartsTable(tuple(rows), tuple(not_run))
