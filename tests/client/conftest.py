"""Fixtures of the client tests: the hostile server (a rewriting proxy, tests/client/hostile.py)."""

from tests.client.hostile import hostile, through

__all__ = ["hostile", "through"]
