"""A server that misbehaves on purpose, to show the SDK never trusts it with sharing.

The hostile server is the loopback proxy of tests/client/hostile.py in front of the real one:
it forwards every request and may rewrite a request or a reply on the way (decoded and
re-encoded with the wire module), and tests read the real server's database directly, as a
compromised server can.
ana is the client, tom her therapist; tom (or ana) talks to the server through the proxy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, KeyChangedError, crypto, keys, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import (
    copy_of_server_db,
    journal_id,
    membership_rows,
    plaintexts_openable_with,
    rows,
    server_db,
    share_with,
    stolen_records,
    therapist_keys,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer

SECRET = "Written after the share ended"
RECORD_ID = re.compile(r"\brecord ([0-9a-f]{32})\b")
ReplyRewrite = Callable[[bytes, bytes], bytes]


def problem_ids(problems: list[str]) -> set[str]:
    """The record ids the problems of a sync report name."""
    return {found for problem in problems for found in RECORD_ID.findall(problem)}


# --- (a) a substituted therapist key ----------------------------------------------------------


async def test_a_substituted_therapist_key_is_refused_and_no_share_is_sent(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    impostor = keys.AccountSecrets.generate()
    forged = wire.Identity(
        tom.profile.account_id,
        "tom",
        impostor.sign_public_key,
        impostor.box_public_key,
        keys.sign_identity(impostor, tom.profile.account_id, "tom"),  # a valid self-signature
    )

    def substitute(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.IdentityRequest, request)
        return wire.encode(forged) if asked.username == "tom" else reply

    hostile.replies["/v1/account/identity"] = substitute
    before = membership_rows(live_server)
    assert await ana.shares.fingerprint("tom") != await tom.shares.fingerprint()
    with pytest.raises(KeyChangedError, match="does not match"):
        await ana.shares.grant(
            "Personal", "tom", fingerprint=await tom.shares.fingerprint(), full=True
        )
    assert "/v1/journals/rotate" not in hostile.paths
    assert membership_rows(live_server) == before
    assert await ana.store.peer(tom.profile.account_id) is None


async def test_a_verify_refused_on_substituted_keys_never_says_they_stay_verified(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server gives other keys for tom to the check of the fingerprint ana typed, and
    his real ones to any later question: "tom's keys stay verified" is decided on the keys
    that check saw, with no second identity request, so the attempt is not told as a typo."""
    ana = await through("ana")
    tom = await signup("tom")
    real = await tom.shares.fingerprint()
    assert await ana.shares.verify("tom", real) is True  # compared in person: verified here
    impostor = keys.AccountSecrets.generate()
    forged = wire.Identity(
        tom.profile.account_id,
        "tom",
        impostor.sign_public_key,
        impostor.box_public_key,
        keys.sign_identity(impostor, tom.profile.account_id, "tom"),
    )
    served: list[bytes] = []

    def once(request: bytes, reply: bytes) -> bytes:  # forged for the first call only
        served.append(reply)
        return wire.encode(forged) if len(served) == 1 else reply

    for check in (ana.shares.verify, ana.shares.verify_replaces):
        served.clear()
        hostile.replies["/v1/account/identity"] = once
        hostile.paths.clear()
        with pytest.raises(KeyChangedError, match="does not match") as caught:
            await check("tom", real)
        assert "stay verified" not in str(caught.value), caught.value
        assert hostile.paths.count("/v1/account/identity") == 1, hostile.paths
        held = await ana.store.peer(tom.profile.account_id)
        assert held is not None and held.verified  # the pin is as it was, still enforced
        assert held.sign_public_key == tom.profile.secrets.sign_public_key

    hostile.replies.clear()  # a real typing slip, the server honest: the pin stays, said
    hostile.paths.clear()
    typed = keys.fingerprint(
        tom.profile.account_id, "tom", impostor.sign_public_key, impostor.box_public_key
    )
    with pytest.raises(KeyChangedError, match="tom's keys stay verified on this device"):
        await ana.shares.verify("tom", typed)
    assert hostile.paths.count("/v1/account/identity") == 1, hostile.paths


@pytest.mark.parametrize("account", ["same account id", "another account id"])
async def test_a_key_substituted_after_pinning_is_refused_even_with_trust_on_first_use(
    account: str,
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.journals.create("Sleep")
    impostor = keys.AccountSecrets.generate()
    account_id = tom.profile.account_id if account == "same account id" else bytes(range(16))
    forged = wire.Identity(
        account_id,
        "tom",
        impostor.sign_public_key,
        impostor.box_public_key,
        keys.sign_identity(impostor, account_id, "tom"),
    )
    hostile.replies["/v1/account/identity"] = lambda request, reply: wire.encode(forged)
    hostile.paths.clear()
    before = membership_rows(live_server)
    refused = "changed since you pinned" if account == "same account id" else "another account"
    with pytest.raises(KeyChangedError, match=refused) as caught:
        await ana.shares.grant("Sleep", "tom", trust_on_first_use=True, full=True)
    # the way on, named (NU43 #9), in no app's commands (NU45 #4): whom to verify
    assert caught.value.username == "tom" and "accept the new keys" in str(caught.value)
    assert "`tj verify tom FINGERPRINT`" in caught.value.said(" (`tj verify tom FINGERPRINT`)")
    assert "/v1/journals/rotate" not in hostile.paths
    assert membership_rows(live_server) == before


# --- (b) envelopes not made by the owner for this journal and member --------------------------


@dataclass
class TwoSharedJournals:
    ana: Client
    tom: Client
    personal: bytes
    sleep: bytes


@pytest.fixture
async def shared_twice(through: Through, signup: ClientFactory) -> TwoSharedJournals:
    """ana shares Personal and Sleep (one entry each) with tom, who uses the hostile server."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.journals.create("Sleep")
    await ana.entries.write("Personal", "Personal entry.")
    await ana.entries.write("Sleep", "Sleep entry.")
    await ana.sync()
    await share_with(ana, tom, "Personal")
    await share_with(ana, tom, "Sleep")
    return TwoSharedJournals(
        ana, tom, await journal_id(ana, "Personal"), await journal_id(ana, "Sleep")
    )


KeysRewrite = Callable[[wire.Journal, dict[bytes, wire.Journal]], list[wire.KeyEnvelope]]


def lie_about_keys(hostile: HostileServer, replace: KeysRewrite) -> None:
    """Each journal's envelopes become replace(journal, listed), wherever a device reads
    envelopes: in the journal list (said to be complete) and from /v1/journals/keys (the
    forged ones of the epochs asked, and nothing else)."""
    forged: dict[bytes, list[wire.KeyEnvelope]] = {}

    def rewrite_list(request: bytes, reply: bytes) -> bytes:
        listed = {j.journal_id: j for j in wire.decode(wire.JournalList, reply).journals}
        forged.update((journal_id, replace(j, listed)) for journal_id, j in listed.items())
        journals = [
            dataclasses.replace(j, keys=forged[j.journal_id], keys_complete=True)
            for j in listed.values()
        ]
        return wire.encode(wire.JournalList(journals))

    def rewrite_keys(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.KeyPageRequest, request)
        keys = [
            key
            for key in forged.get(asked.journal_id, [])
            if asked.from_epoch <= key.epoch <= asked.to_epoch
        ]
        return wire.encode(wire.KeyPage(keys[: asked.limit], len(keys) <= asked.limit))

    hostile.replies["/v1/journals/list"] = rewrite_list
    hostile.replies["/v1/journals/keys"] = rewrite_keys


async def assert_unreadable(tom: Client, unreadable: bytes, report: list[str]) -> None:
    """The journal's name does not open, its records are problems, nothing of it is shown."""
    [journal] = [j for j in await tom.journals.list() if j.id == unreadable.hex()]
    assert journal.name.startswith("ana/(unreadable journal")
    stored = [r.record_id.hex() for r in await tom.problems() if r.journal_id == unreadable]
    assert stored and set(stored) <= problem_ids(report)
    assert all(e.journal_id != unreadable.hex() for e in await tom.entries.list())


async def test_envelopes_swapped_between_journals_are_rejected_by_the_therapist(
    hostile: HostileServer, shared_twice: TwoSharedJournals
) -> None:
    ids = (shared_twice.personal, shared_twice.sleep)
    other = {ids[0]: ids[1], ids[1]: ids[0]}

    def swap(journal: wire.Journal, listed: dict[bytes, wire.Journal]) -> list[wire.KeyEnvelope]:
        if journal.journal_id in other and other[journal.journal_id] in listed:
            return listed[other[journal.journal_id]].keys
        return journal.keys

    lie_about_keys(hostile, swap)
    report = await shared_twice.tom.sync()
    for journal in ids:
        await assert_unreadable(shared_twice.tom, journal, report.problems)
    # per journal: one line, the listed envelope refused (never stored), which names the
    # records refused with it (a line of their own each before: two lines of one cause)
    assert len(report.problems) == 2
    assert len([p for p in report.problems if "refused, never stored" in p]) == 2


async def test_an_envelope_signed_by_someone_else_than_the_owner_is_rejected(
    hostile: HostileServer, shared_twice: TwoSharedJournals
) -> None:
    mallory = keys.AccountSecrets.generate()
    tom = shared_twice.tom

    def forged(journal: wire.Journal, listed: dict[bytes, wire.Journal]) -> list[wire.KeyEnvelope]:
        if journal.journal_id != shared_twice.personal:
            return journal.keys
        terms = keys.ShareTerms(
            shared_twice.ana.profile.account_id,
            tom.profile.account_id,
            tom.username,
            tom.profile.secrets.sign_public_key,
            tom.profile.secrets.box_public_key,
            journal.journal_id,
            "read",
            journal.epoch,
            0,
        )
        envelope = keys.seal_share_envelope(mallory, terms, crypto.new_key())
        return [wire.KeyEnvelope(journal.epoch, envelope)]

    lie_about_keys(hostile, forged)
    report = await tom.sync()
    assert all("invalid signature" in problem for problem in report.problems)
    await assert_unreadable(tom, shared_twice.personal, report.problems)
    assert [e.body for e in await tom.entries.list()] == ["Sleep entry."]


async def test_an_envelope_made_for_another_member_is_rejected(
    hostile: HostileServer,
    shared_twice: TwoSharedJournals,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    ben = await signup("ben")
    await share_with(shared_twice.ana, ben, "Personal")
    [(bens,)] = rows(
        server_db(live_server),
        "SELECT envelope FROM journal_keys WHERE journal_id = ? AND account_id = ?",
        shared_twice.personal,
        ben.profile.account_id,
    )

    def for_ben(journal: wire.Journal, listed: dict[bytes, wire.Journal]) -> list[wire.KeyEnvelope]:
        if journal.journal_id != shared_twice.personal:
            return journal.keys
        return [wire.KeyEnvelope(journal.epoch, bytes(bens))]

    lie_about_keys(hostile, for_ben)
    report = await shared_twice.tom.sync()
    await assert_unreadable(shared_twice.tom, shared_twice.personal, report.problems)
    assert [e.body for e in await shared_twice.tom.entries.list()] == ["Sleep entry."]


# --- (c) records of a journal not shared with the therapist -----------------------------------


async def test_records_of_an_unshared_journal_served_to_the_therapist_are_reported_not_read(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.journals.create("Private")
    await ana.entries.write("Personal", "Shared entry.")
    await ana.entries.write("Private", "Private entry one.")
    await ana.entries.write("Private", "Private entry two.")
    await ana.sync()
    await share_with(ana, tom, "Personal")
    personal, private = await journal_id(ana, "Personal"), await journal_id(ana, "Private")
    query = "SELECT seq, record_id, epoch, ciphertext FROM records WHERE journal_id = ?"
    # Relabelled with the epoch tom holds a key for (records from before his share are
    # ignored without a word: he never holds their keys, whatever journal they come from).
    leaked = [
        wire.StoredRecord(seq, bytes(record_id), 1, bytes(ciphertext))
        for seq, record_id, epoch, ciphertext in rows(server_db(live_server), query, private)
    ]

    def inject(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[*page.records, *leaked])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        unshared_page = wire.JournalPage(private, leaked, leaked[-1].seq, leaked[-1].seq, 1)
        return wire.encode(wire.SyncReply([*pages, unshared_page], real.done))

    hostile.replies["/v1/sync"] = inject
    report = await tom.sync()
    assert problem_ids(report.problems) == {r.record_id.hex() for r in leaked}
    assert [e.body for e in await tom.entries.list()] == ["Shared entry."]
    assert {j.name for j in await tom.journals.list()} == {"Personal", "ana/Personal"}
    assert (await tom.sync()).problems == []  # reported once, then remembered


# --- (d) a revoked therapist the server keeps serving -----------------------------------------


async def test_a_revoked_therapist_the_server_keeps_serving_cannot_read_later_records(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before the end.")
    await ana.sync()
    await share_with(ana, tom, "Personal")
    personal = await journal_id(ana, "Personal")
    remembered: list[bytes] = []

    def remember(request: bytes, reply: bytes) -> bytes:
        remembered.append(reply)
        return reply

    hostile.replies["/v1/journals/list"] = remember
    await tom.sync()
    assert [e.body for e in await tom.entries.list()] == ["Before the end."]

    await ana.shares.revoke("Personal", "tom")
    await ana.entries.write("Personal", SECRET)
    await ana.notes.add("Personal", SECRET)
    await ana.sync()

    def replay(request: bytes, reply: bytes) -> bytes:
        """The pre-revocation list, with tom's old envelope offered for the new epoch too."""
        old = wire.decode(wire.JournalList, remembered[-1])
        journals = [
            dataclasses.replace(j, keys=[*j.keys, wire.KeyEnvelope(2, j.keys[0].envelope)])
            if j.journal_id == personal
            else j
            for j in old.journals
        ]
        return wire.encode(wire.JournalList(journals))

    cursor: list[int] = []

    def without_revoked(request: bytes) -> bytes:
        asked = wire.decode(wire.SyncRequest, request)
        cursor[:] = [c.after for c in asked.cursors if c.journal_id == personal]
        kept = [c for c in asked.cursors if c.journal_id != personal]
        return wire.encode(wire.SyncRequest(kept, asked.limit))

    def keep_serving(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        query = (
            "SELECT seq, record_id, epoch, ciphertext FROM records WHERE journal_id = ? AND seq > ?"
        )
        later = [
            wire.StoredRecord(seq, bytes(record_id), epoch, bytes(ciphertext))
            for seq, record_id, epoch, ciphertext in rows(
                server_db(live_server), query, personal, cursor[0] if cursor else 0
            )
        ]
        head = later[-1].seq if later else (cursor[0] if cursor else 0)
        [(version,)] = rows(
            server_db(live_server),
            "SELECT meta_version FROM journals WHERE journal_id = ?",
            personal,
        )  # raised by the rotation: the therapist's client re-fetches the (replayed) list
        page = wire.JournalPage(personal, later, head, head, version)
        return wire.encode(wire.SyncReply([*real.pages, page], real.done))

    hostile.replies["/v1/journals/list"] = replay
    hostile.requests["/v1/sync"] = without_revoked
    hostile.replies["/v1/sync"] = keep_serving
    report = await tom.sync()

    # the two records, refused the same way in one journal, share one line (R9B finding 3);
    # the old envelope offered for the new epoch is refused, never stored: no key opens them
    assert report.refused == 2 and len(problem_ids(report.problems)) == 2
    records, offered = report.problems
    assert "holds no key for epoch 2" in records, records
    assert "invalid signature" in offered and "refused, never stored" in offered, offered
    assert "ana/Personal" in {j.name for j in await tom.journals.list()}  # still believes it shared
    assert [e.body for e in await tom.entries.list()] == ["Before the end."]
    assert all(SECRET not in n.text for n in await tom.notes.list())
    stolen = copy_of_server_db(live_server, tmp_path)
    later_records = [r for r in stolen_records(stolen) if r.epoch == 2]
    assert len(later_records) == 2
    held = therapist_keys(tom)
    assert [plaintexts_openable_with(r, held) for r in later_records] == [[], []]


async def test_a_rotation_from_the_owners_other_device_seals_to_the_confirmed_member_keys(
    hostile: HostileServer, live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The owner's phone never confirmed bob's fingerprint itself; the server lies about bob's
    keys to it. The phone still seals the rotated key to the keys the laptop confirmed."""
    laptop = await signup("ana")
    tom, bob = await signup("tom"), await signup("bob")
    await share_with(laptop, tom)
    await share_with(laptop, bob)
    impostor = keys.AccountSecrets.generate()
    bob_id = bob.profile.account_id

    def fake_identity(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.Identity, reply)
        if real.account_id != bob_id:
            return reply
        signature = keys.sign_identity(impostor, bob_id, "bob")
        return wire.encode(
            wire.Identity(
                bob_id, "bob", impostor.sign_public_key, impostor.box_public_key, signature
            )
        )

    hostile.replies["/v1/account/identity-by-id"] = fake_identity
    hostile.replies["/v1/account/identity"] = fake_identity
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone-via-proxy",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await phone.sync()
        await phone.shares.revoke("Personal", "tom")
        await phone.entries.write("Personal", "Written after tom left.")
        await phone.sync()
    finally:
        await phone.close()
    await bob.sync()
    assert "Written after tom left." in [e.body for e in await bob.entries.list()]
