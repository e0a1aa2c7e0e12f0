"""The DALL·E family (dall-e-2, dall-e-3, and any model sold in their format).

The probes planned from what a profile says about such a model: the refused
ones of its own parameters and the covering set (:mod:`.plan`,
:mod:`.covering`). It mirrors :mod:`conformance.gpt`.
"""
