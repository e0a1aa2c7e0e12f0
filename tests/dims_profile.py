"""The self-test profile of issue 22's dimensions and vendor parameters
(tests/profiles/dims-refused.yaml), and a plain request to its reference server.
The fixtures ``dims_refused`` and ``dims_server`` (tests/conftest.py) load and serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from conformance.server.runner import ReferenceServer

REFUSED = Path(__file__).parent / "profiles" / "dims-refused.yaml"


def post_generation(srv: ReferenceServer, body: dict[str, Any]) -> httpx.Response:
    """POST /images/generations with a prompt and the server's key."""
    return httpx.post(
        f"{srv.base_url}/images/generations",
        json={"prompt": "a red cube", **body},
        headers={"Authorization": f"Bearer {srv.api_key}"},
        timeout=60,
    )
