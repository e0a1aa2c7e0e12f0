"""The reference server as an ASGI app: a profile's contract, plus optional faults.

Without faults it answers exactly as the profile documents; each fault breaks
one rule (see ``faults.py``) so the suite can prove its checks notice.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from conformance.profile import ErrorKind, Profile
from conformance.server.contract import (
    DEFAULT_PROMPT,
    Generation,
    Violation,
    parse_body,
)
from conformance.server.edit_answer import edit_answer, edit_stream
from conformance.server.edit_form import BodyTooLarge, check_edit, read_form
from conformance.server.faults import ACCEPT_RULE_FAULTS, FAULTS, unknown_faults
from conformance.server.gpt import GptGeneration
from conformance.server.gpt import answer as gpt_answer
from conformance.server.images import render_png
from conformance.server.rules import check_request
from conformance.server.stream import media_type as stream_media_type
from conformance.server.stream import partials_asked, stream_events, wants_stream

STORE_LIMIT = 512
# Any consistent number will do: the contract only asks for integers that add up.
_OUTPUT_TOKENS_PER_IMAGE = 1056
_NOT_AN_IMAGE = b"not an image" * 10
_UNUSED_KEYS = ("url", "b64_json", "revised_prompt")
_GPT_IMAGE_KEYS = ("background", "output_format", "quality", "size")
_FALLBACK_STATUS = {
    "invalid_request": 400,
    "unknown_model": 400,
    "unauthorized": 401,
    "unknown_parameter": 400,
}

Json = dict[str, Any]


class ReferenceState:
    """Configuration, counters and the image store of one reference server app.

    What the handlers read: the profile whose contract it serves, the key it
    accepts (and an empty-balance one), the faults switched on (and so the
    validation rules skipped), and how slow and flaky it is. What it keeps: the
    images it generated (for ``/v1/files``) and what it counted, which
    ``/_reference/stats`` and the tests read. Handlers run on uvicorn's event
    loop thread (and its thread pool) while tests read the counters from their
    own thread, hence the lock.
    """

    def __init__(
        self,
        profile: Profile,
        api_key: str,
        faults: frozenset[str] = frozenset(),
        *,
        public_base_url: str | None = None,
        store_limit: int = STORE_LIMIT,
        zero_balance_key: str | None = None,
        latency_s: float = 0.0,
        flaky: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.profile = profile
        # Server options, not faults: how slow and how unreliable the server is,
        # while every answer it does give stays conformant.
        self.latency_s = latency_s
        self.flaky = flaky
        self._rng = random.Random(seed)
        self.api_key = api_key
        # A valid key whose balance is empty: answered as the profile documents.
        self.zero_balance_key = zero_balance_key
        self.faults = faults
        self.public_base_url = public_base_url
        self.store_limit = store_limit
        self.skipped_rules = frozenset(
            rule for name, rule in ACCEPT_RULE_FAULTS.items() if name in faults
        ) | ({"stream-unsupported"} if "stream-as-json" in faults else frozenset())
        self._lock = threading.Lock()
        self._images: OrderedDict[str, bytes] = OrderedDict()
        self._requests = 0
        self._generations = 0
        self._billed_requests = 0
        self._flaky_answers = 0

    def has(self, fault: str) -> bool:
        """Whether ``fault`` is on. A name that is no fault is a mistake in the server,
        not a fault that happens to be off: it fails loudly."""
        if fault not in FAULTS:
            raise KeyError(f"the reference server asked for {fault!r}, which is no fault")
        return fault in self.faults

    def count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def flaky_status(self) -> int | None:
        """429 or 503 for a ``flaky`` fraction of requests, else None."""
        if not self.flaky:
            return None
        with self._lock:
            if self._rng.random() >= self.flaky:
                return None
            self._flaky_answers += 1
            return self._rng.choice((429, 503))

    def count_billed(self, images: int) -> None:
        with self._lock:
            self._billed_requests += 1
            self._generations += images

    def store(self, png: bytes) -> str:
        """Keep an image for GET /v1/files/<id>.png; the oldest go first."""
        image_id = uuid.uuid4().hex
        with self._lock:
            self._images[image_id] = png
            while len(self._images) > self.store_limit:
                self._images.popitem(last=False)
        return image_id

    def image(self, image_id: str) -> bytes | None:
        with self._lock:
            return self._images.get(image_id)

    def stats(self) -> Json:
        with self._lock:
            return {
                "requests": self._requests,
                "generations": self._generations,
                "billed_requests": self._billed_requests,
                "flaky_answers": self._flaky_answers,
                "faults": sorted(self.faults),
            }

    def error_kind(self, kind: str) -> ErrorKind:
        found = self.profile.error(kind)
        return found if found is not None else ErrorKind((_FALLBACK_STATUS[kind],))


def _state(request: Request) -> ReferenceState:
    state: ReferenceState = request.app.state.reference
    return state


# --- errors ---------------------------------------------------------------


def _html_error(status: int) -> Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a profile may document a status http.HTTPStatus lacks
        phrase = "Error"
    title = f"{status} {phrase}"
    page = (
        f"<html><head><title>{title}</title></head><body>"
        f"<center><h1>{title}</h1></center><hr><center>nginx</center></body></html>"
    )
    return HTMLResponse(page, status_code=status)


def _error(
    state: ReferenceState,
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> Response:
    """An error answer in the contract's envelope, unless an error fault reshapes it."""
    if state.has("error-html"):
        return _html_error(status)
    body: Json
    if state.has("error-flat"):
        body = {
            "object": "error",
            "message": message,
            "type": type_,
            "param": param,
            "code": status,
        }
    elif state.has("error-no-param-code"):
        body = {"error": {"message": message, "type": type_}}
    elif state.has("error-stringly"):
        body = {
            "error": {"message": message, "type": type_, "param": str(param), "code": str(status)}
        }
    else:
        body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def _validation_error(state: ReferenceState, violation: Violation) -> Response:
    kind = state.error_kind(violation.kind)
    status, type_ = kind.status[0], "invalid_request_error"
    if state.has("validation-500"):
        status, type_ = 500, "server_error"
    elif state.has("validation-422"):
        status = 422
    param = None if state.has("wrong-param") else violation.param
    # A code the profile documents for this kind of refusal wins over ours.
    code = kind.code or violation.code
    return _error(state, status, violation.message, type_=type_, param=param, code=code)


def _balance_refusal(state: ReferenceState) -> Response:
    documented = state.profile.error("insufficient_balance")
    status = documented.status[0] if documented else 429
    code = (documented.code if documented else None) or "insufficient_quota"
    type_ = "insufficient_quota"
    if state.has("balance-403"):
        status, code, type_ = 403, "insufficient_user_quota", "one_api_error"
    message = "You exceeded your current quota: the balance of this key is empty."
    return _error(state, status, message, type_=type_, code=code)


def _auth_refusal(request: Request, state: ReferenceState) -> Response | None:
    auth = state.profile.auth
    sent = request.headers.get(auth.header)
    if sent is None:
        if not auth.required or state.has("accept-missing-key"):
            return None
        message = (
            f"You didn't provide an API key. Send it in the {auth.header} header "
            f"({auth.value('YOUR_KEY')})."
        )
    else:
        expected = auth.value(state.api_key).encode()
        if state.zero_balance_key and hmac.compare_digest(
            sent.encode("latin-1"), auth.value(state.zero_balance_key).encode()
        ):
            return _balance_refusal(state)
        if state.has("accept-wrong-key") or hmac.compare_digest(sent.encode("latin-1"), expected):
            return None
        # The key is not echoed back: it may be someone's real one sent by mistake.
        message = "Incorrect API key provided."
    kind = state.error_kind("unauthorized")
    status, code = kind.status[0], kind.code or "invalid_api_key"
    if state.has("auth-403"):
        status, code = 403, "forbidden"
    return _error(state, status, message, code=code)


def _hd_refusal(generation: Generation) -> Violation:
    return Violation(
        "quality-unknown",
        "quality",
        f"Invalid 'quality': 'hd' is not supported by {generation.model.name}.",
        code="invalid_value",
    )


# --- success --------------------------------------------------------------


def _image_url(state: ReferenceState, png: bytes, base_url: str) -> str:
    # url-404 skips the store: the id then names nothing.
    image_id = uuid.uuid4().hex if state.has("url-404") else state.store(png)
    path = f"v1/files/{image_id}.png"
    return f"/{path}" if state.has("url-relative") else f"{base_url}{path}"


def _b64(state: ReferenceState, png: bytes) -> str:
    data = _NOT_AN_IMAGE if state.has("b64-not-image") else png
    encoded = base64.b64encode(data).decode("ascii")
    return f"data:image/png;base64,{encoded}" if state.has("b64-data-uri") else encoded


def _item(state: ReferenceState, gen: Generation, fmt: str, png: bytes, base_url: str) -> Json:
    both = state.has("both-formats")
    item: Json = {}
    if fmt == "url" or both:
        item["url"] = _image_url(state, png, base_url)
    if fmt == "b64_json" or both:
        item["b64_json"] = _b64(state, png)
    if state.has("revised-prompt-number"):
        item["revised_prompt"] = 42
    elif gen.model.revised_prompt:
        item["revised_prompt"] = f"{gen.prompt}, rendered as a test image"
    if state.profile.null_fields or state.has("null-fields"):
        for key in _UNUSED_KEYS:
            item.setdefault(key, None)
    return item


def _make_items(state: ReferenceState, gen: Generation, base_url: str) -> list[Json]:
    count = 1 if state.has("n-ignored") else gen.n
    fmt = "url" if state.has("format-ignored") else gen.response_format
    width, height = gen.width, gen.height
    if state.has("wrong-dimensions"):
        width, height = max(1, width // 2), max(1, height // 2)
    png = render_png(width, height, f"{gen.model.name} {gen.width}x{gen.height}")
    return [_item(state, gen, fmt, png, base_url) for _ in range(count)]


def _created(state: ReferenceState) -> int | None:
    if state.has("created-null"):
        return None
    now = time.time()
    return int(now * 1000) if state.has("created-ms") else int(now)


def _usage(state: ReferenceState, gen: Generation, images: int) -> Json | None:
    if state.has("usage-malformed"):
        return {"total_tokens": "many"}
    if state.has("usage-missing"):
        return None
    text, output = len(gen.prompt.split()), _OUTPUT_TOKENS_PER_IMAGE * images
    if state.has("usage-zero"):
        return {
            "input_tokens": 0,
            "output_tokens": 0,
            "total_tokens": 0,
            "input_tokens_details": {"text_tokens": 0, "image_tokens": 0},
        }
    if state.has("usage-sum"):
        return {
            "input_tokens": text,
            "output_tokens": output,
            "total_tokens": text + output + 1,
            "input_tokens_details": {"text_tokens": text, "image_tokens": 0},
        }
    if state.profile.usage == "openai":
        return {
            "input_tokens": text,
            "output_tokens": output,
            "total_tokens": text + output,
            "input_tokens_details": {"text_tokens": text, "image_tokens": 0},
        }
    if state.profile.usage == "chat":
        return {"prompt_tokens": text, "completion_tokens": output, "total_tokens": text + output}
    return None


def _success(state: ReferenceState, gen: Generation, items: list[Json]) -> Response:
    payload: Json = {"created": _created(state)}
    if not state.has("data-missing"):
        payload["data"] = items
    if state.has("null-top-level"):
        payload.update(dict.fromkeys(_GPT_IMAGE_KEYS))
    if state.has("quality-auto"):
        payload["quality"] = "auto"
    usage = _usage(state, gen, len(items))
    if usage is not None:
        payload["usage"] = usage
    return _send(state, payload)


def _send(state: ReferenceState, payload: Json) -> Response:
    """A successful answer's bytes, as the serialization faults leave them."""
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    if state.has("json-truncated"):
        content = content[: len(content) // 2]
    if state.has("content-type-text"):
        return Response(content, media_type="text/plain; charset=utf-8")
    return Response(content, media_type="application/json")


# --- handlers -------------------------------------------------------------


def _base_url(request: Request, state: ReferenceState) -> str:
    base = state.public_base_url or str(request.base_url)
    return base if base.endswith("/") else f"{base}/"


def _read_body(raw: bytes, state: ReferenceState) -> dict[str, Any] | Violation:
    body = parse_body(raw)
    if isinstance(body, Violation) and body.rule in state.skipped_rules:
        return {"prompt": DEFAULT_PROMPT}
    return body


def _transient(status: int) -> Response:
    """A hiccup, in the envelope OpenAI uses: nothing is generated or billed."""
    if status == 429:
        body = {
            "error": {
                "message": "Rate limit reached for requests. Please try again in 1s.",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            }
        }
        return JSONResponse(body, status_code=429, headers={"Retry-After": "1"})
    body = {
        "error": {
            "message": "The server is overloaded or not ready yet.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    return JSONResponse(body, status_code=status)


async def generations(request: Request) -> Response:
    state = _state(request)
    state.count_request()
    hiccup = state.flaky_status()
    if hiccup is not None:
        return _transient(hiccup)
    refusal = _auth_refusal(request, state)
    if refusal is not None:
        return refusal
    body = _read_body(await request.body(), state)
    if isinstance(body, Violation):
        return _validation_error(state, body)
    outcome = check_request(body, state.profile, state.skipped_rules)
    if isinstance(outcome, Violation):
        return _validation_error(state, outcome)
    # Drawing is CPU work; off the event loop it does not stall parallel requests.
    if isinstance(outcome, GptGeneration):
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        if wants_stream(body) and not state.has("stream-as-json"):
            return await _stream(request, state, outcome, partials_asked(body, outcome))
        payload, images = await run_in_threadpool(
            gpt_answer, state, outcome, _created(state), _base_url(request, state)
        )
        state.count_billed(images)
        return _send(state, payload)
    if state.has("reject-hd") and body.get("quality") == "hd":
        return _validation_error(state, _hd_refusal(outcome))
    if state.latency_s:
        await asyncio.sleep(state.latency_s)  # a generation takes time; others go on meanwhile
    items = await run_in_threadpool(_make_items, state, outcome, _base_url(request, state))
    state.count_billed(len(items))
    return _success(state, outcome, items)


async def _stream(
    request: Request, state: ReferenceState, gen: GptGeneration, partials: int
) -> Response:
    """``stream: true`` on a GPT model: its events, one chunk each (server/stream.py)."""
    chunks, images = await run_in_threadpool(
        stream_events, state, gen, partials, _created(state), _base_url(request, state)
    )
    state.count_billed(images)

    async def send() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return StreamingResponse(send(), media_type=stream_media_type(state))


async def edits(request: Request) -> Response:
    """POST /v1/images/edits: multipart, judged by OpenAI's edit rules (server/edit_form.py)."""
    state = _state(request)
    state.count_request()
    hiccup = state.flaky_status()
    if hiccup is not None:
        return _transient(hiccup)
    refusal = _auth_refusal(request, state)
    if refusal is not None:
        return refusal
    try:
        items = await read_form(request)
    except BodyTooLarge:
        return _error(state, 413, "Maximum content size limit exceeded.", type_="server_error")
    if isinstance(items, Violation):
        return _validation_error(state, items)
    job = await run_in_threadpool(check_edit, items, state.profile, state)
    if isinstance(job, Violation):
        return _validation_error(state, job)
    if state.latency_s:
        await asyncio.sleep(state.latency_s)
    if job.stream:
        chunks, images = await run_in_threadpool(edit_stream, state, job, _created(state))
        state.count_billed(images)

        async def send() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return StreamingResponse(send(), media_type=stream_media_type(state))
    payload, images = await run_in_threadpool(edit_answer, state, job, _created(state))
    state.count_billed(images)
    return _send(state, payload)


async def image_file(request: Request) -> Response:
    png = _state(request).image(request.path_params["image_id"])
    if png is None:
        body = {
            "error": {
                "message": "No such file: it never existed or has expired.",
                "type": "invalid_request_error",
                "param": None,
                "code": "not_found",
            }
        }
        return JSONResponse(body, status_code=404)
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
) -> Starlette:
    """The reference server for ``profile``, with the named faults switched on.

    ``public_base_url`` is the server's root as clients reach it (image URLs are
    built from it); by default the root each request came in on. Server options:
    ``latency_s`` seconds before each generation is answered, and a ``flaky``
    fraction (0-1) of generation requests answered 429 (Retry-After: 1) or 503
    instead, at random (``seed`` makes the draw repeatable).
    """
    names = tuple(faults)
    unknown = unknown_faults(names)
    if unknown:
        raise ValueError(
            f"unknown fault {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}"
        )
    if latency_s < 0 or not 0 <= flaky <= 1:
        raise ValueError(f"latency {latency_s} must be ≥ 0 and flaky {flaky} within 0-1")
    app = Starlette(
        routes=[
            Route("/v1/images/generations", generations, methods=["POST"]),
            Route("/v1/images/edits", edits, methods=["POST"]),
            Route("/v1/files/{image_id}.png", image_file, methods=["GET"]),
            Route("/_reference/stats", stats, methods=["GET"]),
        ]
    )
    app.state.reference = ReferenceState(
        profile,
        api_key,
        frozenset(names),
        public_base_url=public_base_url,
        zero_balance_key=zero_balance_key,
        latency_s=latency_s,
        flaky=flaky,
        seed=seed,
    )
    return app
