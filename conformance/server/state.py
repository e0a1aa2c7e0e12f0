"""What one reference server app knows and keeps: its profile, key, faults and counters."""

from __future__ import annotations

import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from conformance.profile import ErrorKind, Profile
from conformance.server import faults as f
from conformance.server.faults import Fault

STORE_LIMIT = 512
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
        faults: Iterable[str] = (),
        *,
        public_base_url: str | None = None,
        store_limit: int = STORE_LIMIT,
        zero_balance_key: str | None = None,
        latency_s: float = 0.0,
        flaky: float = 0.0,
        seed: int | None = None,
        preview_denied: bool = False,
    ) -> None:
        self.profile = profile
        # A key without the GIF and SVG previews: such requests answer 403.
        self.preview_denied = preview_denied
        # Server options, not faults: how slow and how unreliable the server is,
        # while every answer it does give stays conformant.
        self.latency_s = latency_s
        self.flaky = flaky
        self._rng = random.Random(seed)
        self.api_key = api_key
        # A valid key whose balance is empty: answered as the profile documents.
        self.zero_balance_key = zero_balance_key
        # Checked here, so that a misspelt name fails when the server is built.
        self._on = f.faults_named(faults)
        self.faults = frozenset(fault.name for fault in self._on)
        self.public_base_url = public_base_url
        self.store_limit = store_limit
        skipped = {fault.rule for fault in self._on if fault.rule is not None}
        if f.STREAM_AS_JSON in self._on:
            skipped.add("stream-unsupported")
        self.skipped_rules = frozenset(skipped)
        self._lock = threading.Lock()
        self._images: OrderedDict[str, bytes] = OrderedDict()
        self._requests = 0
        self._generations = 0
        self._billed_requests = 0
        self._flaky_answers = 0

    def has(self, fault: Fault) -> bool:
        """Whether ``fault`` is on. Only a declared fault can be asked about: a
        name that is no fault is a mistake in the server, and fails loudly."""
        if f.FAULTS.get(fault.name) is not fault:
            raise KeyError(f"the reference server asked for {fault.name!r}, which is no fault")
        return fault in self._on

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
