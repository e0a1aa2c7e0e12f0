"""Models come and go: each model's lifecycle as data, checked before anything is sent.

A profile's model may carry ``lifecycle`` (released, shutdown, replacement,
source), read by :mod:`conformance.params.lifecycle`; :mod:`.dates` is the
run's date, :mod:`.select` decides which models a run judges, :mod:`.listing`
reads the vendor's free ``GET /v1/models`` and :mod:`.drift` compares a
profile with the installed ``openai`` SDK's types.
"""
