"""The reference server as an ASGI app: its routes, each a thin handler.

Without faults it answers exactly as the profile documents; each fault breaks
one rule (see ``faults.py``) so the suite can prove its checks notice. Every
operation (``OPERATIONS``, keyed like a probe's operation) goes through the same
door: counted, perhaps a flaky hiccup (not the model list), the key checked; then
the operation's own module answers (``generations.py``, ``models.py`` for GET
/v1/models where the profile lists models, ``edits.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.profile import Profile
from conformance.server import edits, generations, models
from conformance.server.errors import auth_refusal, file_not_found, transient
from conformance.server.faults import EDITS, GENERATIONS, MODELS
from conformance.server.state import ReferenceState

Answer = Callable[[Request, ReferenceState, str], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    """One operation the server answers: where it is sent and who answers it."""

    path: str
    answer: Answer
    method: str = "POST"
    # Whether the --flaky hiccups hit it (the billable operations the option is about).
    flaky: bool = True
    # Whether the profile's vendor serves it at all (no route otherwise: a 404).
    offered: Callable[[Profile], bool] = lambda profile: True

    async def handle(self, request: Request) -> Response:
        state = _state(request)
        state.count_request()
        hiccup = state.flaky_status() if self.flaky else None
        if hiccup is not None:
            return transient(hiccup)
        refusal = auth_refusal(request, state)
        if refusal is not None:
            return refusal
        return await self.answer(request, state, _base_url(request, state))


OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        GENERATIONS: Operation("/v1/images/generations", generations.answer),
        MODELS: Operation(
            "/v1/models",
            models.answer,
            method="GET",
            flaky=False,
            offered=lambda profile: profile.list_models,
        ),
        EDITS: Operation("/v1/images/edits", edits.answer),
    }
)


def _state(request: Request) -> ReferenceState:
    state: ReferenceState = request.app.state.reference
    return state


def _base_url(request: Request, state: ReferenceState) -> str:
    base = state.public_base_url or str(request.base_url)
    return base if base.endswith("/") else f"{base}/"


async def image_file(request: Request) -> Response:
    png = _state(request).image(request.path_params["image_id"])
    if png is None:
        return file_not_found()
    return Response(png, media_type="image/png")


async def stats(request: Request) -> Response:
    return JSONResponse(_state(request).stats())


def create_app(
    profile: Profile,
    api_key: str,
    faults: Iterable[str] = (),
    *,
    public_base_url: str | None = None,
    zero_balance_key: str | None = None,
    latency_s: float = 0.0,
    flaky: float = 0.0,
    seed: int | None = None,
    preview_denied: bool = False,
) -> Starlette:
    """The reference server for ``profile``, with the named faults switched on.

    ``public_base_url`` is the server's root as clients reach it (image URLs are
    built from it); by default the root each request came in on. Server options:
    ``latency_s`` seconds before each generation is answered, and a ``flaky``
    fraction (0-1) of generation requests answered 429 (Retry-After: 1) or 503
    instead, at random (``seed`` makes the draw repeatable). ``preview_denied``: the
    key lacks the GIF and SVG previews (such requests answer 403). A name in
    ``faults`` that is no fault raises :class:`~.faults.UnknownFaultError`.
    """
    state = ReferenceState(
        profile,
        api_key,
        faults,
        public_base_url=public_base_url,
        zero_balance_key=zero_balance_key,
        latency_s=latency_s,
        flaky=flaky,
        seed=seed,
        preview_denied=preview_denied,
    )
    if latency_s < 0 or not 0 <= flaky <= 1:
        raise ValueError(f"latency {latency_s} must be ≥ 0 and flaky {flaky} within 0-1")
    routes = [
        Route(op.path, op.handle, methods=[op.method])
        for op in OPERATIONS.values()
        if op.offered(profile)
    ]
    app = Starlette(
        routes=[
            *routes,
            Route("/v1/files/{image_id}.png", image_file, methods=["GET"]),
            Route("/_reference/stats", stats, methods=["GET"]),
        ]
    )
    app.state.reference = state
    return app
