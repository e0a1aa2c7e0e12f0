"""Human-facing outputs, all read from what a run judged.

``results`` writes results.json (its schema: ``schemas/results.schema.json``);
``html`` extends pytest-html's report and prints the terminal summary;
``planview`` prints ``--plan``; across runs, ``rows`` reads results files as
comparable rows, which ``matrix`` turns into static pages and ``gate`` into the
switch gate's diff.
"""
