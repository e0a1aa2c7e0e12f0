"""The pytest plugin (entry point ``pytest11: conformance``).

It only declares options here. The suite itself (server, probes, reports) is
switched on only when pytest collects the suite package, e.g.
``python -m pytest --pyargs conformance``; any other pytest run in the same
environment is untouched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_SUITE_DIR = Path(__file__).resolve().parent / "suite"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "imagegen-conformance")
    group.addoption(
        "--base-url",
        dest="conformance_base_url",
        metavar="URL",
        help="the endpoint's API root, ending in /v1; 'profile' takes the vendor's documented "
        "URL from the profile; absent: the embedded reference server emulating the "
        "profile (a paid vendor is never called by accident)",
    )
    group.addoption(
        "--profile",
        dest="conformance_profile",
        metavar="NAME|PATH",
        help="a bundled profile (openai, ...) or a profile YAML file; default openai",
    )
    group.addoption(
        "--api-key-env",
        dest="conformance_api_key_env",
        metavar="VAR",
        help="environment variable holding the API key (default from the "
        "profile, e.g. OPENAI_API_KEY); the key is never read from "
        "anywhere else and never printed",
    )
    group.addoption(
        "--models",
        dest="conformance_models",
        metavar="A,B",
        help="comma-separated models of the profile to test (default: all)",
    )
    group.addoption(
        "--budget",
        dest="conformance_budget",
        metavar="N",
        help="most billable images this run may generate (default from the "
        "profile); what would exceed it is skipped, never sent",
    )
    group.addoption(
        "--report-dir",
        dest="conformance_report_dir",
        metavar="DIR",
        help="where report.html, results.json and junit.xml go (default reports/<profile>)",
    )
    group.addoption(
        "--view",
        dest="conformance_view",
        metavar="docs|drop-in",
        help="which verdict sets the exit code: docs (the vendor's own documented "
        "contract, default) or drop-in (what an OpenAI client relies on)",
    )
    group.addoption(
        "--fail-on",
        dest="conformance_fail_on",
        metavar="must|should|may",
        help="lowest severity whose failures fail the run (default should); "
        "failures below it are still reported",
    )
    group.addoption(
        "--fault",
        dest="conformance_faults",
        action="append",
        metavar="NAME",
        help="switch on a fault of the embedded reference server (repeatable; "
        "for testing the suite itself)",
    )
    group.addoption(
        "--concurrency",
        dest="conformance_concurrency",
        metavar="N",
        help="requests in flight at once (default from the profile)",
    )
    group.addoption(
        "--connect-timeout",
        dest="conformance_connect_timeout",
        metavar="S",
        help="seconds to wait for a connection (default 10)",
    )
    group.addoption(
        "--read-timeout",
        dest="conformance_read_timeout",
        metavar="S",
        help="seconds to wait for the next byte of an answer (default 300: generations are slow)",
    )
    group.addoption(
        "--deadline",
        dest="conformance_deadline",
        metavar="S",
        help="seconds one request may take in all, however the server trickles (default 600)",
    )
    group.addoption(
        "--refusal-timeout",
        dest="conformance_refusal_timeout",
        metavar="S",
        help="seconds a request expected to be refused (invalid, no or wrong key, empty "
        "balance) may take to be answered in full (default 30: a refusal comes before "
        "anything is generated)",
    )
    group.addoption(
        "--image-timeout",
        dest="conformance_image_timeout",
        metavar="S",
        help="seconds an image link may take to download in full (default 60)",
    )
    group.addoption(
        "--zero-balance-key-env",
        dest="conformance_zero_balance_key_env",
        metavar="VAR",
        help="environment variable with a key whose balance is empty: one request with it "
        "must get the documented refusal (the reference server always has such a key)",
    )
    group.addoption(
        "--preview-access",
        dest="conformance_preview_access",
        metavar="gif,svg",
        help="previews the key has access to (GIF output, SVG model selection): only then "
        "are GIF/SVG requests sent (also the profile's preview_access)",
    )
    group.addoption(
        "--record",
        dest="conformance_record",
        metavar="DIR",
        help="keep the run's exchanges (redacted) in DIR/recording.json",
    )
    group.addoption(
        "--replay",
        dest="conformance_replay",
        metavar="DIR",
        help="judge the exchanges recorded in DIR again, offline: no server is started, "
        "nothing is sent, nothing is billed",
    )
    group.addoption(
        "--rate-limit",
        dest="conformance_rate_limit",
        metavar="N/s|N/m|N/h",
        help="most API requests begun in any window of one second, minute or hour "
        "(default from the profile, e.g. 60/m; none against the embedded reference "
        "server); 'none' for no limit",
    )
    group.addoption(
        "--retries",
        dest="conformance_retries",
        metavar="N",
        help="retries of a transient answer (429, 502-504, a reset connection; default 8)",
    )
    group.addoption(
        "--max-body",
        dest="conformance_max_body",
        metavar="BYTES",
        help="largest answer body read, after decoding (default 64MiB; K, M, G suffixes)",
    )
    group.addoption(
        "--allow-insecure-http",
        dest="conformance_allow_insecure_http",
        action="store_true",
        default=False,
        help="allow sending the key over plain http to a host other than loopback",
    )
    group.addoption(
        "--probes",
        dest="conformance_probes",
        metavar="all|fixed|fuzz",
        help="which probes to send: all (default), only the fixed (hand-written) ones, "
        "or only the property-based (fuzz) ones",
    )
    group.addoption(
        "--fuzz-examples",
        dest="conformance_fuzz_examples",
        metavar="N",
        help="distinct invalid (free) property-based requests per model (default 160)",
    )
    group.addoption(
        "--fuzz-valid",
        dest="conformance_fuzz_valid",
        metavar="N",
        help="valid (billable, one image each) property-based requests in the run, dealt "
        "round the models cheapest first (default 1)",
    )
    group.addoption(
        "--seed",
        dest="conformance_seed",
        metavar="N",
        help="seed of the property-based requests (default 4242); the same seed, "
        "profile and versions give the same requests",
    )
    group.addoption(
        "--plan",
        dest="conformance_plan",
        action="store_true",
        default=False,
        help="print the probes the run would send, how many are billable and the "
        "estimated cost, and send nothing",
    )
    group.addoption(
        "--header",
        dest="conformance_headers",
        action="append",
        metavar="'NAME: VALUE'",
        help="extra request header for every API request (repeatable)",
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
    names = (
        "base_url",
        "profile",
        "api_key_env",
        "models",
        "budget",
        "report_dir",
        "view",
        "fail_on",
        "faults",
        "concurrency",
        "headers",
        "connect_timeout",
        "read_timeout",
        "deadline",
        "refusal_timeout",
        "image_timeout",
        "zero_balance_key_env",
        "preview_access",
        "record",
        "replay",
        "rate_limit",
        "retries",
        "max_body",
        "allow_insecure_http",
        "probes",
        "fuzz_examples",
        "fuzz_valid",
        "seed",
    )
    return {name: config.getoption(f"conformance_{name}") for name in names}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--plan``: print what the run would send, send nothing, run no test."""
    if not config.getoption("conformance_plan") or not is_suite_run(config):
        return None
    from conformance.config import resolve
    from conformance.errors import ConfigError
    from conformance.plan import build_plan
    from conformance.report.planview import plan_text

    try:
        run_config = resolve(_options(config))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    plan = build_plan(
        run_config.profile, run_config.models, fuzz=run_config.fuzzed, fixed=run_config.fixed
    )
    print(plan_text(plan, budget=run_config.budget), end="")
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
        raise pytest.UsageError(str(exc)) from None
    report_dir = run_config.report_dir
    if not config.option.xmlpath:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if not getattr(config.option, "htmlpath", None):
        config.option.htmlpath = str(report_dir / "report.html")
        config.option.self_contained_html = True
    config.pluginmanager.register(plugin, "conformance-suite")
