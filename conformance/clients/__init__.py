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
        Client("openai-node", "openai-node", "node", "must", "OpenAI.APIError"),
        Client(
            "vercel-ai",
            "Vercel AI SDK (ai + @ai-sdk/openai, generateImage)",
            "node",
            "must",
            "APICallError",
            streams=False,
            formats=("b64_json",),
        ),
    )
}

# App behaviours: what a typical app does with the client, one check each.
BEHAVIOURS: dict[str, str] = {
    "generates": "gets its image: generate (or iterate the stream), read and decode it",
    "bad-request": "catches the documented error on an invalid request",
    "authentication": "catches the documented error on a wrong key",
}

# How a check whose client could not run says so: never passed, never failed.
NOT_RUN = "client not run: "


def check_id(client: str, behaviour: str) -> str:
    return f"client.{client}.{behaviour}"


def client_of(check: str) -> str | None:
    """The client a check id speaks for (``client.openai-node.generates``), or None."""
    feature, _, rest = check.partition(".")
    if feature != "client":
        return None
    name = rest.split(".")[0]
    return name if name in CLIENTS else None
