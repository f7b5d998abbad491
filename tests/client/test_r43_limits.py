"""R43: the R41 F3-F6 size checks (a document too large for one record) on the paths they
did not reach. Real server on 127.0.0.1, real crypto. Fails on integ4 at c848ad6 (see
/work/R43-FINDINGS.md)."""

from __future__ import annotations

from client_sdk import InvalidInput
from tests.client.test_r41_merged_limits import merged_wide_entry
from tests.conftest import ClientFactory


async def test_r43_sharing_one_merged_big_entry_is_refused_whole_or_delivered(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """`shares.grant_entry` of an entry merged past what one record carries: either refused
    before anything is signed (no share listed, as `grant` does since R41 F4) or delivered.
    Never a share the owner is told failed and the member holds."""
    laptop, _ = await merged_wide_entry(signup, login)
    [entry] = await laptop.entries.list()
    tom = await signup("tom")
    fingerprint = await tom.shares.fingerprint()
    try:
        await laptop.shares.grant_entry(entry.id, "tom", fingerprint=fingerprint)
    except InvalidInput:
        assert [s.member for s in await laptop.shares.list()] == []
        await tom.sync()
        assert [j.name for j in await tom.journals.list() if j.owner != "tom"] == []
        return
    await laptop.sync()
    await tom.sync()
    assert [e.body for e in await tom.entries.list()] == [entry.body]
