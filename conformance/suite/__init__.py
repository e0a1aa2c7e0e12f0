"""The conformance suite, collected by ``python -m pytest --pyargs conformance``."""
