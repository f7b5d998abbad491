"""`Entry.share_ended` and `Entry.unlisted` (NU42 #6): an entry of a journal shared with this
account reads as a live one while its share is; once the owner-signed end date passed, as
ended by the chain; once only the server stops serving it, as no longer served."""

from __future__ import annotations

import pytest

from tests.client.test_share_ended_notices import DAY_MS, move_clocks, shared_until_tomorrow
from tests.conftest import ClientFactory, RunningServer


async def test_an_entry_of_a_share_past_its_signed_end_reads_as_ended_by_the_chain(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ana, tom, _journal, _end = await shared_until_tomorrow(signup)
    [entry] = await tom.entries.list()
    assert (entry.share_ended, entry.unlisted) == (False, False)
    later = move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    monkeypatch.setattr("client_sdk.context.now_ms", lambda: later)
    [entry] = await tom.entries.list()
    assert (entry.share_ended, entry.unlisted) == (True, False)
    assert entry.to_dict()["share_ended"] is True


async def test_own_entries_never_read_as_ended(signup: ClientFactory) -> None:
    ana = await signup("ana")
    written = await ana.entries.write(None, "Mine.")
    assert (written.share_ended, written.unlisted) == (False, False)
