"""Fixtures of the client tests: the hostile server (a rewriting proxy, tests/client/hostile.py),
and a server that sends no meta notices."""

import pytest

from server.live import LiveHub
from tests.client.hostile import hostile, through

__all__ = ["hostile", "no_meta_notices", "through"]


@pytest.fixture
def no_meta_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server (in this process) sends no live meta notice: a server from before they
    existed, or one that withholds them (protocol.md GET /v1/live, "Meta notices")."""

    def withheld(self: LiveHub, account_ids: list[bytes], made_by: bytes = b"") -> None:
        return None

    monkeypatch.setattr(LiveHub, "notify_meta", withheld)
