"""The sending stack: the one way the suite talks to a server.

``client`` sends probes (:class:`Transport`) to a ``values.Target`` within
``values.Timeouts``, counting what it sent in ``values.Counters``; ``reasons``
words why a request got no answer; ``breaker`` stops a run whose server has
stopped answering; ``slots`` bounds the requests in flight, keeping one for
refusals while the server is in doubt; ``budget`` caps billable images;
``bodies`` reads answers up to a size cap; ``retry`` decides what is retried;
``ratelimit`` paces requests; ``netguard`` keeps image fetches off private
addresses. Nothing here judges: exchanges go to the checks as recorded.
"""

from conformance.transport.breaker import Breaker
from conformance.transport.client import Transport
from conformance.transport.values import Counters, Target, Timeouts

__all__ = ["Breaker", "Counters", "Target", "Timeouts", "Transport"]
