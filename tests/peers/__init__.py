"""Real third-party servers and gateways, installed and run on loopback by the self-tests.

Each peer (Stoplight Prism, the LiteLLM proxy, the Portkey gateway) is installed
once into a cache directory from its package registry, started on a free
loopback port, and judged by the suite; tests/test_peers.py holds the verdicts
each must get.
"""
