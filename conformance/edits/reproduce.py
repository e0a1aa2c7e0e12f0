"""A recorded edit as a ``curl -F`` command that sends the same parts.

The recorded multipart body is split into its parts with the standard library's
MIME parser; each file is written beside the report (``edit-files/<digest>/``,
named after the body's digest so a replayed run writes the same paths) and
the command reads it from there, with the part's Content-Type and filename;
text parts go as ``--form-string`` so a value is never read as a file. Run it
from the report's directory.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

FILES_DIR = "edit-files"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def parts(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/form-data body, in order."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    out = []
    for part in message.iter_parts() if message.is_multipart() else ():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        declared = part.get("content-type")
        out.append(
            Part(
                name=str(name or ""),
                filename=filename,
                content_type=str(declared).strip() if declared is not None else None,
                data=payload if isinstance(payload, bytes) else b"",
            )
        )
    return out


def _folder(body: bytes) -> str:
    return f"{FILES_DIR}/{hashlib.sha256(body).hexdigest()[:12]}"


def _path(body: bytes, index: int, part: Part) -> str:
    name = _SAFE.sub("_", part.filename or "file") or "file"
    return f"{_folder(body)}/{index:02d}-{name}"


def files(body: bytes, content_type: str) -> dict[str, bytes]:
    """The file parts of a body, by the path (below the report) the curl reads them from."""
    return {
        _path(body, i, p): p.data for i, p in enumerate(parts(body, content_type)) if p.filename
    }


def form_args(body: bytes, content_type: str) -> list[str]:
    """curl's ``-F``/``--form-string`` arguments, shell-quoted, one per part."""
    args = []
    for index, part in enumerate(parts(body, content_type)):
        if part.filename is None:
            value = part.data.decode("utf-8", "replace")
            args.append(f"--form-string {shlex.quote(f'{part.name}={value}')}")
            continue
        spec = f"{part.name}=@{_path(body, index, part)}"
        if part.content_type:
            spec += f";type={part.content_type}"
        # curl reads ;filename= up to the next ; so an unusual name is sent as-is otherwise.
        if re.fullmatch(r"[A-Za-z0-9._-]+", part.filename):
            spec += f";filename={part.filename}"
        args.append(f"-F {shlex.quote(spec)}")
    return args


def write_files(report_dir: Path, bodies: list[tuple[bytes, str]]) -> int:
    """Write the files of these multipart bodies beside the report; how many were written."""
    written = 0
    for body, content_type in bodies:
        for relative, data in files(body, content_type).items():
            path = report_dir / relative
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                written += 1
    return written
