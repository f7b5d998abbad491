"""REV-DEL2, the hostile review of NU41 #1's first fix (e6d93466: an entry shared one by one
followed its original's edits, with the fields `shown_fields` read from the copy): four ways
to copy more than the client chose (A: a device that had not seen a narrowing widened the
copy again; B: a copy the client trashed came back at the next edit; C: emotions narrowed
away stayed and kept following; D: a chain problem took the copy's journal out of the
checks, so a delete went through and the copy stayed). Fixed: a copy shared one by one is a
snapshot of what was shared, never written again by an edit; a trash, a restore (of copies
its trash put away only) and a delete of the entry reach it, each copy's journal checked
first (`Sharing.single_copies`); emotions not shared are written empty. The reviewer's
tests, each failing on e6d93466; D's asserts the refusal now."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client, RollbackError
from tests.client.hostile import HostileServer
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.conftest import ClientFactory


async def test_a_narrowed_single_entry_share_is_widened_again_by_a_device_that_had_not_seen_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU41-A: ana shares an entry whole, then shares it again with only its mood (the copy
    drops title and body). Her phone, offline meanwhile (or kept from her laptop's records
    by the server), edits the entry: its copy still shows the body, so the edit is copied in;
    once merged the copy holds body text again, and from then on every device copies the
    whole body (`shown_fields` reads it from the copy)."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    fp = await drsmith.shares.fingerprint()
    entry = await ana.entries.write("Personal", "Private words.", title="Monday", mood=4)
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fp)
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    assert await drsmith_sees(drsmith) == [("Monday", "Private words.", 4)]

    # Laptop: narrow to the mood only. Phone: offline (has not synced since).
    await ana.shares.grant_entry(entry.id, "drsmith", only=["mood"], fingerprint=fp)
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "", 4)]

    # Phone, still offline, edits the entry's words; then syncs.
    await phone.entries.edit(entry.id, body="Private words. And a secret added on the phone.")
    await phone.sync()
    await ana.sync()
    seen = await drsmith_sees(drsmith)
    # Then the laptop edits the words once more: does the copy follow the body again?
    await ana.entries.edit(entry.id, body="Only ana may read this, rewritten.")
    await ana.sync()
    seen_after = await drsmith_sees(drsmith)
    assert all(body == "" and title == "" for title, body, _ in seen + seen_after), (
        seen,
        seen_after,
    )


async def test_a_copy_taken_out_of_the_therapists_view_comes_back_at_the_next_edit(
    signup: ClientFactory,
) -> None:
    """NU41-B: ana takes one shared entry out of drsmith's view by moving its copy (in
    "Shared with drsmith") to the trash (`tj delete COPY_ID`: the copy is an entry of hers,
    and `tj delete` tells her drsmith's view loses it). Editing the original later copies
    `trashed_at` None (the original's) into the copy: it is back in drsmith's view, with
    the new words."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared by mistake.", title="Monday", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("Monday", "Shared by mistake.", 4)]
    copy_id = next(e.id for e in await ana.entries.list("Shared with drsmith") if e.id != entry.id)
    await ana.entries.delete(copy_id)  # out of drsmith's view
    await ana.sync()
    assert await drsmith_sees(drsmith) == []

    await ana.entries.edit(entry.id, body="Written later, for me alone.")
    await ana.sync()
    assert await drsmith_sees(drsmith) == []


async def emotions_seen(therapist: Client) -> list[tuple[str, ...]]:
    await therapist.sync()
    return [
        tuple(e.emotions)
        for e in await therapist.entries.list()
        if e.journal.endswith("/Shared with drsmith")
    ]


async def test_emotions_narrowed_away_stay_in_the_copy_and_keep_following(
    signup: ClientFactory,
) -> None:
    """NU41-C: `disclosed_fields` leaves the `emotions` key out when they are not shared,
    so sharing the entry again with fewer fields never clears the emotions the copy holds;
    `shown_fields` then reports `emotions` (the key is there) and every later edit of the
    entry's emotions is copied to the therapist, one device, honest server."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    fp = await drsmith.shares.fingerprint()
    entry = await ana.entries.write("Personal", "Words.", mood=4, emotions=["sad"])
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fp)
    await ana.sync()
    assert await emotions_seen(drsmith) == [("sad",)]
    await ana.shares.grant_entry(entry.id, "drsmith", only=["mood"], fingerprint=fp)
    await ana.sync()
    narrowed = await emotions_seen(drsmith)
    await ana.entries.edit(entry.id, emotions=["angry", "ashamed"])
    await ana.sync()
    later = await emotions_seen(drsmith)
    assert narrowed == [()] and later == [()], (narrowed, later)


async def test_a_delete_while_the_items_journals_chain_has_a_problem_never_reaches_the_copy(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """NU41-D (inherited from `mirror`): a server that lists the journal of single items at a
    shorter chain than held (a rollback: a chain problem) just before the user deletes a
    shared entry takes that journal out of `disclosures()`, hence out of `mirror_targets`
    and `check_mirror`: the delete goes through, nothing is refused or said, the copy stays
    as shared, and once the chain is served again nothing writes it: the therapist keeps
    reading an entry the client deleted (and was told leaves their view)."""
    import dataclasses

    from client_sdk import INSECURE_TEST_COST, wire
    from tests.conftest import PASSWORD

    _laptop, drsmith = await signup("ana"), await signup("drsmith")  # ana signs up first
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        entry = await phone.entries.write("Personal", "Shared, then regretted.", mood=4)
        await phone.shares.grant_entry(
            entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
        )
        await phone.sync()
        assert await drsmith_sees(drsmith) == [("", "Shared, then regretted.", 4)]
        items = next(
            bytes.fromhex(j.id)
            for j in await phone.journals.list()
            if j.name == "Shared with drsmith"
        )

        def shorter(_request: bytes, reply: bytes) -> bytes:
            listed = wire.decode(wire.JournalList, reply)
            kept = [
                dataclasses.replace(j, chain_length=j.chain_length - 1)
                if j.journal_id == items
                else j
                for j in listed.journals
            ]
            return wire.encode(wire.JournalList(kept, listed.next))

        hostile.replies["/v1/journals/list"] = shorter
        await phone.replica.refresh_journals()
        assert phone.replica.chains.problem(items)
        refused = None
        try:
            await phone.entries.delete(entry.id)
        except Exception as error:  # the R40 F5 contract: refused before anything changes
            refused = error
        del hostile.replies["/v1/journals/list"]
        await phone.sync()
        assert not phone.replica.chains.problem(items)
        assert isinstance(refused, RollbackError), refused  # refused, nothing changed
        assert "the copy of this entry kept in 'Shared with drsmith'" in str(refused)  # E
        assert [e.id for e in await phone.entries.list()] == [entry.id]
        await phone.entries.delete(entry.id)  # once the chain is served again
        await phone.sync()
        assert await drsmith_sees(drsmith) == []
    finally:
        await phone.close()


async def test_a_copy_trashed_to_keep_it_from_a_share_again_comes_back_at_an_edit(
    signup: ClientFactory,
) -> None:
    """NU41-B through NU24 C8's own advice: drsmith's share of "Shared with drsmith" ended;
    sharing another entry with him again raises SharedAgain naming the old copy, whose
    words say to "move them to the trash first (a copy in the trash is never given to a new
    member)". Ana does (`entries.delete(COPY)`), shares the new entry, then edits the old
    entry: its copy follows the original, `trashed_at` None included, and drsmith reads the
    entry she kept from him, with its new words."""
    from client_sdk.errors import SharedAgain

    ana, drsmith = await signup("ana"), await signup("drsmith")
    fp = await drsmith.shares.fingerprint()
    old = await ana.entries.write("Personal", "Old and private now.", mood=3)
    await ana.shares.grant_entry(old.id, "drsmith", fingerprint=fp)
    await ana.sync()
    await ana.shares.revoke("Shared with drsmith", "drsmith")
    await ana.sync()
    new = await ana.entries.write("Personal", "For the next session.", mood=6)
    try:
        await ana.shares.grant_entry(new.id, "drsmith", fingerprint=fp)
        raise AssertionError("SharedAgain expected")
    except SharedAgain as again:
        held = [i.id for i in again.items]
    assert len(held) == 1
    await ana.entries.delete(held[0])  # the copy to the trash, as SharedAgain advises
    await ana.shares.grant_entry(new.id, "drsmith", fingerprint=fp)
    await ana.sync()
    assert [b for _, b, _ in await drsmith_sees(drsmith)] == ["For the next session."]

    await ana.entries.edit(old.id, body="Old and private now, and more so.")
    await ana.sync()
    assert [b for _, b, _ in await drsmith_sees(drsmith)] == ["For the next session."]
