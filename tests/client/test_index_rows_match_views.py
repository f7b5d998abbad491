"""The index of entries holds, for every entry, the row of its full view read through
pycrdt: after pulls, edits on two devices merged, a delete, on a copy (`only=`), and on
the first listing of a freshly opened client, which reads rows from stored states without
building views. Listings filtered by tag, emotion and date then choose what the same filter
chooses over the full listing. Real server on 127.0.0.1 (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client_sdk import Client
from client_sdk.documents import Document, entry_view
from client_sdk.queries import entry_row
from client_sdk.store import EntryQuery
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

TAGS: tuple[list[str], ...] = (["Sleep"], ["work", "ß"], [], ["SLEEP", "x"])
EMOTIONS: tuple[list[str], ...] = (["calm"], [], ["anxious", "calm"], [])


async def rows_equal_full_views(client: Client) -> int:
    """Index every stale entry, then check each entry's row in the index equals the row of
    its full view (`Document.from_state` with what waits, read by pycrdt). Returns how many
    rows the index holds."""
    await client.context.index_stale_entries()
    store = client.context.store
    journals = sorted({journal_id for journal_id, _ in await store.document_ids()})
    page = await store.entry_page(EntryQuery(journal_ids=journals, include_deleted=True))
    assert page is not None, "an entry has no row after indexing"
    assert len(page.documents) == len(page.rows)
    for doc_id, _, row in page.rows:
        stored = page.documents[doc_id]
        full = Document.from_state(stored.doc_id, stored.kind, stored.state, waiting=stored.waiting)
        assert row == entry_row(entry_view(full)), doc_id.hex()
    return len(page.rows)


async def opened_again(client: Client) -> Client:
    """The same home closed and opened anew (a `tj list` after a `tj sync`), before any
    listing: its first listing indexes every entry with no view kept."""
    home = client.home
    await client.close()
    again = await Client.open(home)
    # No public way to see which views a Context keeps: this one must keep none, so the
    # listing below takes the path that reads rows from stored states.
    assert again.context._views == {}
    await again.entries.list(limit=1)
    return again


async def filters_match_full_listing(client: Client) -> None:
    everything = await client.entries.list()
    for tag in ("Sleep", "sleep", "WORK", "ß", "ss"):
        want = sorted(e.id for e in everything if tag.casefold() in [t.casefold() for t in e.tags])
        assert sorted(e.id for e in await client.entries.list(tag=tag)) == want, tag
    for emotion in ("calm", "anxious"):
        want = sorted(e.id for e in everything if emotion in e.emotions)
        assert sorted(e.id for e in await client.entries.list(emotion=emotion)) == want, emotion
    since = datetime(2026, 1, 10, tzinfo=UTC)
    want = sorted(e.id for e in everything if e.created_at >= since)
    assert sorted(e.id for e in await client.entries.list(since=since)) == want
    for entry in everything:
        shown = await client.entries.get(entry.id)
        assert (shown.title, shown.mood, shown.tags, shown.emotions, shown.created_at) == (
            entry.title,
            entry.mood,
            entry.tags,
            entry.emotions,
            entry.created_at,
        )


async def test_index_rows_equal_full_views_after_edits_on_two_devices(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    base = datetime(2026, 1, 1, 12, tzinfo=UTC)
    written = [
        await ana.entries.write(
            None,
            f"entry {n}",
            title=f"t{n}",
            mood=n % 10 + 1,
            tags=TAGS[n % 4],
            emotions=EMOTIONS[n % 4],
            created_at=base + timedelta(days=3 * n),
        )
        for n in range(8)
    ]
    await ana.sync()
    phone = await login("ana", device="phone")
    await phone.sync()
    assert await rows_equal_full_views(phone) == 8
    await filters_match_full_listing(phone)

    # Edits on both devices (the same entry on both at once), a cleared mood, a delete.
    await ana.entries.edit(
        written[0].id, tags=["work"], mood=2, created_at=base + timedelta(days=30)
    )
    await ana.entries.edit(written[1].id, add_tags=["Sleep"], emotions=["sad"])
    await phone.entries.edit(written[1].id, remove_tags=["work"], mood=9)
    await ana.entries.delete(written[2].id)
    await phone.entries.edit(written[3].id, title="phone title", clear_mood=True)
    await ana.sync()
    await phone.sync()
    await ana.sync()
    for client in (ana, phone):
        await rows_equal_full_views(client)
        await filters_match_full_listing(client)

    # A third device pulls everything, then lists first in a freshly opened client.
    tablet = await login("ana", device="tablet")
    await tablet.sync()
    tablet = await opened_again(tablet)
    try:
        assert await rows_equal_full_views(tablet) == 8  # the deleted one too
        await filters_match_full_listing(tablet)
        assert sorted(e.id for e in await tablet.entries.list()) == sorted(
            e.id for e in await ana.entries.list()
        )
    finally:
        await tablet.close()


async def test_index_rows_of_a_copy_equal_full_views_in_a_freshly_opened_client(
    signup: ClientFactory,
) -> None:
    """A copy's view is kept after a sync in the same client; only a freshly opened one
    reads a copy's row from its stored state."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "A week.", mood=5, tags=["Sleep"], emotions=["calm"])
    await share_with(ana, tom, only=["mood", "tags"])
    await ana.entries.write("Personal", "Later.", mood=3, tags=["work"], emotions=["calm"])
    await ana.entries.write("Personal", "Then.", mood=7, tags=["SLEEP", "ß"])
    await ana.sync()
    await tom.sync()
    tom = await opened_again(tom)
    try:
        assert await rows_equal_full_views(tom) == 2
        await filters_match_full_listing(tom)
        # A share of some fields copies the entries written after it (shares.share).
        listed = sorted((e.mood, e.tags) for e in await tom.entries.list() if e.mood is not None)
        assert listed == [(3, ("work",)), (7, ("SLEEP", "ß"))]
    finally:
        await tom.close()
