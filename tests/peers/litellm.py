"""The LiteLLM proxy, with a master key and no database, in front of the reference server.

``litellm[proxy]`` 1.103.7 plus ``prisma`` (without prisma a request without a
key gets a 500 rather than LiteLLM's 401) in a venv of their own, pinned by
litellm-constraints.txt. Never 1.82.7 or 1.82.8: those uploads were malicious.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from conformance.server import ReferenceServer
from tests.peers.install import pip_venv_install
from tests.peers.process import LOOPBACK, running
from tests.peers.target import PeerTarget, peer_env

VERSION = "1.103.7"
REQUIREMENTS = [f"litellm[proxy]=={VERSION}", "prisma==0.15.0"]
assert VERSION not in ("1.82.7", "1.82.8"), "malicious releases"


def install() -> Path:
    return pip_venv_install("litellm", VERSION, REQUIREMENTS)


def config(upstream: ReferenceServer) -> dict[str, object]:
    """One route per model of the openai profile, each to the reference server."""
    return {
        "model_list": [
            {
                "model_name": model,
                "litellm_params": {
                    "model": f"openai/{model}",
                    "api_base": upstream.base_url,
                    "api_key": "os.environ/UPSTREAM_API_KEY",
                },
            }
            for model in upstream.profile.models
        ],
        "litellm_settings": {"telemetry": False},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }


@contextmanager
def serve(log_dir: Path, upstream: ReferenceServer) -> Iterator[PeerTarget]:
    home = install()
    config_path = log_dir / "litellm.yaml"
    config_path.write_text(yaml.safe_dump(config(upstream)))
    master_key = f"sk-master-{secrets.token_hex(12)}"
    env = peer_env(
        LITELLM_MASTER_KEY=master_key,
        UPSTREAM_API_KEY=upstream.api_key,
        # No telemetry, no model price list fetched from the network, no banner.
        LITELLM_TELEMETRY="False",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_DONT_SHOW_FEEDBACK_BOX="True",
    )
    env.pop("DATABASE_URL", None)
    command = [str(home / "bin" / "litellm"), "--config", str(config_path), "--host", LOOPBACK]
    with running(
        "litellm",
        lambda port: [*command, "--port", str(port), "--num_workers", "1"],
        env=env,
        cwd=log_dir,
        log_dir=log_dir,
        ready_path="/health/liveliness",
    ) as peer:
        yield PeerTarget(peer.base_url, master_key)
