"""The GPT image family (gpt-image-2, 2.5, 2.6; openai-legacy: gpt-image-1-mini, -1.5).

The probes planned from what a profile says about a GPT model (:mod:`.plan`,
:mod:`.covering`, :mod:`.streaming`) and what they cost (:mod:`.pricing`). The
parameter language it reads is :mod:`conformance.params`; the fuzzer narrowed to
it is :mod:`conformance.fuzz.gpt`, its checks ``conformance/checks/gpt.py``, its
emulation ``conformance/server/gpt.py``. It mirrors :mod:`conformance.dalle`.
"""
