"""Words kept on a device in one of the account's journals deleted on another device: an
entry the server refused there moves into another journal (`Client.move_set_aside`), and
an entry in the trash of the read-only copy is listed (`entries.trashed_in_copies`), not
hidden as if the copy held nothing (real server on loopback)."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput, MeasureResult, NotFound
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_an_entry_refused_in_a_journal_deleted_elsewhere_moves_into_another(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Night dreams")
    await phone.sync()
    await laptop.journals.delete("Night dreams")
    written = await phone.entries.write(
        "Night dreams", "Phone dream", title="Dream", mood=4, tags=["sleep"], emotions=["calm"]
    )
    await phone.sync()
    [change] = await phone.set_aside()
    assert change.doc_id == written.id
    with pytest.raises(InvalidInput):  # never back into the journal that refused it
        await phone.move_set_aside(change.doc_id[:8], "Night dreams")
    with pytest.raises(NotFound):
        await phone.move_set_aside("abcdef12")
    moved = await phone.move_set_aside(change.doc_id[:8])  # the default journal
    assert moved.id != written.id and moved.journal == "Personal"
    assert (moved.body, moved.title, moved.mood, moved.tags, moved.emotions) == (
        "Phone dream", "Dream", 4, ("sleep",), ("calm",),
    )  # fmt: skip
    assert moved.created_at == written.created_at
    assert await phone.set_aside() == []
    await phone.sync()
    await laptop.sync()
    assert [e.body for e in await laptop.entries.list("Personal")] == ["Phone dream"]


async def test_the_trash_of_a_journal_deleted_elsewhere_is_listed_not_hidden(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Job")
    entry = await laptop.entries.write("Job", "Standup, merged")
    await laptop.sync()
    await phone.sync()
    await phone.entries.delete(entry.id)
    await phone.sync()
    assert [e.id for e in await phone.entries.trash()] == [entry.id]
    assert await phone.entries.trashed_in_copies() == []
    await laptop.sync()
    await laptop.journals.delete("Job")
    await phone.sync()
    assert await phone.entries.trash() == []  # restorable: none
    [kept] = await phone.entries.trashed_in_copies()
    assert (kept.id, kept.body, kept.trashed_at is not None) == (entry.id, "Standup, merged", True)
    for exported in (
        await phone.archive.export_json(),
        await phone.archive.export_json(journals=["Job"]),
    ):
        [archived] = [e for e in exported["entries"] if e["id"] == entry.id]  # its last copy
        assert archived["body"] == "Standup, merged" and archived["trashed_at"] is not None


async def test_moving_with_no_journal_into_a_default_a_therapist_reads_is_refused(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Words written in a private journal (deleted on another device) never go into a
    default journal a therapist reads unless the user names it or says so."""
    laptop, drlee, phone = await signup("ana"), await signup("drlee"), await login("ana")
    await share_with(laptop, drlee, role="annotate")  # Personal, the default, read by drlee
    await laptop.journals.create("Night dreams")  # private, never shared
    await phone.sync()
    await laptop.journals.delete("Night dreams")
    await phone.entries.write("Night dreams", "private dream, not for my therapist")
    await phone.sync()
    [change] = await phone.set_aside()
    assert await phone.default_readers(change.doc_id[:8]) == ["drlee"]
    with pytest.raises(InvalidInput) as refused:
        await phone.move_set_aside(change.doc_id[:8])
    assert (refused.value.subject, refused.value.names["members"]) == ("wider default", "drlee")
    assert len(await phone.set_aside()) == 1  # nothing moved, nothing dropped
    await phone.sync()
    await drlee.sync()
    assert "private dream, not for my therapist" not in [e.body for e in await drlee.entries.list()]
    private = await phone.journals.create("Dreams")  # named: moved there
    moved = await phone.move_set_aside(change.doc_id[:8], private.id)
    assert moved.journal == "Dreams"


async def test_an_empty_journal_name_is_the_default_and_refused_as_wider_like_none(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """An empty name names the default journal wherever None does: moving with it into a default
    journal a therapist reads is refused the same way, not written there unasked."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    await share_with(ana, drlee, "Personal", role="read")
    phone = await login("ana")
    await phone.sync()
    await ana.journals.delete("Night", discard_undelivered=True)
    await phone.entries.write("Night", "Only for me.")
    await phone.sync()
    [kept] = await phone.set_aside()
    assert await phone.default_readers(kept.record_id) == ["drlee"]
    with pytest.raises(InvalidInput) as refused:
        await phone.move_set_aside(kept.record_id, "")
    assert refused.value.subject == "wider default"
    assert [c.record_id for c in await phone.set_aside()] == [kept.record_id]
    assert "Only for me." not in [e.body for e in await phone.entries.list("Personal")]


async def test_a_result_taken_in_a_journal_deleted_elsewhere_moves_into_another_journal(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Night dreams")
    await phone.sync()
    await laptop.journals.delete("Night dreams")
    taken = await phone.measures.take("phq9", [1] * 8 + [2], journal="Night dreams", unscored=1)
    await phone.sync()
    [change] = await phone.set_aside()
    assert (change.kind, change.doc_id) == ("measure", taken.result.id)
    with pytest.raises(InvalidInput) as refused:  # never into a default it did not name
        await phone.move_set_aside(change.doc_id[:8])
    assert "name the journal" in str(refused.value) and "()" not in str(refused.value)
    moved = await phone.move_set_aside(change.doc_id[:8], "Personal")
    assert isinstance(moved, MeasureResult) and moved.id != taken.result.id
    assert (moved.journal, moved.measure, moved.answers, moved.unscored, moved.taken_at) == (
        "Personal", "phq9", (1,) * 8 + (2,), 1, taken.result.taken_at,
    )  # fmt: skip
    assert moved.safety_concern
    assert await phone.set_aside() == []
    await phone.sync()
    await laptop.sync()
    [result] = await laptop.measures.list("Personal")
    assert (result.id, result.score) == (moved.id, 10)
