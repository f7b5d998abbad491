"""A field-level copy (`tj share J M --only mood,tags`) carries every entry of its journal
dated from its start, whichever of the owner's devices wrote it: one written on a device that
had not synced since the share (so did not know of the copy) reached the member only once it
was edited, silently. Every owner device that holds such an entry brings the copy up to it
after a sync, and two racing write one copy. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client
from client_sdk.documents import ENTRY, entry_view
from client_sdk.replica import stored_document
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def moods(client: Client) -> list[int | None]:
    return sorted((e.mood for e in await client.entries.list()), key=lambda m: m or 0)


async def copies(client: Client, journal_id: str) -> list[tuple[int | None, tuple[str, ...]]]:
    """The entries of the copy journal as `client` stores them: (mood, tags), removed ones
    left out."""
    found = []
    for stored in await client.store.documents(bytes.fromhex(journal_id), [ENTRY]):
        view = entry_view(stored_document(stored))
        if not view.deleted and view.trashed_at is None:
            found.append((view.mood, tuple(view.tags)))
    return sorted(found, key=lambda c: c[0] or 0)


async def test_an_entry_written_on_a_device_that_did_not_know_of_the_copy_reaches_the_member(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone writes (and edits, and trashes another) after the laptop's mood-only share,
    before it synced: its next sync copies what it wrote, as it is now, once; the laptop's
    sync after it writes nothing more, and tom reads each mood once, no text."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "tags"])
    written = await phone.entries.write("Personal", "A secret tom must not see", mood=8)
    await phone.entries.edit(written.id, tags=["walk"])
    gone = await phone.entries.write("Personal", "written then thrown away", mood=3)
    await phone.entries.delete(gone.id)
    await phone.sync()
    await laptop.sync()
    await laptop.sync()
    await tom.sync()
    assert await copies(laptop, share.journal_id) == [(8, ("walk",))]
    assert await moods(tom) == [8], "the phone's entry never reached tom's copy"
    assert "A secret tom must not see" not in {e.body for e in await tom.entries.list()}
    held = await laptop.store.documents(bytes.fromhex(share.journal_id), [ENTRY])
    await phone.sync()
    await laptop.sync()  # the copy is current on both: nothing written again
    assert await laptop.store.documents(bytes.fromhex(share.journal_id), [ENTRY]) == held


async def test_the_sharing_device_carries_what_another_device_could_not(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phone that does not carry copies (an app of before this version) writes after the
    share and syncs: the laptop that shared brings the copy up to it at its next sync, and
    up to the phone's later edit and trash of it too."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "tags"])

    async def carries_nothing(*_: object, **__: object) -> tuple[list[str], set[bytes], int]:
        return [], set(), 0

    monkeypatch.setattr(phone.sharing, "follow_mirrors", carries_nothing)
    written = await phone.entries.write("Personal", "from the phone", mood=6)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert await moods(tom) == [6], "an entry another device wrote never reached the copy"
    monkeypatch.undo()
    # The phone, not yet holding the laptop's copy, writes it too (a race): one copy.
    problems, _, wrote = await phone.sharing.follow_mirrors([bytes.fromhex(written.id)])
    assert (problems, wrote) == ([], 1)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert await moods(tom) == [6]
    assert await copies(phone, share.journal_id) == [(6, ())]
    await phone.sync()  # now knows of the copy: its own edit is copied as it writes it
    await phone.entries.edit(written.id, tags=["sleep"])
    await phone.sync()
    await tom.sync()
    assert [tuple(e.tags) for e in await tom.entries.list()] == [("sleep",)]


async def test_an_edit_and_a_trash_arriving_at_the_sharing_device_follow_in_the_copy(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone, not carrying copies, tags and then trashes an entry the laptop copied: the
    laptop's syncs after each bring the copy to it (the tag, then out of tom's list)."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    share = await share_with(laptop, tom, only=["mood", "tags"])
    written = await laptop.entries.write("Personal", "from the laptop", mood=4)
    await laptop.sync()
    await phone.sync()
    copied = []

    async def copies_nothing(*_: object, **__: object) -> None:
        copied.append(1)

    monkeypatch.setattr(phone.sharing, "mirror", copies_nothing)  # an app that never copies
    monkeypatch.setattr(phone.sharing, "follow_mirrors", lambda *_, **__: _none())
    await phone.entries.edit(written.id, tags=["work"])
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert copied, "the phone's edit did not go through the copy step"
    assert await copies(laptop, share.journal_id) == [(4, ("work",))]
    assert [tuple(e.tags) for e in await tom.entries.list()] == [("work",)]
    await phone.entries.delete(written.id)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert await copies(laptop, share.journal_id) == []
    assert await tom.entries.list() == []


async def _none() -> tuple[list[str], set[bytes], int]:
    return [], set(), 0


async def test_a_result_another_device_took_reaches_a_copy_that_carries_scores(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a questionnaire result: a phone that never copies takes a PHQ-9 after a
    share of moods and scores; the laptop's sync copies its score, not its answers."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await share_with(laptop, tom, only=["mood", "scores"])
    await phone.sync()

    async def copies_nothing(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(phone.sharing, "mirror", copies_nothing)
    monkeypatch.setattr(phone.sharing, "follow_mirrors", lambda *_, **__: _none())
    await phone.measures.take("phq9", [1] * 9)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert [r.score for r in await tom.measures.list()] == [9]
