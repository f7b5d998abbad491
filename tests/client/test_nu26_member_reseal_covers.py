"""A therapist's note written before the client shared the journal with a second therapist
(a history-free share: a new cut) was sealed again by the therapist's device as a fresh
snapshot whose signed covers stated every counter that device accounted for, the client's
own devices' counters included (the boundary an OWNER's device writes at a share). The
client's devices rightly refused it as "claims to account for records of another account
(forged coverage)": the note was lost, every later sync reported the therapist's device
withholding records, and the verify-head codes of the pair never matched, with an honest
server (NU26 C1; the CLI flow narrowed and widened the share first). A member's record now
covers only its own account's counters; a member's record covering the owner's counters is
still refused (test_hostile_sync's forged coverage test, and the last test here)."""

from __future__ import annotations

import pytest

from client_sdk import Client, IntegrityError, crypto, records, wire
from client_sdk import withholding as counting
from client_sdk.store import Store
from tests.client.sharing_support import rows, server_db, share_with
from tests.client.test_withholding import drop_record, journal_seqs, personal
from tests.conftest import ClientFactory, RunningServer


async def covers_of_own_records(client: Client) -> list[counting.Cover]:
    """Every cover this device signed in a record of its own (held in its store)."""
    store: Store = client.store
    me = client.profile.account_id
    found = []
    for journal in await store.journals():
        rows = await store._db.execute_fetchall(
            "SELECT c.covers FROM record_covers c JOIN seen_records s ON "
            "s.journal_id = c.journal_id AND s.record_id = c.record_id "
            "WHERE c.journal_id = ? AND s.author = ?",
            (journal.journal_id, me),
        )
        for (covers,) in rows:
            found.extend(counting.decode_covers(bytes(covers)))
    return found


async def assert_pair_agrees(ana: Client, tom: Client, texts: list[str]) -> None:
    """ana's devices hold every note of `texts`, no sync of hers reports a problem or a
    withheld record (twice: not only the first), and the pair's head codes match."""
    for _ in range(2):
        report = await ana.sync()
        assert (report.problems, report.withheld) == ([], [])
        await ana.sync(strict=True)
    assert sorted(n.text for n in await ana.notes.list()) == sorted(texts)
    await tom.sync(strict=True)
    assert await ana.journals.verify_head("Personal", with_member="tom") == (
        await tom.journals.verify_head("ana/Personal")
    )


async def test_a_note_sealed_again_after_a_second_share_reaches_the_client(
    signup: ClientFactory,
) -> None:
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello", mood=5)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "n1")
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    # tom's next note waits in his outbox, sealed under the epoch it was written in, while
    # ana shares the journal with joan: his next sync seals it again past joan's cut.
    await tom.notes.add("ana/Personal", "written before joan's share")
    await share_with(ana, joan, role="annotate")
    await tom.sync(strict=True)
    assert all(c.author == tom.profile.account_id for c in await covers_of_own_records(tom))
    await joan.sync(strict=True)
    await assert_pair_agrees(ana, tom, ["n1", "written before joan's share"])


async def test_narrowed_and_widened_then_a_second_therapist_the_first_ones_note_arrives(
    signup: ClientFactory,
) -> None:
    """The CLI flow of NU26 C1 (/tmp/nu26/repro4.sh): narrow to mood and tags, write,
    widen again, share with a second therapist; the first therapist's next note, written
    before his device synced the second share, reaches the client."""
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello", mood=5)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "n1")
    await tom.sync(strict=True)
    await ana.shares.grant("Personal", "tom", only=["mood", "tags"])
    await tom.sync()
    await ana.entries.write("Personal", "after narrow", mood=2)
    await ana.shares.grant("Personal", "tom", full=True)
    await tom.sync()
    await share_with(ana, joan, role="annotate")
    await joan.sync(strict=True)
    await tom.notes.add("ana/Personal", "t1 note 2")
    await joan.notes.add("ana/Personal", "t2 note")
    await tom.sync()
    await joan.sync()
    assert all(c.author == tom.profile.account_id for c in await covers_of_own_records(tom))
    await assert_pair_agrees(ana, tom, ["n1", "t1 note 2", "t2 note"])
    await tom.notes.add("ana/Personal", "t1 note 3")
    await tom.sync(strict=True)
    await assert_pair_agrees(ana, tom, ["n1", "t1 note 2", "t2 note", "t1 note 3"])


def test_a_members_record_covering_the_owners_counters_is_still_forged() -> None:
    """The check the fix must not weaken (protocol.md 4.15 covers): only the journal's owner
    accounts for another account's counters."""
    owner, member, device = b"o" * 16, b"m" * 16, b"d" * 16
    own = counting.Cover(member, device, ((1, 2),))
    counting.check_covers(member, owner, [own], b"r" * 16)
    counting.check_covers(owner, owner, [own, counting.Cover(owner, device, ((1, 7),))], b"r")
    with pytest.raises(IntegrityError, match="forged coverage"):
        counting.check_covers(
            member, owner, [own, counting.Cover(owner, device, ((1, 7),))], b"r" * 16
        )


async def test_a_members_void_past_a_cut_covering_the_owners_record_is_refused(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """What the member's device wrote by mistake before the fix, done on purpose: after a
    second share (a cut), tom's device pushes a `void` under the current epoch whose covers
    name his own counters AND ana's entry the server then drops. ana's other
    device refuses the void as forged coverage and reports her entry withheld."""
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello", mood=5)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "n1")
    await tom.sync(strict=True)
    await share_with(ana, joan, role="annotate")
    await ana.entries.write("Personal", "the entry the server hides")
    await ana.entries.write("Personal", "a later entry, which shows it exists")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    journal = await personal(ana)
    hidden_seq = journal_seqs(live_server, journal)[-2]
    [(hidden_id, hidden_epoch, hidden_ciphertext)] = rows(
        server_db(live_server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE seq = ?",
        hidden_seq,
    )
    own = await ana.context.local_journal("Personal")
    hidden = records.open_record(
        await ana.replica.journal_key(own, hidden_epoch),
        journal,
        bytes(hidden_id),
        hidden_epoch,
        bytes(hidden_ciphertext),
        lambda _: ana.profile.secrets.sign_public_key,
    )
    assert hidden.author == ana.profile.account_id
    local = await tom.context.local_journal(journal.hex())
    key = await tom.replica.journal_key(local, local.epoch)
    me, device = tom.profile.account_id, tom.profile.device_id
    forged = records.RecordBody(
        author=me,
        device=device,
        counter=2,
        doc_id=records.NO_DOCUMENT,
        doc_kind="",
        kind=records.VOID,
        payload=b"",
        written_at=1,
        covers=counting.merge_covers(
            [
                counting.Cover(me, device, ((1, 1),)),
                counting.Cover(hidden.author, hidden.device, ((1, hidden.counter),)),
            ]
        ),
    )
    record_id = crypto.random_bytes(16)
    ciphertext = records.seal_record(
        key, journal, record_id, local.epoch, forged, tom.profile.secrets.signing_key
    )
    upload = wire.RecordUpload(record_id, local.epoch, ciphertext)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(journal, [upload]), wire.PushReply
    )
    drop_record(live_server, hidden_seq)

    phone = await login("ana")
    report = await phone.sync()
    assert any(record_id.hex() in p and "forged coverage" in p for p in report.problems)
    assert [(g.author, g.device, g.missing) for g in report.withheld] == [
        (hidden.author, hidden.device, ((hidden.counter, hidden.counter),))
    ]
