"""NU40 (a new user's re-check of NU39's fixes): what the SDK tells of changes kept offline.
Real server on loopback, real crypto."""

from __future__ import annotations

import socket

import pytest

from client_sdk import NetworkError
from client_sdk.transport import NO_RETRY
from tests.conftest import ClientFactory


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_journal_created_offline_counts_among_the_changes_kept(
    signup: ClientFactory,
) -> None:
    """NU40 #6: an entry, a journal created and an entry in it, all offline, were told as "2
    changes are kept" (records only: the new journal left out)."""
    ana = await signup("ana")
    ana.transport.base_url = f"http://127.0.0.1:{unused_port()}"  # the server unreachable
    ana.transport.retry = NO_RETRY
    await ana.entries.write("Personal", "Offline one.")
    await ana.journals.create("Dreams")
    await ana.entries.write("Dreams", "Offline two.")
    assert await ana.unsynced_changes() == 3
    with pytest.raises(NetworkError, match="3 changes are kept on this device"):
        await ana.sync(retry=NO_RETRY)
