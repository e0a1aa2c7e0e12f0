"""One test per check per probe; the checks live in conformance/checks/."""

from __future__ import annotations

from conformance.pytest_suite import enforce
from conformance.verdict import Verdict
from conformance.vocabulary import View


def test_contract(conformance_verdict: Verdict, conformance_view: View) -> None:
    enforce(conformance_verdict, conformance_view)
