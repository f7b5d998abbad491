"""REV-COPIES F3 (before this session, in `Sharing.mirror`): a field-level share made again
reused the copy journal's first start, so an edit of an entry written while the share was
ended copied it to the member. Real server on loopback, real crypto."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def moods_in(client: Client, journal: str | None = None) -> list[int | None]:
    return sorted((e.mood for e in await client.entries.list(journal)), key=lambda m: m or 0)


async def test_an_edit_after_a_share_made_again_copies_nothing_written_while_it_was_ended(
    signup: ClientFactory,
) -> None:
    """Tagging an entry written while the share was ended (no new consent for it: the share
    made again carries what is dated from its own signed start) sends nothing to tom; an
    entry written after it is made again still reaches him."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood", "tags"])
    await ana.shares.revoke("Personal", "tom")
    gap = await ana.entries.write("Personal", "while ended", mood=2)
    await share_with(ana, tom, only=["mood", "tags"])
    await ana.entries.edit(gap.id, tags=["sleep"])  # an edit, no new consent for this entry
    await ana.entries.write("Personal", "after the share was made again", mood=7)
    await ana.sync()
    await tom.sync()
    moods = await moods_in(tom)
    assert 2 not in moods, "an entry written while the share was ended reached tom"
    assert 7 in moods  # what is dated from the share made again is copied, as before
