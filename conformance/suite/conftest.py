"""Fixtures of the suite: the run (sent once) and each test's verdict."""

from __future__ import annotations

import pytest

from conformance.pytest_suite import SuitePlugin
from conformance.session import Case, SuiteSession
from conformance.verdict import Verdict
from conformance.vocabulary import View


def _plugin(config: pytest.Config) -> SuitePlugin:
    plugin = config.pluginmanager.get_plugin("conformance-suite")
    if not isinstance(plugin, SuitePlugin):
        pytest.skip("the conformance suite runs through `python -m pytest --pyargs conformance`")
    return plugin


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> SuiteSession:
    """Plan and send the probes of every selected test, once, concurrently."""
    return _plugin(request.config).execute_for(request.session.items)


@pytest.fixture
def conformance_verdict(
    request: pytest.FixtureRequest, conformance_case: Case, conformance_run: SuiteSession
) -> Verdict:
    """Judged during setup, so a harness failure is reported as an error, not a failure."""
    return _plugin(request.config).verdict_for(request.node, conformance_case)


@pytest.fixture(scope="session")
def conformance_view(request: pytest.FixtureRequest) -> View:
    """The view (docs or drop-in) whose verdicts decide pass and fail."""
    return _plugin(request.config).view
