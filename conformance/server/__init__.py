"""The reference server: a profile's contract served exactly, plus named faults.

``ReferenceServer`` runs it on loopback for tests; ``runner.serve`` runs it in
the foreground for the ``serve`` command. Importing this package starts nothing.
"""

from conformance.server.app import ReferenceState, create_app
from conformance.server.faults import FAULTS, Fault, unknown_faults
from conformance.server.runner import ReferenceServer, serve

__all__ = [
    "FAULTS",
    "Fault",
    "ReferenceServer",
    "ReferenceState",
    "create_app",
    "serve",
    "unknown_faults",
]
