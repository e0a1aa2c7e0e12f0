"""Sessions: conformance (the suite), tests and quick (self-tests), lint, docs, profile,
matrix, gate, serve, bench.

Every session installs with constraints.txt, so CI and a laptop get the same
versions. `nox -s conformance -- --profile openai` passes options to the suite.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

CONSTRAINTS = ("-c", "constraints.txt")


def install(session: nox.Session, extras: str = "") -> None:
    target = f".[{extras}]" if extras else "."
    # Editable, so the run reports the checkout's git commit as its provenance.
    session.install(*CONSTRAINTS, "-e", target)


@nox.session
def conformance(session: nox.Session) -> None:
    """Run the suite; without --base-url, against the embedded reference server."""
    install(session)
    session.run("python", "-m", "conformance", "run", *session.posargs)


# The self-tests start `python -m conformance` in a subprocess again and again, and
# pytest rewrites the asserts of every module of a plugin's distribution (conformance,
# hypothesis, schemathesis: some 390 modules). With PYTHONDONTWRITEBYTECODE set (as
# many container images do) nothing is cached, so each start compiles them all again:
# 3.5 s of CPU for a run that stops on bad input, 2.2 s with the cache. An empty value
# lets Python write its caches (__pycache__ is ignored by git).
BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


@nox.session
def tests(session: nox.Session) -> None:
    """The self-tests: units, the suite against the reference server, its faults and peers."""
    install(session, "test")
    # -rs: a peer skipped because its registry was unreachable says so in the log.
    session.run(
        "python",
        "-m",
        "pytest",
        "-n",
        "auto",
        "-p",
        "no:cacheprovider",
        "-rs",
        *session.posargs,
        env=BYTECODE,
    )


@nox.session
def quick(session: nox.Session) -> None:
    """The quick loop: the self-tests not marked slow (units, one suite run per family)."""
    install(session, "test")
    session.run(
        "python",
        "-m",
        "pytest",
        "-n",
        "auto",
        "-p",
        "no:cacheprovider",
        "-rs",
        "-m",
        "not slow",
        *session.posargs,
        env=BYTECODE,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy --strict, and the import contracts (lint-imports)."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("lint-imports", "--no-cache")


@nox.session
def docs(session: nox.Session) -> None:
    """Regenerate docs/options.md, checks.md, faults.md and profile-schema.md from the code."""
    install(session)
    session.run("python", "docs/generate.py", *session.posargs)


@nox.session
def profile(session: nox.Session) -> None:
    """Validate profile files: `nox -s profile -- my-provider.yaml` (profile check)."""
    install(session)
    session.run("python", "-m", "conformance", "profile", "check", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """Combine results files: `nox -s matrix -- reports/*/results.json` → reports/matrix/."""
    install(session)
    session.run("python", "-m", "conformance", "matrix", *session.posargs)


@nox.session
def gate(session: nox.Session) -> None:
    """The switch gate: `nox -s gate -- --requires docs/examples/app.yaml --candidate R.json`."""
    install(session)
    session.run("python", "-m", "conformance", "gate", *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """The reference server in the foreground: `nox -s serve -- --port 8080 --fault NAME`."""
    install(session)
    session.run("python", "-m", "conformance", "serve", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not in CI), tables and reports/bench.json: `nox -s bench -- fuzz`,
    `nox -s bench -- depth` (requests, time and faults caught per profile and depth)."""
    install(session)
    session.run("python", "-m", "bench", *session.posargs)
