"""Sharing with a therapist, end to end: a real server on loopback, real SQLite, real crypto.

ana is the client, tom her therapist. "Nothing was sent" and "cannot be decrypted" are checked
against the server's own database, read with sqlite3 as an attacker with a copy of it would.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from cli.main import with_hint
from client_sdk import (
    AccessError,
    Client,
    InvalidInput,
    KeyChangedError,
    keys,
    wire,
)
from client_sdk.documents import Document
from client_sdk.errors import IntegrityError
from client_sdk.replica import stored_document
from tests.client.sharing_support import (
    copy_of_server_db,
    forged_record,
    journal_id,
    membership_rows,
    plaintexts_openable_with,
    rows,
    server_db,
    share_with,
    stolen_records,
    swap_identity_keys,
    therapist_keys,
)
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "I never told anyone about the accident"


# --- helpers --------------------------------------------------------------------------------


async def sync_page_for(client: Client, journal: bytes) -> wire.SyncReply:
    """A raw /v1/sync asking the real server for one journal's records."""
    request = wire.SyncRequest([wire.Cursor(journal, 0)], 100)
    return await client.transport.call("/v1/sync", request, wire.SyncReply)


@pytest.fixture
async def ana(signup: ClientFactory) -> Client:
    return await signup("ana")


@pytest.fixture
async def tom(signup: ClientFactory) -> Client:
    return await signup("tom")


# --- confirming the therapist's keys --------------------------------------------------------


async def test_sharing_with_the_fingerprint_read_out_in_session_pins_the_therapist_as_verified(
    ana: Client, tom: Client
) -> None:
    await ana.entries.write("Personal", "Slept badly again.", mood=3)
    info = await share_with(ana, tom)
    assert (info.journal, info.member, info.role, info.expires_at) == (
        "Personal",
        "tom",
        "read",
        None,
    )
    pinned = await ana.store.peer(tom.profile.account_id)
    assert pinned is not None and pinned.verified
    await ana.sync()
    await tom.sync()
    [entry] = await tom.entries.list("ana/Personal")
    assert (entry.body, entry.mood) == ("Slept badly again.", 3)


async def test_sharing_without_a_fingerprint_or_trust_on_first_use_is_refused_and_sends_nothing(
    ana: Client, tom: Client, live_server: RunningServer
) -> None:
    before = membership_rows(live_server)
    with pytest.raises(InvalidInput, match="fingerprint"):
        await ana.shares.grant("Personal", "tom", full=True)
    assert membership_rows(live_server) == before
    assert await ana.store.peer(tom.profile.account_id) is None
    assert await ana.shares.list() == []


async def test_sharing_with_a_wrong_fingerprint_is_refused_and_sends_nothing(
    ana: Client, tom: Client, live_server: RunningServer
) -> None:
    before = membership_rows(live_server)
    wrong = await ana.shares.fingerprint()  # a real safety number, but not tom's
    with pytest.raises(KeyChangedError, match="does not match"):
        await ana.shares.grant("Personal", "tom", fingerprint=wrong, full=True)
    assert membership_rows(live_server) == before
    assert await ana.shares.list() == []


async def test_a_therapist_key_that_changed_after_pinning_is_refused_until_verified_again(
    ana: Client, tom: Client, live_server: RunningServer
) -> None:
    await share_with(ana, tom)
    account_id = tom.profile.account_id
    replacement = swap_identity_keys(live_server, account_id, "tom")
    new_fingerprint = keys.fingerprint(
        account_id, "tom", replacement.sign_public_key, replacement.box_public_key
    )
    await ana.journals.create("Sleep")
    before = membership_rows(live_server)
    with pytest.raises(KeyChangedError, match="changed since you pinned"):
        await ana.shares.grant("Sleep", "tom", trust_on_first_use=True, full=True)
    with pytest.raises(KeyChangedError, match="does not match"):
        await ana.shares.grant(
            "Sleep", "tom", fingerprint=await tom.shares.fingerprint(), full=True
        )
    assert membership_rows(live_server) == before

    await ana.shares.verify("tom", new_fingerprint)
    pinned = await ana.store.peer(account_id)
    assert pinned is not None and pinned.box_public_key == replacement.box_public_key
    info = await ana.shares.grant("Sleep", "tom", trust_on_first_use=True, full=True)
    assert info.member == "tom"


# --- what the therapist reads ---------------------------------------------------------------


async def test_therapist_reads_the_shared_journal_and_nothing_else(
    ana: Client, tom: Client, signup: ClientFactory
) -> None:
    ben = await signup("ben")
    await ana.journals.create("Private")
    await ana.entries.write("Personal", "For my therapist.")
    await ana.entries.write("Private", "Only for me.")
    await ben.entries.write("Personal", "Ben's own thoughts.")
    await ana.sync()
    await ben.sync()
    await share_with(ana, tom)
    await tom.sync()

    assert {j.name for j in await tom.journals.list()} == {"Personal", "ana/Personal"}
    assert [e.body for e in await tom.entries.list()] == ["For my therapist."]
    for unshared in (await journal_id(ana, "Private"), await journal_id(ben, "Personal")):
        with pytest.raises(AccessError, match="not shared"):
            await sync_page_for(tom, unshared)


async def test_a_read_only_therapist_cannot_write_through_the_sdk_nor_the_server(
    ana: Client, tom: Client, live_server: RunningServer
) -> None:
    entry = await ana.entries.write("Personal", "Read, do not touch.")
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()
    with pytest.raises(AccessError, match="read-only"):
        await tom.entries.write("ana/Personal", "Therapist scribbles.")
    with pytest.raises(AccessError, match="read-only") as refused:
        await tom.notes.add("ana/Personal", "A note.")
    assert "ask ana to give you the annotate role" in str(refused.value)  # NU20 C17
    assert refused.value.names == {  # NU21 C1, NU45 #4; the id names it in a command (NU52 F8)
        "journal": "Personal",
        "journal id": refused.value.names["journal id"],
        "member": "tom",
    }
    assert "tj share Personal tom --role annotate" in with_hint(refused.value)

    stored = await tom.store.document(bytes.fromhex(entry.id))
    assert stored is not None
    document = stored_document(stored)
    upload = await forged_record(tom, "ana/Personal", document, "note", document.state())
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    async with aiohttp.ClientSession() as session:
        async with session.post(
            live_server.url + "/v1/records/push",
            data=wire.encode(request),
            headers={
                "Content-Type": "application/msgpack",
                "Authorization": f"Bearer {tom.profile.token}",
            },
        ) as reply:
            assert reply.status == 403
            assert wire.decode(wire.ErrorReply, await reply.read()).code == "forbidden"
    assert (
        rows(server_db(live_server), "SELECT 1 FROM records WHERE record_id = ?", upload.record_id)
        == []
    )


async def test_an_annotating_therapist_adds_prompts_and_notes_the_owner_sees_as_theirs(
    ana: Client, tom: Client
) -> None:
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    with pytest.raises(AccessError, match="only add notes and prompts"):
        await tom.entries.write("ana/Personal", "Not an entry of mine to write.")
    await tom.notes.add("ana/Personal", "What helped you sleep this week?", kind="prompt")
    await tom.notes.add("ana/Personal", "Good progress on routines.")
    await ana.notes.add("Personal", "Ask about the new medication.")
    assert (await tom.sync()).pushed == 2
    report = await ana.sync()
    assert report.problems == []

    notes = await ana.notes.list("Personal")
    assert [(n.kind, n.text, n.author, n.by_therapist) for n in notes] == [
        ("prompt", "What helped you sleep this week?", "tom", True),
        ("note", "Good progress on routines.", "tom", True),
        ("note", "Ask about the new medication.", "ana", False),
    ]


async def test_a_therapists_client_opened_again_adds_a_note_before_syncing(
    ana: Client, tom: Client
) -> None:
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    async with await Client.open(tom.home) as reopened:  # a new process, as the CLI runs
        await reopened.notes.add("ana/Personal", "Written offline.")
        assert (await reopened.sync()).pushed == 1
    await ana.sync()
    assert [n.text for n in await ana.notes.list()] == ["Written offline."]


async def test_a_role_raised_to_annotate_lets_the_therapist_add_a_note_without_syncing_first(
    ana: Client, tom: Client
) -> None:
    await share_with(ana, tom)  # read
    await tom.sync()
    assert (await tom.journals.get("ana/Personal")).role == "read"
    await share_with(ana, tom, role="annotate")  # tom's device does not know yet

    note = await tom.notes.add("ana/Personal", "Try the breathing exercise.")
    assert note.by_therapist
    assert (await tom.journals.get("ana/Personal")).role == "annotate"
    await tom.sync()
    await ana.sync()
    assert [(n.text, n.author) for n in await ana.notes.list()] == [
        ("Try the breathing exercise.", "tom")
    ]


async def test_a_reader_is_still_refused_a_note_after_checking_the_chain_again(
    ana: Client, tom: Client
) -> None:
    await share_with(ana, tom)
    await tom.sync()
    with pytest.raises(AccessError, match="read-only"):
        await tom.notes.add("ana/Personal", "Not allowed.")
    assert await tom.pending() == 0


async def test_the_owners_other_device_accepts_the_therapists_notes_too(
    ana: Client, tom: Client, login: ClientFactory
) -> None:
    phone = await login("ana")  # signed in before the share existed
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Thursday.")
    await tom.sync()
    report = await phone.sync()
    assert report.problems == []
    [note] = await phone.notes.list()
    assert (note.text, note.author, note.by_therapist) == ("See you Thursday.", "tom", True)


@pytest.mark.parametrize("kind", ["entry", "note"])
async def test_a_therapist_record_that_edits_the_owners_entry_is_rejected_and_the_entry_is_unchanged(
    kind: str, ana: Client, tom: Client, login: ClientFactory
) -> None:
    """As an `entry` (a kind only the owner writes) or as a `note` (an annotation kind, on a
    document the therapist did not create)."""
    entry = await ana.entries.write("Personal", "My own words.", mood=4)
    await ana.sync()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    stored = await tom.store.document(bytes.fromhex(entry.id))
    assert stored is not None
    document = stored_document(stored)
    if kind == "entry":
        edit = document.change(fields={"mood": 10}, texts={"body": "Everything is fine now."})
    else:
        note = Document(document.doc_id, "note")
        edit = note.change(fields={"created_at": 1}, texts={"body": "Everything is fine now."})
    upload = await forged_record(tom, "ana/Personal", document, kind, edit)
    pushed = await tom.transport.call(
        "/v1/records/push",
        wire.PushRequest(await journal_id(ana, "Personal"), [upload]),
        wire.PushReply,
    )
    assert [a.record_id for a in pushed.accepted] == [upload.record_id]  # the server cannot tell

    phone = await login("ana")
    for device in (ana, phone):
        report = await device.sync()
        [problem] = report.problems
        assert upload.record_id.hex() in problem
        assert [p.record_id for p in await device.problems()] == [upload.record_id]
        unchanged = await device.entries.get(entry.id)
        assert (unchanged.body, unchanged.mood) == ("My own words.", 4)


# --- revocation ---------------------------------------------------------------------------


async def test_unshare_drops_the_membership_at_once_and_rotates_the_journal_key(
    ana: Client, tom: Client, live_server: RunningServer
) -> None:
    await ana.entries.write("Personal", "Before.")
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    members = "SELECT account_id FROM members WHERE journal_id = ?"
    assert len(rows(server_db(live_server), members, personal)) == 2

    await ana.shares.revoke("Personal", "tom")
    assert rows(server_db(live_server), members, personal) == [(ana.profile.account_id,)]
    epoch = "SELECT epoch FROM journals WHERE journal_id = ?"
    # sharing started epoch 1 (history-free), the revocation epoch 2
    assert rows(server_db(live_server), epoch, personal) == [(2,)]
    assert (await ana.context.local_journal("Personal")).epoch == 2
    assert await ana.shares.list() == []  # an unshare is not kept as an ended share

    with pytest.raises(AccessError):
        await sync_page_for(tom, personal)
    await tom.sync()
    [kept] = [j for j in await tom.journals.list() if j.name == "ana/Personal"]
    # a removed member is not served its removal: the server's word, never "share ended"
    assert (kept.role, kept.read_only_copy, kept.share_ended) == ("revoked", True, False)
    assert kept.unlisted
    [ended] = await tom.shares.with_me()
    assert (ended.owner_journal_name, ended.read_only_copy, ended.share_ended) == (
        "Personal",
        True,
        False,
    )
    assert ended.journal == "ana/Personal"  # the name calls take (nu82 F2)


async def test_after_a_share_ends_the_therapist_reads_the_kept_copy_by_name_and_cannot_write_to_it(
    ana: Client, tom: Client
) -> None:
    await ana.entries.write("Personal", "Shared while it lasted.", mood=4)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await ana.shares.revoke("Personal", "tom")
    await ana.entries.write("Personal", SECRET)
    await ana.sync()
    await tom.sync()

    [kept] = [j for j in await tom.journals.list() if j.read_only_copy]
    assert (kept.name, kept.role) == ("ana/Personal", "revoked")
    assert (await tom.journals.get("ana/Personal")).read_only_copy
    assert [(e.body, e.mood) for e in await tom.entries.list("ana/Personal")] == [
        ("Shared while it lasted.", 4)
    ]
    with pytest.raises(
        AccessError, match="share of journal 'ana/Personal' with this account ended"
    ):
        await tom.notes.add("ana/Personal", "Still here?")
    with pytest.raises(AccessError, match="ended"):
        await tom.entries.write("ana/Personal", "Not mine.")
    assert await tom.pending() == 0


async def test_records_written_after_revocation_cannot_be_decrypted_with_any_key_the_therapist_held(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    await ana.entries.write("Personal", "Shared while it lasted.")
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()
    await ana.shares.revoke("Personal", "tom")
    await ana.entries.write("Personal", SECRET)
    await ana.notes.add("Personal", SECRET)
    await ana.sync()

    stolen = copy_of_server_db(live_server, tmp_path)
    personal = [
        r for r in stolen_records(stolen) if r.journal_id == await journal_id(ana, "Personal")
    ]
    history = [r for r in personal if r.epoch == 0]  # from before the share
    during = [r for r in personal if r.epoch == 1]  # the share's snapshot
    after = [r for r in personal if r.epoch == 2]
    held = therapist_keys(tom)
    assert history and during and len(after) == 2
    assert all(plaintexts_openable_with(r, held) for r in during)  # the attack works on those
    assert [plaintexts_openable_with(r, held) for r in history] == [[]] * len(history)
    assert [plaintexts_openable_with(r, held) for r in after] == [[], []]
    [(meta,)] = rows(stolen, "SELECT meta FROM journals WHERE journal_id = ?", after[0].journal_id)
    for key in held:
        with pytest.raises(IntegrityError):
            keys.open_journal_meta(key, after[0].journal_id, bytes(meta))


async def test_an_offline_device_reseals_its_old_epoch_writes_after_another_device_rotated(
    ana: Client, tom: Client, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await share_with(ana, tom)
    await tom.sync()
    phone = await login("ana")
    await phone.sync()
    written = await phone.entries.write("Personal", SECRET)  # sealed at epoch 1, not pushed yet
    [waiting] = await phone.store.outbox()
    assert waiting.epoch == 1

    await ana.shares.revoke("Personal", "tom")
    report = await phone.sync()
    assert report.pushed == 1 and await phone.pending() == 0

    stolen = copy_of_server_db(live_server, tmp_path)
    [record] = [r for r in stolen_records(stolen) if r.record_id == waiting.record_id]
    assert record.epoch == 2 and record.ciphertext != waiting.ciphertext
    assert plaintexts_openable_with(record, therapist_keys(tom)) == []
    await tom.sync()
    assert await tom.entries.list() == []
    await ana.sync()
    assert (await ana.entries.get(written.id)).body == SECRET


async def test_a_share_until_a_date_ends_on_the_server_and_the_owners_next_sync_rotates_the_key(
    ana: Client,
    tom: Client,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    until = datetime.now().astimezone() + timedelta(days=1)
    info = await share_with(ana, tom, expires_at=until)
    assert info.expires_at is not None and abs(info.expires_at - until) < timedelta(seconds=1)
    await ana.entries.write("Personal", "Within the share.")
    await ana.sync()
    await tom.sync()
    assert [e.body for e in await tom.entries.list()] == ["Within the share."]
    personal = await journal_id(ana, "Personal")

    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing"):  # two days pass for ana too
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    with pytest.raises(AccessError):
        await sync_page_for(tom, personal)
    await tom.sync()
    assert [s.share_ended for s in await tom.shares.with_me()] == [True]
    [expired] = await ana.shares.list()
    assert (expired.member, expired.expired) == ("tom", True)

    await ana.entries.write("Personal", SECRET)
    await ana.sync()
    assert (await ana.context.local_journal("Personal")).epoch == 2
    # The rotation ended tom's share in the chain; the list keeps it, ended (NU19 C8).
    [ended] = await ana.shares.list()
    assert (ended.member, ended.expired, ended.expires_at) == ("tom", True, expired.expires_at)
    assert ana.replica.chains.current(personal).members == {}  # tom is not in the chain
    stolen = copy_of_server_db(live_server, tmp_path)
    [late] = [r for r in stolen_records(stolen) if r.journal_id == personal and r.epoch == 2]
    assert plaintexts_openable_with(late, therapist_keys(tom)) == []


# --- choosing what to share ---------------------------------------------------------------


async def test_share_entry_copies_one_entry_into_a_journal_for_the_therapist_and_the_rest_stays_private(
    ana: Client, tom: Client
) -> None:
    chosen = await ana.entries.write(
        "Personal", "About my sister.", title="Family", mood=5, tags=["family"]
    )
    await ana.entries.write("Personal", SECRET)
    info = await ana.shares.grant_entry(
        chosen.id, "tom", fingerprint=await tom.shares.fingerprint()
    )
    assert (info.journal, info.member, info.role) == ("Shared with tom", "tom", "read")
    await ana.sync()
    await tom.sync()

    assert {j.name for j in await tom.journals.list()} == {"Personal", "ana/Shared with tom"}
    [copy] = await tom.entries.list()
    assert (copy.journal, copy.title, copy.body, copy.mood, copy.tags) == (
        "ana/Shared with tom",
        "Family",
        "About my sister.",
        5,
        ("family",),
    )
    assert copy.id != chosen.id  # the copy cannot be linked to the original
    assert [e.body for e in await ana.entries.list()].count("About my sister.") == 1


async def test_sharing_only_mood_and_tags_of_an_entry_keeps_its_words_out_of_every_record_the_therapist_can_open(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    entry = await ana.entries.write("Personal", SECRET, title="The accident", mood=2, tags=["fear"])
    await ana.shares.grant_entry(
        entry.id, "tom", only=["mood", "tags"], fingerprint=await tom.shares.fingerprint()
    )
    await ana.sync()
    await tom.sync()

    [copy] = await tom.entries.list()
    assert (copy.mood, copy.tags, copy.body, copy.title) == (2, ("fear",), "", "")
    assert_words_unreadable_by(tom, live_server, tmp_path, SECRET, "The accident")


async def test_a_journal_shared_with_only_mood_and_tags_discloses_those_fields_of_entries_written_later(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    await ana.entries.write("Personal", "Written before the share.", mood=9)
    info = await share_with(ana, tom, only=["mood", "tags"])
    assert info.journal == "Personal (mood, tags) for tom"
    later = await ana.entries.write("Personal", SECRET, title="Tuesday", mood=3, tags=["work"])
    await ana.sync()
    await tom.sync()
    [copy] = await tom.entries.list()
    assert (copy.journal, copy.mood, copy.tags, copy.body, copy.title) == (
        "ana/Personal (mood, tags) for tom",
        3,
        ("work",),
        "",
        "",
    )
    await ana.entries.edit(later.id, mood=6, append=" And then it got worse.")
    await ana.sync()
    await tom.sync()
    assert [e.mood for e in await tom.entries.list()] == [6]
    assert [e.body for e in await ana.entries.list()].count("Written before the share.") == 1
    assert_words_unreadable_by(tom, live_server, tmp_path, SECRET, "worse", "Tuesday")


async def test_a_new_entry_is_copied_field_by_field_as_written_into_a_field_level_share(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    # issue 10: an entry just written is copied from the values written (no read back of
    # its CRDT, no read of a copy that cannot exist yet); the copy is what a copy read from
    # the CRDT would be.
    await share_with(ana, tom, only=["title", "body", "emotions"])
    entry = await ana.entries.write(
        "Personal",
        "Couldn't sleep.",
        title="Night",
        mood=3,
        tags=["insomnia"],
        emotions=["anxious", "tired"],
    )
    await ana.sync()
    await tom.sync()
    [copy] = await tom.entries.list()
    assert (copy.title, copy.body, copy.emotions, copy.mood, copy.tags) == (
        "Night",
        "Couldn't sleep.",
        ("anxious", "tired"),
        None,
        (),
    )
    assert (copy.created_at, copy.utc_offset) == (entry.created_at, entry.utc_offset)
    await ana.entries.edit(entry.id, body="Slept at last.")  # the copy follows, as before
    await ana.sync()
    await tom.sync()
    assert [e.body for e in await tom.entries.list()] == ["Slept at last."]
    assert_words_unreadable_by(tom, live_server, tmp_path, "insomnia")


async def test_narrowing_a_full_share_to_mood_and_tags_ends_it_with_a_new_key(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    await ana.entries.write("Personal", "Shared in full while it lasted.", mood=5)
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    epoch_before = (await ana.context.local_journal("Personal")).epoch

    info = await share_with(ana, tom, only=["mood", "tags"])
    assert (info.journal, info.fields, info.source, info.ended) == (
        "Personal (mood, tags) for tom",
        ("mood", "tags"),
        "Personal",
        ("Personal",),
    )
    members = "SELECT account_id FROM members WHERE journal_id = ?"
    assert rows(server_db(live_server), members, personal) == [(ana.profile.account_id,)]
    assert (await ana.context.local_journal("Personal")).epoch == epoch_before + 1
    state = ana.replica.chains.current(personal)
    assert state.member_by_account(tom.profile.account_id) is None  # the owner-signed chain
    assert [(s.journal, s.fields) for s in await ana.shares.list()] == [
        ("Personal (mood, tags) for tom", ("mood", "tags"))
    ]

    await ana.entries.write("Personal", SECRET, title="Tuesday", mood=2, tags=["work"])
    await ana.sync()
    await tom.sync()
    copies = await tom.entries.list("ana/Personal (mood, tags) for tom")
    assert [(e.mood, e.tags, e.body, e.title) for e in copies] == [(2, ("work",), "", "")]
    assert SECRET not in {e.body for e in await tom.entries.list()}
    assert_words_unreadable_by(tom, live_server, tmp_path, SECRET, "Tuesday")


async def test_narrowing_again_to_other_fields_ends_the_first_field_level_share(
    ana: Client, tom: Client
) -> None:
    first = await share_with(ana, tom, only=["mood", "tags"])
    second = await share_with(ana, tom, only=["mood"])
    assert second.ended == (first.journal,)
    assert [(s.journal, s.fields) for s in await ana.shares.list()] == [
        ("Personal (mood) for tom", ("mood",))
    ]


async def test_a_new_role_for_a_field_level_share_keeps_it_limited_and_only_full_widens_it(
    ana: Client, tom: Client, live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 F-role-widen: a grant without `only` (a new role, a new end date) for a member
    who reads only some fields of the journal changes that share; it never adds a share of
    the whole journal (every entry's text) as a side effect."""
    limited = await share_with(ana, tom, only=["mood"])
    await ana.entries.write("Personal", SECRET, title="Tuesday", mood=3)
    assert await ana.shares.limited("Personal", "tom") == dataclasses.replace(
        limited, expired=False
    )

    changed = await ana.shares.grant("Personal", "tom", role="annotate")
    assert (changed.journal, changed.kind, changed.fields, changed.source, changed.role) == (
        limited.journal,
        "mirror",
        ("mood",),
        "Personal",
        "annotate",
    )
    assert [(s.journal, s.role) for s in await ana.shares.list()] == [(limited.journal, "annotate")]
    await ana.sync()
    await tom.sync()
    assert [(e.mood, e.body) for e in await tom.entries.list()] == [(3, "")]
    assert_words_unreadable_by(tom, live_server, tmp_path, SECRET, "Tuesday")
    with pytest.raises(InvalidInput, match="not both"):
        await ana.shares.grant("Personal", "tom", only=["mood"], full=True)

    widened = await ana.shares.grant("Personal", "tom", full=True)
    assert (widened.journal, widened.kind, widened.fields) == ("Personal", "journal", None)
    assert await ana.shares.limited("Personal", "tom") is None
    await tom.sync()
    assert SECRET in {e.body for e in await tom.entries.list("ana/Personal")}


async def test_renewing_an_expired_field_level_share_renews_it_as_limited_as_it_was(
    ana: Client, tom: Client, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client renewing a mood-only share whose end date passed (a new `until`, no `only`)
    renews the mood-only share; the whole journal is not shared."""
    first = await share_with(
        ana, tom, only=["mood"], expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    lapsed = await ana.shares.limited("Personal", "tom")
    assert lapsed is not None and (lapsed.journal, lapsed.expired) == (first.journal, True)

    renewed = await ana.shares.grant(
        "Personal", "tom", expires_at=datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    )
    assert (renewed.journal, renewed.kind, renewed.fields) == (first.journal, "mirror", ("mood",))
    assert [(s.journal, s.expired) for s in await ana.shares.list()] == [(first.journal, False)]
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None


def assert_words_unreadable_by(
    therapist: Client, live_server: RunningServer, tmp_path: Path, *words: str
) -> None:
    """Open every record on the server with every key the therapist holds: none contains the
    words (the check is meaningful: some records do open)."""
    stolen = copy_of_server_db(live_server, tmp_path)
    opened = [
        plaintext
        for record in stolen_records(stolen)
        for plaintext in plaintexts_openable_with(record, therapist_keys(therapist))
    ]
    assert opened
    for word in words:
        assert not any(word.encode() in plaintext for plaintext in opened), word


# --- listing shares and the audit log -----------------------------------------------------


async def test_shares_shared_with_me_and_the_share_log_say_who_sees_what(
    ana: Client, tom: Client, signup: ClientFactory
) -> None:
    ben = await signup("ben")
    await ana.journals.create("Sleep")
    until = datetime.now().astimezone() + timedelta(days=30)
    await share_with(ana, tom, "Personal", role="annotate", expires_at=until)
    await share_with(ana, ben, "Personal")
    await share_with(ana, tom, "Sleep")
    await ana.entries.write("Personal", "One.")
    await ana.entries.write("Personal", "Two.")
    await ana.sync()

    shares = sorted((s.journal, s.member, s.role, s.expired) for s in await ana.shares.list())
    assert shares == [
        ("Personal", "ben", "read", False),
        ("Personal", "tom", "annotate", False),
        ("Sleep", "tom", "read", False),
    ]
    [tom_personal] = [
        s for s in await ana.shares.list() if (s.journal, s.member) == ("Personal", "tom")
    ]
    assert tom_personal.expires_at is not None
    assert abs(tom_personal.expires_at - until) < timedelta(seconds=1)

    shared = sorted((s.owner, s.owner_journal_name, s.role) for s in await tom.shares.with_me())
    assert shared == [("ana", "Personal", "annotate"), ("ana", "Sleep", "read")]

    await tom.sync()
    await ben.sync()
    log = await ana.shares.log("Personal")
    assert {entry.member for entry in log} == {"tom", "ben"}
    assert all(entry.up_to_seq >= 2 and entry.records >= 2 for entry in log)
    assert [e.member for e in await tom.shares.log("ana/Personal")] == ["tom"]
    assert [e.member for e in await ben.shares.log("ana/Personal")] == ["ben"]


async def test_a_new_owner_device_still_accepts_notes_written_before_the_share_ended(
    ana: Client, tom: Client, login: ClientFactory
) -> None:
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "Notice what helps you sleep.", kind="prompt")
    await tom.sync()
    await ana.sync()
    await ana.shares.revoke("Personal", "tom")
    await ana.entries.write("Personal", "After tom left.")
    await ana.sync()

    phone = await login("ana")  # a device that never saw tom as a member
    report = await phone.sync()
    assert report.problems == []
    [note] = await phone.notes.list()
    assert (note.text, note.author, note.by_therapist) == (
        "Notice what helps you sleep.",
        "tom",
        True,
    )
    state = phone.replica.chains.state(bytes.fromhex((await phone.journals.get("Personal")).id))
    assert state is not None and state.members == {}
    tom_device = tom.profile.device_id
    assert state.may_annotate(tom.profile.account_id, 1, tom_device, 1)  # the owner signed it
    assert not state.may_annotate(tom.profile.account_id, 1, tom_device, 2)  # beyond its limit
    assert not state.may_annotate(tom.profile.account_id, 2, tom_device, 1)
    assert state.signers[tom.profile.account_id].sign_public_key == (
        tom.profile.secrets.sign_public_key
    )
