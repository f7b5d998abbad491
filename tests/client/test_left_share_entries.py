"""An entry of a journal this account left on this device (`shares.leave`) says the share
ended, as its journal does: the leave is the user's own word, never "the server alone stopped
serving it" (`Entry.unlisted`), which is kept for a journal the server stopped serving while
its owner-signed chain still grants it (real server on loopback)."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_an_entry_of_a_share_left_here_says_it_ended_as_its_journal_does(
    signup: ClientFactory,
) -> None:
    ana, ben = await signup("ana"), await signup("ben")
    await ben.entries.write("Personal", "Ben's entry, shared with ana.")
    await share_with(ben, ana)
    await ana.sync()
    [before] = await ana.entries.list("ben/Personal")
    await ana.shares.leave("ben/Personal")
    [journal] = [j for j in await ana.journals.list() if j.name == "ben/Personal"]
    assert (journal.share_ended, journal.unlisted) == (True, False)
    [entry] = await ana.entries.list("ben/Personal")
    assert (entry.share_ended, entry.unlisted) == (True, False)
    assert (await ana.entries.get(entry.id)).unlisted is False
    [found] = await ana.entries.list()
    assert (found.share_ended, found.unlisted) == (True, False)
    assert before.id == entry.id
