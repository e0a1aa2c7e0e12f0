"""The suite's command-line options, declared once.

This table drives the pytest options (``conformance.plugin``), the suite-only
``python -m conformance run --help`` (``conformance.cli``), the option values
:func:`conformance.config.resolve` reads, and the generated ``docs/options.md``.
Adding an option is one row here plus its use in ``config.resolve``; the
self-tests fail until both exist and the page is regenerated.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.depth import DEFAULT_DEPTH, DEPTHS
from conformance.vocabulary import SEVERITIES, VIEWS

Kind = Literal["value", "flag", "append"]

# Which probes a run sends: both kinds, only the hand-written ones, only the fuzzed ones.
PROBE_SETS = ("all", "fixed", "fuzz")


@dataclass(frozen=True)
class Option:
    name: str  # as typed: "--base-url"
    help: str
    metavar: str = ""
    # The default as a reader is told it (often "from the profile"); the value
    # itself is applied in config.resolve, where the profile is known.
    default: str = ""
    kind: Kind = "value"
    choices: tuple[str, ...] = ()
    # The key in the option mapping config.resolve reads (default: from the name).
    key: str = ""
    # False: handled before a run is configured (--plan), not a RunConfig input.
    configures_run: bool = True

    @property
    def dest(self) -> str:
        """The option's key (``base_url``): pytest's dest is ``conformance_<dest>``."""
        return self.key or self.name.removeprefix("--").replace("-", "_")

    @property
    def pytest_dest(self) -> str:
        return f"conformance_{self.dest}"

    @property
    def shown_metavar(self) -> str:
        return self.metavar or "|".join(self.choices)

    @property
    def full_help(self) -> str:
        return f"{self.help} (default: {self.default})" if self.default else self.help


OPTIONS: tuple[Option, ...] = (
    Option(
        "--base-url",
        "the endpoint's API root, ending in /v1; 'profile' takes the vendor's documented URL "
        "from the profile",
        metavar="URL",
        default="the embedded reference server emulating the profile, so a paid vendor is "
        "never called by accident",
    ),
    Option(
        "--base-url-var",
        "fill {NAME} of the profile's base URL template, with --base-url profile, e.g. "
        "resource=myres (repeatable; docs/endpoints.md)",
        metavar="NAME=VALUE",
        default="the environment variable the profile names for it",
        kind="append",
        key="base_url_vars",
    ),
    Option(
        "--host",
        "with --base-url profile, which of the profile's documented hosts to send to, by name "
        "(e.g. a region; docs/endpoints.md)",
        metavar="NAME",
        default="the profile's base_url, else its first host",
    ),
    Option(
        "--deployment",
        "the deployment name a request sends for MODEL, at a vendor that names deployments "
        "(Azure OpenAI); verdicts stay under the model (repeatable; docs/endpoints.md)",
        metavar="MODEL=NAME",
        default="the environment variable the profile names, else its default name",
        kind="append",
        key="deployments",
    ),
    Option(
        "--profile",
        "a bundled profile (openai, openai-legacy, openai-dalle, modelmax, ezmodel, yescale, "
        "azure-openai, deepinfra, nanogpt, together) or a profile YAML file",
        metavar="NAME|PATH",
        default="openai",
    ),
    Option(
        "--api-key-env",
        "the environment variable holding the API key; the key is never read from anywhere "
        "else and never printed",
        metavar="VAR",
        default="the profile's auth.key_env, e.g. OPENAI_API_KEY",
    ),
    Option(
        "--models",
        "comma-separated models of the profile to test",
        metavar="A,B",
        default="every model of the profile not past its shutdown date",
    ),
    Option(
        "--allow-shutdown",
        "judge models past their shutdown date (the profile's lifecycle, as of "
        "$IMAGEGEN_CONFORMANCE_TODAY or today) too, for a vendor still serving them; without "
        "it a run leaves them out, or stops if --models names one",
        kind="flag",
    ),
    Option(
        "--budget",
        "most billable images the run may generate; what would exceed it is skipped, never sent",
        metavar="N",
        default="the profile's limits.budget",
    ),
    Option(
        "--report-dir",
        "where report.html, results.json and junit.xml go",
        metavar="DIR",
        default="reports/<profile>",
    ),
    Option(
        "--view",
        "which verdicts set the exit code: docs (the vendor's own documented contract) or "
        "drop-in (what an OpenAI client relies on); the report shows both",
        choices=VIEWS,
        default="docs",
    ),
    Option(
        "--fail-on",
        "lowest severity whose failures fail the run; failures below it are still reported",
        choices=SEVERITIES,
        default="should",
    ),
    Option(
        "--fault",
        "switch on a fault of the embedded reference server (repeatable; for testing the "
        "suite itself; `python -m conformance serve --list-faults` lists them)",
        metavar="NAME",
        kind="append",
        key="faults",
    ),
    Option(
        "--concurrency",
        "requests in flight at once",
        metavar="N",
        default="the profile's limits.concurrency",
    ),
    Option(
        "--header",
        "an extra header on every API request, after the profile's headers (repeatable)",
        metavar="'NAME: VALUE'",
        kind="append",
        key="headers",
    ),
    Option(
        "--connect-timeout",
        "seconds to wait for a connection",
        metavar="S",
        default="10",
    ),
    Option(
        "--read-timeout",
        "seconds to wait for the next byte of an answer",
        metavar="S",
        default="300: generations are slow",
    ),
    Option(
        "--deadline",
        "seconds one request may take in all, however slowly the server trickles",
        metavar="S",
        default="600",
    ),
    Option(
        "--refusal-timeout",
        "seconds a request expected to be refused (invalid, no or wrong key, empty balance) "
        "may take to be answered in full; over it, that probe is an error of the run, never "
        "a failure, and is not retried",
        metavar="S",
        default="30: a vendor validates before it generates",
    ),
    Option(
        "--image-timeout",
        "seconds an image link may take to download in full",
        metavar="S",
        default="60",
    ),
    Option(
        "--zero-balance-key-env",
        "environment variable with a key whose balance is empty: one request with it must "
        "get the documented refusal (402 at modelmax, 429 insufficient_quota at OpenAI)",
        metavar="VAR",
        default="none; the reference server always has such a key",
    ),
    Option(
        "--preview-access",
        "previews the key has access to (gif: GIF output, svg: SVG model selection); only "
        "then are GIF and SVG requests sent, besides the profile's preview_access",
        metavar="gif,svg",
        default="the profile's preview_access (none in the bundled profiles)",
    ),
    Option(
        "--record",
        "keep the run's exchanges, redacted, in DIR/recording.json",
        metavar="DIR",
    ),
    Option(
        "--replay",
        "judge the exchanges recorded in DIR again, offline: no server is started, nothing "
        "is sent, nothing is billed",
        metavar="DIR",
    ),
    Option(
        "--rate-limit",
        "most API requests begun in any window of one second, minute or hour; 'none' for no limit",
        metavar="N/s|N/m|N/h",
        default="the profile's limits.rate_limit, e.g. 60/m; no limit against the embedded "
        "reference server",
    ),
    Option(
        "--retries",
        "retries of a transient answer (429, 502-504, a reset connection)",
        metavar="N",
        default="8",
    ),
    Option(
        "--max-body",
        "largest answer body read, counted after decoding (K, M, G suffixes, binary)",
        metavar="BYTES",
        default="64MiB",
    ),
    Option(
        "--allow-insecure-http",
        "allow sending the key over plain http to a host other than loopback (refused "
        "otherwise, exit 4)",
        kind="flag",
    ),
    Option(
        "--probes",
        "which probes to send: all, only the fixed (hand-written) ones, or only the "
        "property-based (fuzz) ones",
        choices=PROBE_SETS,
        default="all",
    ),
    Option(
        "--depth",
        "short: every rule the profile and the checks know, exercised once per place it can "
        "differ (model, family, vendor), with the fewest requests; full: every planned probe "
        "(before a switch decision, or when short finds something; docs/depth.md)",
        choices=DEPTHS,
        default=DEFAULT_DEPTH,
    ),
    Option(
        "--fuzz-examples",
        "distinct invalid (free) property-based requests per model (edit forms: at most 40)",
        metavar="N",
        default="160",
    ),
    Option(
        "--fuzz-valid",
        "valid (billable, one image each) property-based generations in the run, dealt round "
        "the models cheapest first (property-based edits add one per model that edits)",
        metavar="N",
        default="1; 0 when every model of the run is a GPT model, whose covering set already "
        "sends defaults, explicit auto and nulls",
    ),
    Option(
        "--seed",
        "seed of the property-based requests; the same seed, profile and library versions "
        "give the same requests",
        metavar="N",
        default="4242",
    ),
    Option(
        "--progress-every",
        "where output is no terminal (CI), print the progress line every S seconds; 0: never. "
        "On a terminal it is rewritten in place",
        metavar="S",
        default="30",
    ),
    Option(
        "--plan",
        "print every probe the run would send, how many are billable, what each valid "
        "request covers and the estimated cost; send nothing",
        kind="flag",
        configures_run=False,
    ),
)

BY_DEST: Mapping[str, Option] = {option.dest: option for option in OPTIONS}


def option(dest: str) -> Option:
    """The option with this key; an undeclared key is a KeyError, never a silent default."""
    return BY_DEST[dest]


class OptionValues(Mapping[str, Any]):
    """Option values by key: every declared key is present (None when not given), and
    asking for an undeclared one raises, so a misspelt key cannot fall back to a default."""

    def __init__(self, given: Mapping[str, Any]) -> None:
        unknown = sorted(set(given) - set(BY_DEST))
        if unknown:
            raise KeyError(f"undeclared option(s) {', '.join(unknown)}: add them to OPTIONS")
        self._values = {dest: given.get(dest) for dest in BY_DEST}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            raise KeyError(f"undeclared option {key!r}: add it to conformance.options.OPTIONS")
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def add_to_argparse(parser: argparse.ArgumentParser) -> None:
    """Declare every option on an argparse parser (the suite-only ``run --help``)."""
    group = parser.add_argument_group("suite options")
    for opt in OPTIONS:
        if opt.kind == "flag":
            group.add_argument(opt.name, dest=opt.dest, action="store_true", help=opt.full_help)
        else:
            group.add_argument(
                opt.name,
                dest=opt.dest,
                action="append" if opt.kind == "append" else "store",
                metavar=opt.shown_metavar,
                help=opt.full_help,
            )


def markdown_table() -> str:
    """The options as a Markdown table, for docs/options.md."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| option | meaning | default |", "| --- | --- | --- |"]
    for opt in OPTIONS:
        usage = f"{opt.name} {opt.shown_metavar}".strip()
        rows.append(f"| `{cell(usage)}` | {cell(opt.help)} | {cell(opt.default)} |")
    return "\n".join(rows) + "\n"
