"""The suite as a pytest run: one test per check per probe, and its reports.

Registered by :mod:`conformance.plugin` only when the suite is collected. The
tests live in ``conformance/suite``; this object owns the run (one
:class:`SuiteSession`), turns verdicts into pytest outcomes, and writes
results.json, the HTML extensions and the terminal summary.
"""

from __future__ import annotations

import html
from collections.abc import Generator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest
from _pytest.outcomes import Failed  # pytest.fail's exception, typed

from conformance.config import RunConfig
from conformance.edits.reproduce import is_multipart
from conformance.edits.reproduce import write_files as write_edit_files
from conformance.errors import HarnessError
from conformance.exchange import header
from conformance.fuzz.probes import summary as fuzz_summary
from conformance.redact import redact_log_records
from conformance.report import file_parts
from conformance.report import html as html_report
from conformance.report.headline import Headline
from conformance.report.progress import Progress
from conformance.report.publish import keep_complete, publish
from conformance.report.results import build_results, write_json
from conformance.session import Case, SuiteSession
from conformance.transport.breaker import is_not_sent
from conformance.transport.netguard import is_loopback_host
from conformance.verdict import Verdict
from conformance.vocabulary import View

VERDICT_KEY = pytest.StashKey[Verdict]()


class _HarnessFailed(Failed, HarnessError):
    """An ``error`` verdict raised in setup: pytest reports its message without a
    traceback (formatting one costs ~0.1 s, and a dead server errors every test)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


# A passed row's one-line log in the HTML report (set on its TestReport).
PASSED_LOG = "_igc_passed_log"
# Set on the TestReport of an error whose probe was never sent (the server had
# stopped answering): pytest tallies those apart.
NOT_SENT_ATTR = "_igc_not_sent"
# How the skip reason of a docs-example finding begins (a docs example that fails a check).
DOCS_FINDING = "docs-example finding"


def enforce(verdict: Verdict, view: View) -> None:
    """Turn a verdict into the pytest outcome of its test (call phase)."""
    result = verdict.result(view)
    tag = f"[{verdict.check.severity}] {verdict.check.id}"
    if verdict.probe.kind == "example" and result.outcome == "failed":
        # The vendor's printed docs are wrong, not its server: a finding, reported
        # apart and never a failure (so JUnit and CI show it as skipped, not red).
        pytest.skip(f"{DOCS_FINDING}: {tag}: {result.message}")
    if result.outcome == "failed":
        pytest.fail(f"{tag}: {result.message}", pytrace=False)
    if result.outcome == "known":
        pytest.xfail(f"{tag}: {result.message}")
    if result.outcome == "fixed":
        pytest.fail(f"{tag}: {result.message}", pytrace=False)


class SuitePlugin:
    def __init__(self, config: pytest.Config, run_config: RunConfig) -> None:
        self.config = config
        self.run_config = run_config
        self.session = SuiteSession(run_config)
        self._lifecycle_said: list[str] = []
        self._restore_logging = redact_log_records(self.session.redactor)
        # A complete earlier run's files are kept aside until this one has finished.
        keep_complete(run_config.report_dir)
        self.written_to = run_config.report_dir
        self.recorded: Path | None = None
        self.progress: Progress | None = None

    def _write(self, text: str) -> None:
        """Write to the terminal now, even while pytest captures output (as live logs do)."""
        reporter = self.config.pluginmanager.getplugin("terminalreporter")
        capman = self.config.pluginmanager.getplugin("capturemanager")
        if reporter is None:
            return
        # A whole line (CI's progress line) starts a line of its own, even after the
        # name of the test file pytest is running.
        whole_line = text.endswith("\n") and not text.startswith(("\r", "\n"))
        if capman is None:
            if whole_line:
                reporter.ensure_newline()
            reporter.write(text, flush=True)
            return
        with capman.global_and_fixture_disabled():
            if whole_line:
                reporter.ensure_newline()
            reporter.write(text, flush=True)

    def _progress(self) -> Progress | None:
        # Made when sending begins: the terminal reporter exists only after configure.
        reporter = self.config.pluginmanager.getplugin("terminalreporter")
        if reporter is None or self.run_config.replay_dir is not None:
            return None
        tty = bool(getattr(reporter, "isatty", False))
        return Progress(self._write, tty=tty, every_s=self.run_config.progress_every_s)

    def rate_limit_note(self) -> str | None:
        """A loopback stand-in still gets the profile's rate limit: say so, and how to lift it."""
        cfg = self.run_config
        if cfg.base_url is None or cfg.rate_limit is None:
            return None
        if self.config.getoption("conformance_rate_limit") is not None:
            return None  # the user chose it
        if not is_loopback_host(httpx.URL(cfg.base_url).host):
            return None
        return (
            f"rate limit {cfg.rate_limit} from profile {cfg.profile.name} (limits.rate_limit) "
            f"applies to {cfg.base_url}, a loopback stand-in; --rate-limit none lifts it"
        )

    @property
    def view(self) -> View:
        return self.run_config.view

    # -- collection --------------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "conformance_case" in metafunc.fixturenames:
            cases = self.session.cases
            metafunc.parametrize("conformance_case", cases, ids=[c.id for c in cases])

    # -- fixtures' work (called from conformance/suite/conftest.py) --------

    def execute_for(self, items: list[pytest.Item]) -> SuiteSession:
        """Send, once, the probes the selected tests need, and judge those tests."""
        cases = []
        for item in items:
            callspec = getattr(item, "callspec", None)
            case = callspec.params.get("conformance_case") if callspec else None
            if isinstance(case, Case):
                cases.append(case)
        note = self.rate_limit_note()
        if note is not None:
            self._write(f"\n{note}\n")
        self.progress = self._progress()
        self.session.on_done = self.progress
        try:
            self.session.execute({case.probe.key for case in cases})
        finally:
            if self.progress is not None:
                self.progress.close()
        self._say_lifecycle()
        self.session.judge(cases)
        return self.session

    def _say_lifecycle(self) -> None:
        """What the vendor's model list said, as soon as it was read (before the tests)."""
        lines, self.session.lifecycle_lines = self.session.lifecycle_lines, []
        self._lifecycle_said.extend(lines)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or not lines:
            return
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        # Said from inside a test's setup: past pytest's output capture.
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            reporter.ensure_newline()
            for line in lines:
                reporter.write_line(self.session.redactor.text(line))

    def verdict_for(self, item: pytest.Item, case: Case) -> Verdict:
        verdict = self.session.verdicts[case.id]
        item.stash[VERDICT_KEY] = verdict
        result = verdict.result(self.view)
        if result.outcome == "error":
            raise _HarnessFailed(result.message)
        if result.outcome == "skipped":
            pytest.skip(result.message)
        return verdict

    # -- reporting ---------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """The run's first lines: what the lifecycle decided before anything was sent."""
        return list(self.run_config.lifecycle_notes)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - pytest-html always brings it
            return
        metadata = self.config.stash.get(metadata_key, None)
        if metadata is None:
            return
        # Only what describes the run; environment variables never reach the report.
        keep = {k: metadata[k] for k in ("Python", "Platform") if k in metadata}
        metadata.clear()
        metadata.update(keep)
        metadata.update(html_report.provenance(self.session))
        if self.run_config.lifecycle_notes:
            metadata["Lifecycle"] = " | ".join(self.run_config.lifecycle_notes)
        plan = self.session.plan
        if plan.fuzz is not None:
            metadata["Fuzz"] = fuzz_summary(plan.fuzz, plan.probes)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """A probe never sent because the server had stopped answering is counted
        apart ("N not sent"): the terminal says why once, not once per test."""
        if getattr(report, NOT_SENT_ATTR, False):
            return "not sent", "E", "ERROR (not sent)"
        if report.skipped and DOCS_FINDING in str(report.longrepr):
            return "docs-example finding", "d", "DOCS-EXAMPLE FINDING"
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = self._redacted((yield))
        verdict = item.stash.get(VERDICT_KEY, None)
        if verdict is None:
            return report
        if call.excinfo is not None and call.excinfo.errisinstance(HarnessError):
            message = str(call.excinfo.value)
            report.longrepr = f"error (the harness got no answer to judge): {message}"
            setattr(report, NOT_SENT_ATTR, is_not_sent(message))
        final = report.when == "call" or (report.when == "setup" and not report.passed)
        if final:
            result = verdict.result(self.view)
            report.user_properties.extend(
                [
                    ("check", verdict.check.id),
                    ("probe", verdict.probe.id),
                    ("model", verdict.model),
                    ("feature", verdict.check.feature),
                    ("severity", verdict.check.severity),
                    ("outcome", result.outcome),
                ]
            )
            exchange = self.session.exchanges.get(verdict.probe.key)
            extras = getattr(report, "extras", [])
            extras.extend(html_report.extras_for(self.session, verdict, exchange))
            report.extras = extras  # type: ignore[attr-defined]
            if html_report.passed_everywhere(verdict):
                setattr(report, PASSED_LOG, html_report.passed_log(self.session, verdict))
        return report

    def _redacted(self, report: pytest.TestReport) -> pytest.TestReport:
        """Tracebacks (even with --showlocals) and captured output, key removed:
        the terminal, JUnit and HTML all print from the report."""
        redactor = self.session.redactor
        if not redactor.active:
            return report
        if report.longrepr is not None:
            text = str(report.longrepr)
            clean = redactor.text(text)
            if clean != text:
                report.longrepr = clean
        report.sections = [(title, redactor.text(body)) for title, body in report.sections]
        return report

    @property
    def lifecycle_lines(self) -> list[str]:
        """What the lifecycle decided and what the vendor's model list said, in order."""
        return [*self.run_config.lifecycle_notes, *self._lifecycle_said]

    def headline(self) -> Headline:
        """The run's verdict, and the exit code it sets."""
        return html_report.run_headline(self.session, self.view)

    def _results(self) -> dict[str, Any]:
        results = self._built_results()
        if self.lifecycle_lines:
            results["lifecycle"] = self.lifecycle_lines
        if (parts := file_parts.results_entry(self.session.verdicts.values())) is not None:
            results["client_file_parts"] = parts
        return results

    def _built_results(self) -> dict[str, Any]:
        s = self.session
        return build_results(
            verdicts=s.verdicts.values(),
            exchanges=s.exchanges,
            view=self.view,
            profile=self.run_config.profile,
            base_url=s.base_url,
            models=self.run_config.models,
            started_at=s.started_at,
            duration_s=s.duration_s,
            requests_total=s.counters.total,
            billable=s.counters.billed,
            retries=s.counters.retries,
            possibly_billed=s.counters.uncertain,
            budget=self.run_config.budget,
            key_env=self.run_config.api_key_env,
            replayed_from=str(self.run_config.replay_dir) if self.run_config.replay_dir else None,
        )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.session.close()
        if session.exitstatus == pytest.ExitCode.INTERRUPTED and not self.session.interrupted:
            self.session.interrupted = "SIGINT (Ctrl-C)"
        self.recorded = self.session.record()
        results = self._results()
        recorded = self.session.replayed
        if recorded is not None and recorded.profile_sha256 != self.run_config.profile.sha256:
            results["target"]["recorded_profile_sha256"] = recorded.profile_sha256
        if self.session.interrupted:
            not_sent = sum(1 for e in self.session.exchanges.values() if is_not_sent(e.error))
            results["interrupted"] = {"reason": self.session.interrupted, "not_sent": not_sent}
        write_json(self.run_config.report_dir / "results.json", results, self.session.redactor)
        self._write_edit_files()
        # Tests failed before any verdict (the harness broke), or none was meant to run:
        # pytest's own exit status stands.
        harness_broke = (
            session.testsfailed and not self.session.verdicts
        ) or self.config.option.collectonly
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not (
            harness_broke
        ):
            session.exitstatus = self.headline().exit_code

    def _write_edit_files(self) -> None:
        """The files of each multipart edit, beside the report, for its curl -F reproducer."""
        bodies = []
        for exchange in self.session.exchanges.values():
            ctype = header(exchange.request.headers, "content-type")
            if is_multipart(ctype) and ctype is not None:
                bodies.append((exchange.request.body, ctype))
        write_edit_files(self.run_config.report_dir, bodies)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        # Every report file is written by now: settle where they stay.
        self.written_to = publish(
            self.run_config.report_dir, interrupted=self.session.interrupted is not None
        )
        # Last words of the run, after pytest's own summary line.
        writer = config.get_terminal_writer()
        lines = html_report.terminal_lines(
            self.session, self.view, written_to=self.written_to, recorded=self.recorded
        )
        for line in lines:
            writer.line(self.session.redactor.text(line))
        self._restore_logging()

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"imagegen-conformance: {self.run_config.profile.title}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        redact = self.session.redactor.text
        prefix.append(redact(html_report.summary_html(self.session, self.view)))
        if self.lifecycle_lines:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lifecycle_lines)
            prefix.append(redact(f'<ul class="lifecycle">{items}</ul>'))
        postfix.append(redact(html_report.details_html(self.session, self.view)))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        note = getattr(report, PASSED_LOG, None)
        if note is not None and report.when == "call":
            data[:] = [note]  # instead of "No log output captured."

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="feature">Feature</th>')
        cells.insert(3, '<th class="sortable" data-column-type="severity">Severity</th>')
        cells.insert(4, '<th class="sortable" data-column-type="model">Model</th>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        props = dict(report.user_properties)
        cells.insert(2, f'<td class="col-feature">{props.get("feature", "")}</td>')
        cells.insert(3, f'<td class="col-severity">{props.get("severity", "")}</td>')
        cells.insert(4, f'<td class="col-model">{props.get("model", "")}</td>')
