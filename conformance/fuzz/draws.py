"""schemathesis' two ways to draw request bodies for one operation, with no sending.

``coverage_bodies``: its coverage phase, one deterministic case per boundary of the
schema. ``random_bodies``: a hypothesis ``@given`` run over the operation's
strategy with a fixed seed, no example database and no shrinking, so the same
seed, schema and library versions give the same bodies in the same order on
every machine. The generations' JSON draws (:mod:`generate`) and the edits'
forms (:mod:`edit_draw`) both draw through here, and keep what they drew for the
process in :func:`once`.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from conformance.fuzz import cache
from conformance.fuzz.narrow import Mode


def operation(spec: dict[str, Any], path: str, method: str) -> tuple[Any, Any]:
    """The schema schemathesis reads from ``spec``, and its operation at path/method."""
    import schemathesis  # imported lazily: a run without fuzzing never loads it

    schema = schemathesis.openapi.from_dict(spec)
    return schema, schema[path][method]


def coverage_bodies(schema: Any, op: Any, mode: Mode, method: str) -> list[Any]:
    """The coverage phase's bodies, in its order (other methods than ``method`` left out:
    the contract describes only that one)."""
    import schemathesis

    config = schema.config.generation_for(operation=op)
    with cache.hypothesis_home():
        cases = schema.iter_coverage_cases(
            op,
            generation_modes=[schemathesis.GenerationMode(mode)],
            generation_config=config,
        )
        return [case.body for case in cases if case.method.upper() == method]


def random_bodies(op: Any, mode: Mode, size: int, seed: int) -> list[Any]:
    """``size`` bodies exactly as schemathesis generated them, in order."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as fixed_seed

    strategy = op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    bodies: list[Any] = []

    @fixed_seed(seed)
    @settings(
        max_examples=size,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(strategy)
    def collect(case: Any) -> None:
        bodies.append(case.body)

    with cache.hypothesis_home():
        collect()
    return bodies


T = TypeVar("T")
_DRAWN: dict[Hashable, tuple[Any, ...]] = {}
_LOCK = threading.Lock()


def once(key: Hashable, draw: Callable[[], Iterable[T]]) -> tuple[T, ...]:
    """What ``draw`` gives for ``key``, drawn once per process: the plan is built for
    each run, and the self-tests run the suite many times in one process."""
    with _LOCK:
        found = _DRAWN.get(key)
        if found is None:
            with warnings.catch_warnings():
                # Plans are built while pytest starts up (the plugin's configure,
                # --plan): drawing then is on purpose, not the accidental
                # import-time work hypothesis warns about.
                warnings.filterwarnings("ignore", message="Slow code in plugin")
                found = _DRAWN[key] = tuple(draw())
    return found
