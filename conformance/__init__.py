"""imagegen-conformance: a contract-conformance suite for OpenAI-compatible image generation.

Importing the package has no side effects; the pytest plugin (``conformance.plugin``)
only acts when the suite itself is collected.
"""

__version__ = "0.1.0"
