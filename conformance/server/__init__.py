"""The reference server: a profile's contract served exactly, plus named faults.

``ReferenceServer`` runs it on loopback for tests; ``runner.serve`` runs it in
the foreground for the ``serve`` command. Importing this package starts nothing.
"""

from conformance.server.app import create_app
from conformance.server.faults import FAULTS, Fault, UnknownFaultError, unknown_faults
from conformance.server.runner import ReferenceServer, serve
from conformance.server.state import ReferenceState

__all__ = [
    "FAULTS",
    "Fault",
    "ReferenceServer",
    "ReferenceState",
    "UnknownFaultError",
    "create_app",
    "serve",
    "unknown_faults",
]
