"""The GPT image family (gpt-image-1-mini, gpt-image-1.5, gpt-image-2, ...).

What a profile says about a GPT model (:mod:`.params`, :mod:`.sizes`,
:mod:`.pairs`, :mod:`.pricing`), the probes planned from it (:mod:`.plan`,
:mod:`.covering`), and the fuzzer narrowed to it (:mod:`.fuzz`). The checks are
``conformance/checks/gpt.py``; the emulation is ``conformance/server/gpt.py``.
"""
