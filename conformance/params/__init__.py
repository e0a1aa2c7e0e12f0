"""The profile's parameter language: what a model's parameters, sizes and rules are.

A leaf: it imports nothing of the suite above it. The profile parses a model's
YAML into these types (:mod:`.spec`, :mod:`.sizes`, :mod:`.pairs`), and the
planners, the fuzzer, the checks and the reference server all read them, so no
arrow runs from the profile back up into a family's planning.
"""
