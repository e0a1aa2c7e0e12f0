"""The pytest plugin (entry point ``pytest11: conformance``).

It only declares options here. The suite itself (server, probes, reports) is
switched on only when pytest collects the suite package, e.g.
``python -m pytest --pyargs conformance``; any other pytest run in the same
environment is untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.options import OPTIONS, option

_SUITE_DIR = Path(__file__).resolve().parent / "suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "imagegen-conformance")
    for opt in OPTIONS:
        if opt.kind == "flag":
            group.addoption(
                opt.name,
                dest=opt.pytest_dest,
                action="store_true",
                default=False,
                help=opt.full_help,
            )
        else:
            group.addoption(
                opt.name,
                dest=opt.pytest_dest,
                action="append" if opt.kind == "append" else "store",
                metavar=opt.shown_metavar,
                help=opt.full_help,
            )


def is_suite_run(config: pytest.Config) -> bool:
    """Whether this pytest run collects the conformance suite."""
    for arg in config.args:
        target = arg.split("::")[0]
        if config.option.pyargs and (
            target == "conformance" or target.startswith("conformance.suite")
        ):
            return True
        path = Path(target).resolve()
        if path in (_SUITE_DIR, _SUITE_DIR.parent) or _SUITE_DIR in path.parents:
            return True
    return False


def _options(config: pytest.Config) -> dict[str, object]:
    return {opt.dest: config.getoption(opt.pytest_dest) for opt in OPTIONS if opt.configures_run}


def _usage_error(exc: Exception) -> pytest.UsageError:
    """Bad input in the tool's own one-line style, whichever way pytest was started.

    pytest prints each argument of a UsageError as "ERROR: ..."; this one has none, so
    the line written here is the only one, and pytest still exits 4.
    """
    sys.stderr.write(f"imagegen-conformance: error: {exc}\n")
    sys.stderr.flush()
    return pytest.UsageError()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--plan``: print what the run would send, send nothing, run no test."""
    if not config.getoption(option("plan").pytest_dest) or not is_suite_run(config):
        return None
    from conformance.config import resolve
    from conformance.errors import ConfigError
    from conformance.plan import build_plan
    from conformance.report.planview import plan_text

    try:
        run_config = resolve(_options(config))
    except ConfigError as exc:
        raise _usage_error(exc) from None
    plan = build_plan(
        run_config.profile,
        run_config.models,
        fuzz=run_config.fuzzed,
        fixed=run_config.fixed,
        depth=run_config.depth,
    )
    for note in run_config.lifecycle_notes:
        print(note)
    text = plan_text(
        plan,
        budget=run_config.budget,
        rate=run_config.rate_limit,
        concurrency=run_config.concurrency,
    )
    print(text, end="")
    return 0


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not is_suite_run(config):
        return
    # Imported here so that unrelated pytest runs never load the suite.
    from conformance.config import resolve
    from conformance.errors import ConfigError
    from conformance.pytest_suite import SuitePlugin

    try:
        run_config = resolve(_options(config))
        plugin = SuitePlugin(config, run_config)
    except ConfigError as exc:
        raise _usage_error(exc) from None
    report_dir = run_config.report_dir
    if not config.option.xmlpath:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if not getattr(config.option, "htmlpath", None):
        config.option.htmlpath = str(report_dir / "report.html")
        config.option.self_contained_html = True
    config.pluginmanager.register(plugin, "conformance-suite")
