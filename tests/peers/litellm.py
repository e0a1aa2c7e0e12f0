"""The LiteLLM proxy, with a master key and no database, in front of the reference server.

Each release runs from a venv of its own, pinned by its constraints file
(tests/peers/litellm-<version>-constraints.txt), with ``prisma`` (without
prisma a request without a key gets a 500 rather than LiteLLM's 401):

- 1.103.7, the peer of the DALL·E and gpt-image-1.5 goldens;
- 1.110.2, the newest on the registry, in front of a 2.6 model (issue 20). Its
  ``[proxy]`` extra names ``litellm-proxy==1.110.2`` and exact
  ``litellm-proxy-extras``/``litellm-enterprise`` builds that the registry does
  not have, so it is ``litellm==1.110.2`` plus the extra's other requirements,
  listed in litellm-1.110.2-requirements.txt (those two at their newest builds);
- 1.101.6, the last release with the multi-image edit bug (1.100.0-1.101.6: a
  list of images forwarded with a stray text part), and 1.102.4, a release with
  the fix (1.102.0) — both measured in shared/reference/edits-contract.md §6.

Never 1.82.7 or 1.82.8: those uploads were malicious.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.server import ReferenceServer
from tests.peers.install import pip_venv_install
from tests.peers.process import LOOPBACK, running
from tests.peers.target import PeerTarget, peer_env

_HERE = Path(__file__).resolve().parent
_MALICIOUS = ("1.82.7", "1.82.8")


@dataclass(frozen=True)
class Release:
    """One LiteLLM release and how it is installed."""

    version: str
    # The [proxy] extra resolves from the registry; if not, its requirements are in a file.
    proxy_extra: bool = True

    def __post_init__(self) -> None:
        assert self.version not in _MALICIOUS, "malicious releases"

    @property
    def constraints(self) -> Path:
        return _HERE / f"litellm-{self.version}-constraints.txt"

    @property
    def requirement_files(self) -> tuple[Path, ...]:
        return () if self.proxy_extra else (_HERE / f"litellm-{self.version}-requirements.txt",)

    @property
    def requirements(self) -> list[str]:
        if not self.proxy_extra:
            return []  # all in the requirements file
        return [f"litellm[proxy]=={self.version}", "prisma==0.15.0"]


DEFAULT = Release("1.103.7")
NEWEST = Release("1.110.2", proxy_extra=False)
EDITS_BROKEN = Release("1.101.6")
EDITS_FIXED = Release("1.102.4")
VERSION = DEFAULT.version


def install(release: Release = DEFAULT) -> Path:
    return pip_venv_install(
        "litellm",
        release.version,
        release.requirements,
        release.constraints,
        release.requirement_files,
    )


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
        # A route that failed (every stream 500s) is otherwise cooled down for a
        # while, and whatever the suite sends next gets 429 without reaching the
        # upstream: verdicts that depend on the order requests happen to be sent in.
        "router_settings": {"disable_cooldowns": True},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }


@contextmanager
def serve(
    log_dir: Path, upstream: ReferenceServer, release: Release = DEFAULT
) -> Iterator[PeerTarget]:
    home = install(release)
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
