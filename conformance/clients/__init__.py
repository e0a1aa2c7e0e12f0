"""The clients people use, as oracles: which client code breaks on an answer.

Each recorded answer is replayed, offline and with no extra request, into the
real clients: openai-python (default and strict mode) in this process, and
openai-node and the Vercel AI SDK in one Node process per run. Each runs the
code a typical app runs (generate, read and decode the image; iterate a stream
to its completed image; catch the documented error on a refusal), and the
checks ``client.<client>.<behaviour>`` judge what came out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Runtime = Literal["python", "node"]


@dataclass(frozen=True)
class Client:
    name: str
    title: str
    runtime: Runtime
    # must for the default modes (what most apps run), should for strict mode.
    severity: Literal["must", "should"]
    # The documented error class on a refusal (the status decides which subclass).
    error_class: str
    strict: bool = False
    # Whether the client can iterate a stream of image events.
    streams: bool = True
    # The response formats the client asks for (the AI SDK always asks for b64_json).
    formats: tuple[str, ...] = ("b64_json", "url")
    # The client's major version, where the suite runs more than one.
    major: int | None = None
    # The npm project (conformance/clients/<project>/) that pins a Node client and
    # the Node it runs on: node (the system Node), node7 (a pinned Node 22 from npm).
    project: str = "node"


CLIENTS: dict[str, Client] = {
    c.name: c
    for c in (
        Client(
            "openai-python",
            "openai-python, default mode",
            "python",
            "must",
            "openai.APIStatusError",
        ),
        Client(
            "openai-python-strict",
            "openai-python, strict mode (_strict_response_validation=True)",
            "python",
            "should",
            "openai.APIStatusError",
            strict=True,
        ),
        Client("openai-node", "openai-node 6", "node", "must", "OpenAI.APIError", major=6),
        Client(
            "vercel-ai",
            "Vercel AI SDK 6 (ai 6 + @ai-sdk/openai 3, generateImage)",
            "node",
            "must",
            "APICallError",
            streams=False,
            formats=("b64_json",),
            major=6,
        ),
        # The current majors need Node 22: they run on a Node 22 runtime pinned from npm.
        Client(
            "openai-node-7",
            "openai-node 7 (Node 22)",
            "node",
            "must",
            "OpenAI.APIError",
            major=7,
            project="node7",
        ),
        Client(
            "vercel-ai-7",
            "Vercel AI SDK 7 (ai 7 + @ai-sdk/openai 4, generateImage; Node 22)",
            "node",
            "must",
            "APICallError",
            streams=False,
            formats=("b64_json",),
            major=7,
            project="node7",
        ),
    )
}

# App behaviours: what a typical app does with the client, one check each.
BEHAVIOURS: dict[str, str] = {
    "generates": "gets its image: generate (or iterate the stream), read and decode it",
    "bad-request": "catches the documented error on an invalid request",
    "authentication": "catches the documented error on a wrong key",
    "edits": "gets its edited images: its edit call (images.edit, or the AI SDK's "
    "generateImage with prompt images), then reads and decodes every image",
}

# How a check whose client could not run says so: never passed, never failed.
NOT_RUN = "client not run: "


def check_id(client: str, behaviour: str) -> str:
    return f"client.{client}.{behaviour}"


def family_of(client: str) -> str:
    """The client without its major: openai-node-7 -> openai-node (the one the
    suite has run longest keeps the bare name, and means major 6)."""
    spec = CLIENTS.get(client)
    if spec is not None and spec.major is not None and client.endswith(f"-{spec.major}"):
        return client.removesuffix(f"-{spec.major}")
    return client


def with_major(client: str) -> str | None:
    """The name of a client given with its major (openai-node-6, openai-node-7), or
    None: the gate and the matrix accept both spellings."""
    if client in CLIENTS:
        return client
    for name, spec in CLIENTS.items():
        if spec.major is not None and client == f"{family_of(name)}-{spec.major}":
            return name
    return None


def client_of(check: str) -> str | None:
    """The client a check id speaks for (``client.openai-node.generates``), or None."""
    feature, _, rest = check.partition(".")
    if feature != "client":
        return None
    name = rest.split(".")[0]
    return name if name in CLIENTS else None
