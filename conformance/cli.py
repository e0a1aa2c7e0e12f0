"""Command line: ``python -m conformance run|serve|profile check``.

``run`` is the suite itself (pytest underneath, so every pytest option works
too); ``serve`` starts the reference server in the foreground; ``profile check``
validates profile files. Bad input is one line on stderr and exit code 4.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from conformance.errors import ConfigError

EXIT_USAGE = 4


def _plugin_is_installed() -> bool:
    return any(ep.value == "conformance.plugin" for ep in entry_points(group="pytest11"))


RUN_EPILOG = """\
Every pytest option works too (-k EXPR, -x, -v, --junit-xml=PATH, ...):
`python -m conformance run --pytest-help` lists them.

exit codes: 0 conformant; 1 a failure at or above --fail-on, a fixed deviation
or an error of the run; 2 interrupted (Ctrl-C or SIGTERM: what was answered is
written, marked interrupted); 4 bad input to the tool (one line on stderr); 5
nothing judged (nothing selected, e.g. a -k that matches no probe, or every
verdict a skip). More: docs/run-outcome.md.
"""


def _run_parser() -> argparse.ArgumentParser:
    from conformance.options import add_to_argparse

    parser = _Parser(
        prog="python -m conformance run",
        usage="%(prog)s [suite options] [pytest options]",
        description="Run the conformance suite: without --base-url, against the embedded "
        "reference server emulating the profile.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "--pytest-help", action="store_true", help="show pytest's own options and exit"
    )
    add_to_argparse(parser)
    return parser


def run(args: Sequence[str]) -> int:
    import pytest

    if "-h" in args or "--help" in args:
        _run_parser().print_help()
        return 0
    if "--pytest-help" in args:
        args = [a for a in args if a != "--pytest-help"] + ["--help"]
    # `python -m conformance` imported the package before pytest could rewrite it.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    pytest_args = ["--pyargs", "conformance", "-p", "no:cacheprovider", *quiet]
    if not _plugin_is_installed():
        # Running from a checkout that was never pip-installed.
        pytest_args += ["-p", "conformance.plugin"]
    return int(pytest.main([*pytest_args, *args]))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("python -m conformance ")
        raise ConfigError(f"{command}: {message}")


def _serve_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m conformance serve",
        description="Run the reference server for a profile in the foreground.",
    )
    parser.add_argument("--profile", default="openai", help="profile name or YAML file")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", default="8080", help="port (default 8080)")
    parser.add_argument(
        "--api-key-env",
        default="CONFORMANCE_REFERENCE_KEY",
        help="environment variable with the key the server accepts "
        "(default CONFORMANCE_REFERENCE_KEY; a random key if unset)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a fault (repeatable); see --list-faults",
    )
    parser.add_argument("--list-faults", action="store_true", help="list faults and exit")
    parser.add_argument(
        "--latency",
        default="0",
        metavar="S",
        help="seconds each generation takes before it is answered (default 0)",
    )
    parser.add_argument(
        "--flaky",
        default="0",
        metavar="RATE",
        help="fraction (0-1) of generation requests answered 429 (Retry-After: 1) or 503",
    )
    return parser


def _number(raw: str, option: str, top: float | None = None) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{option} {raw!r}: expected a number") from None
    if value < 0 or (top is not None and value > top):
        raise ConfigError(f"{option} {raw}: expected 0{f' to {top:g}' if top else ' or more'}")
    return value


def serve(argv: Sequence[str]) -> int:
    from conformance.fuzz.probes import FuzzSettings
    from conformance.profile import load_profile
    from conformance.server.faults import FAULTS, UnknownFaultError, fault_table, faults_named
    from conformance.server.runner import serve as serve_forever
    from conformance.server.scope import refuse_inapplicable

    opts = _serve_parser().parse_args(argv)
    if opts.list_faults:
        print(fault_table(FAULTS.values()))
        return 0
    try:
        faults_named(opts.fault)
    except UnknownFaultError as exc:
        raise ConfigError(str(exc)) from None
    profile = load_profile(opts.profile)
    # Served for any run: a fault only property-based probes reach is fine too.
    refuse_inapplicable(opts.fault, profile, (), FuzzSettings())
    try:
        port = int(opts.port)
    except ValueError:
        raise ConfigError(f"--port {opts.port!r}: expected a number") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: expected 0-65535")
    latency = _number(opts.latency, "--latency")
    flaky = _number(opts.flaky, "--flaky", 1.0)
    key = os.environ.get(opts.api_key_env) or f"sk-ref-{secrets.token_hex(8)}"
    # A run pointed at this stand-in with --base-url paces itself as for the vendor.
    print(
        f"note: a run against this server with --base-url keeps profile {profile.name}'s rate "
        f"limit ({profile.rate_limit}); add --rate-limit none to lift it",
        flush=True,
    )
    try:
        serve_forever(
            profile,
            opts.host,
            port,
            key,
            opts.fault,
            latency_s=latency,
            flaky=flaky,
        )
    except KeyboardInterrupt:
        # Ctrl-C is how a foreground server is meant to stop: a line, not a traceback.
        print("reference server stopped", file=sys.stderr)
    return 0


def _matrix_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m conformance matrix",
        description="Combine results.json files into a compatibility matrix.",
    )
    parser.add_argument(
        "results", nargs="*", help="results.json files (default: reports/*/results.json)"
    )
    parser.add_argument("--out", default="reports/matrix", help="output directory")
    return parser


def matrix(argv: Sequence[str]) -> int:
    from conformance.report.matrix import build, write

    opts = _matrix_parser().parse_args(argv)
    paths = [Path(p) for p in opts.results] or sorted(Path("reports").glob("*/results.json"))
    built = build(paths)
    written = write(built, Path(opts.out))
    for col in built.columns:
        passed, judged = col.score
        print(f"{col.provider} {col.model}: {passed}/{judged} rows passed ({col.source})")
    print(
        f"matrix: {written[0]} ({len(built.rows)} rows × {len(built.columns)} columns), "
        f"{written[1]}, {len(built.columns)} badge(s) in {Path(opts.out) / 'badges'}"
    )
    return 0


def _gate_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m conformance gate",
        description="Does a candidate provider support what an application uses?",
    )
    parser.add_argument(
        "--requires", required=True, metavar="APP.yaml", help="the application's requirements"
    )
    parser.add_argument(
        "--candidate",
        required=True,
        metavar="RESULTS.json",
        help="results of the candidate provider's run",
    )
    parser.add_argument(
        "--current",
        metavar="RESULTS.json",
        help="results of the current provider's run, for the diff",
    )
    return parser


def gate(argv: Sequence[str]) -> int:
    from conformance.report.gate import gate as run_gate
    from conformance.report.gate import load_app

    opts = _gate_parser().parse_args(argv)
    report = run_gate(
        load_app(Path(opts.requires)),
        Path(opts.candidate),
        Path(opts.current) if opts.current else None,
    )
    print(report.text(), end="")
    return 0 if report.ok else 1


def profile_check(paths: Sequence[str]) -> int:
    from conformance.profile import load_profile

    if not paths:
        raise ConfigError("profile check: give one or more profile files or names")
    for path in paths:
        profile = load_profile(path)
        models = ", ".join(profile.models)
        print(
            f"{path}: ok — profile {profile.name}, models {models}, "
            f"{len(profile.deviations)} known deviation(s)"
        )
    return 0


def profile_drift(refs: Sequence[str]) -> int:
    from conformance.lifecycle.drift import drift, drift_text, sdk_contract
    from conformance.profile import BASELINES, LEGACY, load_profile

    if len(refs) != 1:
        raise ConfigError("profile drift: give one profile name or file")
    profile = load_profile(refs[0])
    sdk = sdk_contract()
    # The other baselines (openai-dalle and openai-legacy beside openai) hold their own models.
    baselines = {*BASELINES.values(), LEGACY} - {profile.name}
    others = [load_profile(b) for b in sorted(baselines)]
    items = drift(profile, sdk, others)
    print(drift_text(profile, items, sdk.version, [o.name for o in others]), end="")
    return 1 if items else 0


USAGE = """usage: python -m conformance COMMAND [options]

commands:
  run [options]           run the suite (its options: `run --help`)
  serve [options]         run the reference server in the foreground
  profile check FILE...   validate profile files
  profile drift PROFILE   what the installed openai SDK's types know and the
                          profile lacks, and the reverse (exit 1 when they differ)
  matrix [RESULTS...]     combine results.json files into reports/matrix/
  gate --requires APP.yaml --candidate RESULTS [--current RESULTS]
                          does a candidate support what an application uses?
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0 if args else EXIT_USAGE
    command, rest = args[0], args[1:]
    try:
        if command == "run":
            return run(rest)
        if command == "serve":
            return serve(rest)
        if command == "matrix":
            return matrix(rest)
        if command == "gate":
            return gate(rest)
        if command == "profile" and rest[:1] == ["check"]:
            return profile_check(rest[1:])
        if command == "profile" and rest[:1] == ["drift"]:
            return profile_drift(rest[1:])
        raise ConfigError(
            f"unknown command {' '.join(args[:2])!r}; "
            "use run, serve, profile check, profile drift, matrix or gate"
        )
    except ConfigError as exc:
        print(f"imagegen-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
