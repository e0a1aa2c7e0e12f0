"""What a running peer gives the suite, and the environment peers run in."""

from __future__ import annotations

import os
from dataclasses import dataclass

from tests.peers.install import QUIET_INSTALL_ENV

# A proxy set on a developer's machine must not carry loopback traffic elsewhere.
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass(frozen=True)
class PeerTarget:
    """Where the suite points, the key it sends, and any options the peer needs."""

    base_url: str
    api_key: str
    suite_args: tuple[str, ...] = ()


def peer_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
    env.update(QUIET_INSTALL_ENV)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env
