"""The Portkey AI gateway, routed to the reference server by request headers.

``x-portkey-provider: openai`` and ``x-portkey-custom-host: <reference server>/v1``
on every request (the suite's ``--header``). Portkey has no key of its own: the
Authorization header goes to the upstream, so the suite sends the upstream's key.
It listens on every interface with no option to choose; loopback.cjs pins it to
127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.server import ReferenceServer
from tests.peers.install import npm_install
from tests.peers.process import running
from tests.peers.target import PeerTarget, peer_env

PACKAGE = "@portkey-ai/gateway"
VERSION = "1.15.2"
LOOPBACK_PRELOAD = Path(__file__).resolve().parent / "loopback.cjs"


def install() -> Path:
    return npm_install("portkey", PACKAGE, VERSION)


@contextmanager
def serve(log_dir: Path, upstream: ReferenceServer) -> Iterator[PeerTarget]:
    home = install()
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the Portkey gateway")
    server = home / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
    with running(
        "portkey",
        lambda port: [
            node,
            "--require",
            str(LOOPBACK_PRELOAD),
            str(server),
            f"--port={port}",
            "--headless",  # no web UI
        ],
        env=peer_env(),
        cwd=log_dir,
        log_dir=log_dir,
    ) as peer:
        headers = (
            "--header",
            "x-portkey-provider: openai",
            "--header",
            f"x-portkey-custom-host: {upstream.base_url}",
        )
        yield PeerTarget(peer.base_url, upstream.api_key, headers)
