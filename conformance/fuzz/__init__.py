"""Property-based probes: schemathesis/hypothesis cases narrowed to a profile's model.

``narrow`` writes the contract for one model (its sizes, n range, enums, prompt
limit); ``generate`` draws cases from it with a fixed seed at plan time;
``classify`` judges each drawn body against the profile (valid, invalid and
why, or ambiguous: never sent); ``probes`` turns them into ordinary probes
(``origin="fuzz"``) judged by the same checks as the fixed ones; ``shrink``
reduces a failing case to a minimal request after the run, within the budget.
"""
