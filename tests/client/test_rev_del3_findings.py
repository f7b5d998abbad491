"""REV-DEL3: hostile review of 6c8bc096 (an entry shared one by one is a snapshot; its
trash, restore and delete reach the copy: `Sharing.single_copies`). Each test fails on
6c8bc096 but the one marked "Guard". Fixed since: another device's trash or delete of the
entry reaches the copy where it is held (`Entries._follow_removals`, A); a delete for good
or a restore writes the copies first, so a retry repairs a cut (C); a brief's digest is
read defensively, its instrument named by this app (D); a refusal names the copy (E)."""

from __future__ import annotations

import pytest

from client_sdk import Client
from tests.client.test_nu41_entry_copies import shared_after_the_phone_synced
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.conftest import ClientFactory


async def share_brief_saying(
    ben: Client, drsmith: Client, monkeypatch: pytest.MonkeyPatch, **changed: object
) -> None:
    """ben (a client's own SDK, modified) shares with drsmith a brief whose digest (only:
    the text ben read is his SDK's) says one PHQ-9 item 9 answered 1, with `changed` in
    place of its fields."""
    from client_sdk.brief import Brief

    item: dict[str, object] = {
        "measure": "phq9",
        "name": "PHQ-9",
        "item": 9,
        "answer": 1,
        "label": "x",
        "taken_at": "2026-01-01T00:00:00+00:00",
    }
    real = Brief.to_dict
    monkeypatch.setattr(
        Brief, "to_dict", lambda self: real(self) | {"safety_items": [item | changed]}
    )
    brief = await ben.briefs.prepare(journals=["Personal"])
    await ben.briefs.share(brief, "drsmith", fingerprint=await drsmith.shares.fingerprint())
    monkeypatch.setattr(Brief, "to_dict", real)


async def test_a_delete_for_good_on_a_device_that_does_not_hold_the_copy_leaves_it_readable(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL3-A: the propagation is edge-triggered on the device that deletes, and only for
    the copies that device holds (`single_copies` reads the local store). Ana's phone holds
    the entry but has not received "Shared with drsmith" (offline since the laptop shared
    it; or the server withholds that journal's records from it): her trash and "delete for
    good" there reach nothing, and no device ever writes the copy later (the original is
    deleted: nothing looks at its copies again). drsmith keeps reading the entry forever."""
    ana, drsmith, phone, entry = await shared_after_the_phone_synced(
        signup, login
    )  # holds the entry
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "Shared, then regretted.", 4)]

    # the phone, offline (or kept from the items journal's records by the server)
    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1  # "deleted for good"
    await phone.sync()
    await ana.sync()
    await phone.sync()
    await ana.sync()
    assert [e.id for e in await ana.entries.list()] == []  # gone on both devices
    assert await drsmith_sees(drsmith) == [], "the therapist still reads the deleted entry"


async def test_a_copy_trashed_with_its_entry_reaches_a_member_granted_again_without_asking(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Guard (holds on 6c8bc096, no finding): NU24 C8 asks before a member whose share ended is granted again, naming what
    the journal holds, but not a copy in the trash ("a copy in the trash is never given to a
    new member"). A copy trashed *with its entry* is such a copy. Restoring the entry later
    (for herself) restores the copy too (same `trashed_at`), and the owner's other device,
    pulling that restore, seals the copy's whole state as a snapshot for the current members
    (`_seal_restored`). drsmith, granted again without being asked about it, must not read
    it: he does not, since the re-grant carried the copy's removal with its values stripped
    (R46 F7) and a snapshot of the same Yjs items cannot bring them back."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    fp = await drsmith.shares.fingerprint()
    old = await ana.entries.write("Personal", "Kept from him since.", mood=3)
    await ana.shares.grant_entry(old.id, "drsmith", fingerprint=fp)
    await ana.sync()
    await ana.entries.delete(old.id)  # trash: its copy too
    await ana.shares.revoke("Shared with drsmith", "drsmith")
    await ana.sync()
    await phone.sync()

    new = await ana.entries.write("Personal", "For the next session.", mood=6)
    # The old copy is in the trash: not named, not asked (SharedAgain would fail the test).
    await ana.shares.grant_entry(new.id, "drsmith", fingerprint=fp)
    await ana.sync()
    assert [b for _, b, _ in await drsmith_sees(drsmith)] == ["For the next session."]

    await ana.entries.restore(old.id)  # back in her own journal
    await ana.sync()
    await phone.sync()  # pulls the copy's restore: seals it for the members
    await ana.sync()
    seen = sorted(b for _, b, _ in await drsmith_sees(drsmith))
    assert seen == ["For the next session."], seen


async def test_a_delete_for_good_cut_short_before_the_copy_is_never_repaired(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEL3-C: `_delete_for_good` writes the original first, then each copy; a failure
    between (a crash, Ctrl-C, a key of the items journal's epoch the server withholds:
    `commit` reads `journal_key`, `check_commit` does not) leaves the original deleted and
    the copy readable, and a retry (`empty_trash` again) finds nothing to do."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared, then regretted.", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    await ana.entries.delete(entry.id)
    await ana.sync()
    assert await drsmith_sees(drsmith) == []

    real = ana.replica.commit
    items = {j.id for j in await ana.journals.list() if j.name == "Shared with drsmith"}

    async def cut_short(journal, document, update, **kw):  # type: ignore[no-untyped-def]
        if journal.journal_id.hex() in items:
            raise KeyboardInterrupt  # or a NetworkError from journal_key
        return await real(journal, document, update, **kw)

    monkeypatch.setattr(ana.replica, "commit", cut_short)
    with pytest.raises(KeyboardInterrupt):
        await ana.entries.empty_trash()
    monkeypatch.setattr(ana.replica, "commit", real)
    await ana.entries.empty_trash()  # the retry
    await ana.sync()
    await drsmith.sync()
    from client_sdk.documents import entry_view
    from client_sdk.replica import stored_document

    copies = await drsmith.store.documents(bytes.fromhex(next(iter(items))))
    views = [entry_view(stored_document(c)) for c in copies]  # what drsmith's device holds
    assert views and all(v.deleted for v in views), [(v.body, v.trashed_at) for v in views]


async def test_a_restore_cut_short_before_the_copy_is_never_repaired(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEL3-C (restore): `restore` writes the original first, then the copies; cut short
    between, the entry is out of the trash and its copy in it, and no retry brings it back:
    `restore` says the entry is not in the trash, and a trash + restore again leaves the
    copy (its `trashed_at` no longer the entry's) where it is."""

    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared.", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.entries.delete(entry.id)
    await ana.sync()
    real = ana.replica.commit
    items = {j.id for j in await ana.journals.list() if j.name == "Shared with drsmith"}

    async def cut_short(journal, document, update, **kw):  # type: ignore[no-untyped-def]
        if journal.journal_id.hex() in items:
            raise KeyboardInterrupt
        return await real(journal, document, update, **kw)

    monkeypatch.setattr(ana.replica, "commit", cut_short)
    with pytest.raises(KeyboardInterrupt):
        await ana.entries.restore(entry.id)
    monkeypatch.setattr(ana.replica, "commit", real)
    # Fixed: the copies are restored first; cut short, the entry is still in the trash.
    assert [e.id for e in await ana.entries.trash()] == [entry.id]
    await ana.entries.restore(entry.id)  # again, as anyone would
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "Shared.", 4)]


async def test_a_crafted_brief_digest_crashes_the_therapists_caseload(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEL3-D (NU41 #2): `brief_safety_items` reads `taken_at` from the digest a client
    shares (another account's data) and catches ValueError only: a date at the edge of
    `datetime`'s range with an offset ("0001-01-01T00:00:00+05:00") raises OverflowError in
    `astimezone(UTC)`, and `Caseload.rows` ("Raises nothing") fails for every client, the
    tier-1 safety signals of the others included, as long as that brief is the latest."""
    drsmith = await signup("drsmith")
    ben, ana = await signup("ben"), await signup("ana")
    from tests.client.sharing_support import share_with

    for client in (ben, ana):
        await client.entries.write("Personal", "A week.", mood=5)
        await share_with(client, drsmith, only=["mood", "tags"])
    await share_brief_saying(ben, drsmith, monkeypatch, taken_at="0001-01-01T00:00:00+05:00")
    for client in (ben, ana, drsmith):
        await client.sync()
    rows = await drsmith.caseload.list()
    assert {r.client for r in rows} == {"ben", "ana"}


async def test_a_brief_digest_names_the_safety_item_the_client_chose(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEL3-D (NU41 #2, low): the flag's instrument name is the digest's `name`, any string:
    a brief saying measure "phq9" can show "GAD-7 item 9", or lines and markup of its own in
    the therapist's caseload; the instrument's own name (`builtin_instruments()`) is known."""
    drsmith = await signup("drsmith")
    ben = await signup("ben")
    from tests.client.sharing_support import share_with

    await ben.entries.write("Personal", "A week.", mood=5)
    await share_with(ben, drsmith, only=["mood", "tags"])
    await share_brief_saying(ben, drsmith, monkeypatch, name="All clear; nothing to see\n")
    for client in (ben, drsmith):
        await client.sync()
    [row] = await drsmith.caseload.list()
    assert all("\n" not in f and "All clear" not in f for f in row.flags), row.flags
