"""Edit request bodies: multipart/form-data as the real clients build it.

The bytes come from httpx's own multipart encoder (the transport's library),
so the wire form is what openai-python sends: text parts first, without a part
Content-Type; then the files, each with a filename and a Content-Type; several
images as repeated ``image[]`` parts, as both SDKs send a list. The boundary is
derived from the content, so a body is the same bytes in every run (the fuzz
cache, recordings and replays compare bodies).

A body can also be written out as a ``curl -F`` command, its files beside it,
which sends the same parts (text as ``--form-string``, so a value starting with
``@`` or ``<`` is never read as a file).
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

_PLACEHOLDER_URL = "http://127.0.0.1/v1/images/edits"


@dataclass(frozen=True)
class FilePart:
    name: str  # image, image[], mask, markup
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class EditForm:
    """The parts of one edit request, in the order they go on the wire."""

    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[FilePart, ...] = field(default_factory=tuple)

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    @property
    def images(self) -> tuple[FilePart, ...]:
        return tuple(f for f in self.files if f.name in ("image", "image[]"))

    def boundary(self) -> str:
        digest = hashlib.sha256()
        for key, value in self.fields:
            digest.update(f"{key}\0{value}\0".encode())
        for part in self.files:
            digest.update(f"{part.name}\0{part.filename}\0{part.content_type}\0".encode())
            digest.update(part.data)
        return digest.hexdigest()[:32]

    def encode(self) -> tuple[bytes, str]:
        """The body and its Content-Type header (with the boundary)."""
        boundary = self.boundary()
        content_type = f"multipart/form-data; boundary={boundary}"
        if not self.files:
            return _text_only(self.fields, boundary), content_type
        data: dict[str, list[str]] = {}
        for key, value in self.fields:
            data.setdefault(key, []).append(value)
        files = [(p.name, (p.filename, p.data, p.content_type)) for p in self.files]
        request = httpx.Request(
            "POST",
            _PLACEHOLDER_URL,
            data=data,
            files=files,
            headers={"Content-Type": content_type},
        )
        return request.read(), content_type


def _text_only(fields: tuple[tuple[str, str], ...], boundary: str) -> bytes:
    """A multipart body of text parts alone, in httpx's layout: httpx encodes a body
    without files as urlencoded, but a refused edit without an image is still multipart."""
    out = bytearray()
    for key, value in fields:
        name = key.replace('"', "%22")
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def text_fields(values: Iterable[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    """Text parts as the SDKs write values: decimal numbers, lowercase booleans."""
    out = []
    for key, value in values:
        if value is None:
            continue  # openai-python omits None; node refuses it client-side
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append((key, text))
    return tuple(out)


Writer = Callable[[str, bytes], str]


def curl_command(form: EditForm, url: str, headers: Iterable[str], write: Writer) -> str:
    """A ``curl -F`` command sending ``form``; ``write(name, data)`` stores each file
    beside the report and returns the path curl should read it from."""
    args = ["curl", "-sS", url]
    for header in headers:
        args += ["-H", header]
    for key, value in form.fields:
        args += ["--form-string", f"{key}={value}"]
    for index, part in enumerate(form.files):
        path = write(f"{index:02d}-{part.filename}", part.data)
        # curl reads ;type= and ;filename= after the path; a path with ; or " breaks that.
        args += ["-F", f"{part.name}=@{path};type={part.content_type};filename={part.filename}"]
    return " ".join(shlex.quote(a) for a in args)
