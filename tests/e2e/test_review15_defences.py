"""Review 15: attacks on the unverified-owner hold-back and on the paged key walk, against a
real server on 127.0.0.1 with real crypto (a rewriting proxy plays the hostile server).

Each test is an attack that worked on main at 1dfe2e6 (R15-FINDINGS.md) and fails since the
weakness is fixed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nacl.utils
import pytest

from client_sdk import INSECURE_TEST_COST, Client, WithheldRecordsError, hold_back, wire
from client_sdk import replica as replica_module
from client_sdk.replica import UNVERIFIED_SHARE_BYTES
from tests.client.hostile import HostileServer, Through, hostile, through
from tests.client.sharing_support import journal_id
from tests.conftest import PASSWORD, ClientFactory

__all__ = ["hostile", "through"]  # fixtures of the hostile-server tests

ENTRY_TEXT_BYTES = 100_000  # hex of 50 KB of random bytes (zlib halves it: uncompressed_records)


def home_bytes(client: Client) -> int:
    return sum(f.stat().st_size for f in client.home.rglob("*") if f.is_file())


def big_text() -> str:
    return nacl.utils.random(ENTRY_TEXT_BYTES // 2).hex()


async def kept_for_unverified(client: Client) -> int:
    """Bytes of document state the device keeps for journals of owners it never verified."""
    replica = client.context.replica
    total = 0
    for journal in await replica.store.journals():
        if not replica.owner_verified(journal):
            total += await replica.store.journal_bytes(journal.journal_id)
    return total


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_a_stranger_cannot_bypass_the_unverified_bound_with_several_journals(
    signup: ClientFactory,
) -> None:
    """A stranger (no fingerprint ever compared) shares three journals of 400 KB each, each
    under the 512 KiB bound, with the victim. The bound exists so that an unverified owner
    cannot fill a member's device (R9B finding 6); it must hold for the owner, not per
    journal (an account may own 1,000 journals: 500 MB)."""
    vera = await signup("vera")
    stranger = await signup("stranger")
    await vera.sync()
    before = home_bytes(vera)
    names = ("Personal", "Spam A", "Spam B")
    for name in names:
        if name != "Personal":
            await stranger.journals.create(name)
        await stranger.shares.grant(name, "vera", trust_on_first_use=True, full=True)
    for name in names:  # written after the share: records the member keeps
        for n in range(4):
            await stranger.entries.write(name, big_text(), title=f"{name} {n}")
    await stranger.sync()
    report = await vera.sync()
    kept = await kept_for_unverified(vera)
    grown = home_bytes(vera) - before
    assert kept < UNVERIFIED_SHARE_BYTES + 2 * ENTRY_TEXT_BYTES, (
        f"one unverified stranger's three journals put {kept} bytes of document state "
        f"({grown} bytes of files) on the victim's device; held back: {report.held_back}"
    )
    assert report.held_back


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_several_unverified_owners_cannot_each_fill_their_own_bound(
    signup: ClientFactory,
) -> None:
    """The server can invent accounts (protocol.md's attack table: "Invent an account and a
    journal"), so a bound per unverified owner is not enough either: three strangers share
    one 400 KB journal each; the device keeps 1.2 MB of unverified state, held back
    nowhere."""
    vera = await signup("vera")
    await vera.sync()
    for who in ("mallory", "trudy", "oscar"):
        stranger = await signup(who)
        await stranger.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
        for n in range(4):  # written after the share: records the member keeps
            await stranger.entries.write("Personal", big_text(), title=f"{who} {n}")
        await stranger.sync()
    report = await vera.sync()
    kept = await kept_for_unverified(vera)
    assert kept < UNVERIFIED_SHARE_BYTES + 2 * ENTRY_TEXT_BYTES, (
        f"three unverified owners put {kept} bytes of document state on the victim's "
        f"device; held back: {report.held_back}"
    )
    assert report.held_back


ENTRIES = 10


async def _held_back_share(signup: ClientFactory, through: Through) -> tuple[Client, bytes]:
    """vera (through the hostile proxy) holds back the 1 MB journal of an owner she never
    verified; her first sync said so."""
    vera = await through("vera")
    owner = await signup("owner")
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    for n in range(ENTRIES):  # written after the share: records the member keeps
        await owner.entries.write("Personal", big_text(), title=f"e{n}")
    await owner.sync()
    shared = await journal_id(owner, "Personal")
    store = vera.context.replica.store
    # The bound counts what was received, kept or not, over every sync (R15 finding O2): the
    # first sync reaches it, and the device keeps that count.
    report = await vera.sync()
    hold = hold_back.decode(await store.setting(hold_back.SETTING))
    assert hold.downloaded[shared] >= UNVERIFIED_SHARE_BYTES
    assert len(report.held_back) == 1, report
    assert len(await vera.entries.list("owner/Personal")) < ENTRIES
    return vera, shared


async def test_a_held_back_journal_left_out_of_the_reply_is_not_reported_complete(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The device cut the journal at the bound itself (it had the next records in hand).
    At the next sync the server leaves the journal's page out of a `done` reply, which
    protocol.md /v1/sync forbids. The device then reports nothing: no held-back notice, no
    incomplete pull, no withheld record, and a strict sync passes, although this device
    knows it stopped short of records it was shown."""
    vera, shared = await _held_back_share(signup, through)

    def without_shared(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [p for p in real.pages if p.journal_id != shared]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/sync"] = without_shared
    report = await vera.sync()
    assert report.held_back or report.incomplete, (
        "the held-back journal was left out of the reply and the sync reported nothing: "
        f"held_back={report.held_back} incomplete={report.incomplete} "
        f"withheld={report.withheld}"
    )


async def test_a_held_back_journal_cannot_be_made_to_look_complete_by_a_lowered_head(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """Same set-up; at the next sync the server answers the held journal's page with its
    head lowered to the device's cursor (the records the device was shown and cut are
    "gone", though no rollback is reported). The device reports a clean sync. After the
    member verifies the owner, the same lie keeps the rest of the journal away for good
    with no report (the attack table's "keep a held-back journal short after the member
    verified its owner")."""
    vera, shared = await _held_back_share(signup, through)
    cut = next(
        j.cursor for j in await vera.context.replica.store.journals() if j.journal_id == shared
    )

    def head_at_cursor(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, head=cut, cursor=max(p.cursor, cut), records=[])
            if p.journal_id == shared
            else p
            for p in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/sync"] = head_at_cursor
    report = await vera.sync()
    assert report.held_back or report.incomplete or report.problems, (
        "the server lowered the held-back journal's head to the device's cursor and the "
        f"sync reported nothing: held_back={report.held_back} "
        f"incomplete={report.incomplete} problems={report.problems}"
    )


FED_PAGES = 40  # the proxy stops feeding after this many pages, so the test itself ends


async def test_a_server_cannot_feed_an_access_chain_walk_without_end(
    hostile: HostileServer, through: Through
) -> None:
    """A server alone lists the victim's own journal with `chain_length` 10^9 and answers
    every /v1/journals/access with 1,000 made-up entries. The device asks again and again
    (a million requests at 1,000 entries each), keeping every unverified entry in memory
    (up to 4 MB a reply) until the claimed length is reached; nothing is verified before.
    Expected: entries are verified as they arrive (junk refused at the first page), or the
    walk is bounded, and the journal is reported as a problem."""
    victim = await through("vera")
    await victim.sync()
    fed = 0

    def long_chain(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        journals = [dataclasses.replace(j, chain_length=10**9) for j in real.journals]
        return wire.encode(dataclasses.replace(real, journals=journals))

    def junk_entries(request: bytes, reply: bytes) -> bytes:
        nonlocal fed
        asked = wire.decode(wire.AccessRequest, request)
        if fed >= FED_PAGES:
            return wire.encode(wire.AccessReply([]))
        fed += 1
        junk = [nacl.utils.random(64) for _ in range(wire.MAX_CHAIN_PAGE)]
        return wire.encode(
            wire.AccessReply([wire.AccessChain(c.journal_id, 10**9, junk) for c in asked.cursors])
        )

    hostile.replies["/v1/journals/list"] = long_chain
    hostile.replies["/v1/journals/access"] = junk_entries
    before = hostile.paths.count("/v1/journals/access")
    await victim.context.replica.refresh_journals()
    asked = hostile.paths.count("/v1/journals/access") - before
    assert asked <= 5, (
        f"the device asked for {asked} pages of an access chain the server said is 10^9 "
        f"entries long (it stopped only because the test's server stopped feeding after "
        f"{FED_PAGES} pages of junk)"
    )
    assert victim.context.replica.chains.problems()


async def test_a_done_reply_naming_a_next_journal_cannot_leave_the_later_journals_out(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """protocol.md /v1/sync: `done` is true only when `next_journal` is empty, and a journal
    named in the request and absent from a `done` reply is an incomplete pull (attack table:
    "say done but leave one journal out of the reply"). The server answers `done` = true
    with `next_journal` set to the first journal's id and only that journal's page: the
    phone reports a clean, strict-passing sync while the laptop's new entry in the other
    journal never arrives."""
    laptop = await signup("ana")
    await laptop.journals.create("Second")
    await laptop.entries.write("Personal", "one")
    await laptop.entries.write("Second", "two")
    await laptop.sync()
    ids = sorted([await journal_id(laptop, "Personal"), await journal_id(laptop, "Second")])
    later = await laptop.journals.get(ids[1].hex())
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await phone.sync(strict=True)
        await laptop.entries.write(later.name, "written on the laptop, never delivered")
        await laptop.sync()

        def first_journal_only(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.SyncReply, reply)
            pages = [p for p in real.pages if p.journal_id == ids[0]]
            return wire.encode(wire.SyncReply(pages, True, ids[0]))

        hostile.replies["/v1/sync"] = first_journal_only
        report = await phone.sync()
        bodies = sorted(e.body for e in await phone.entries.list(later.name))
        assert report.incomplete, (
            f"journal {later.name!r} was left out of a 'done' reply that named a next "
            f"journal, and the sync reported nothing; the phone holds {bodies}"
        )
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
    finally:
        await phone.close()


JUNK_REPLIES = 100  # the proxy turns honest after this many replies, so the test itself ends


async def test_made_up_records_under_an_epoch_before_the_share_are_no_progress(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The junk-record defence (review 2, finding 3: records that do not verify are no
    progress, 3 such replies end the pull) has a hole for members: a record under an epoch
    before the member's share is passed over without being opened and counted as progress.
    A server that holds no key answers every /v1/sync of a member with `done` false, a
    head of 10^15 and one made-up record under epoch 0 in the shared journal: the pull goes
    on until the budget (2,000 + 8 replies)."""
    vera = await through("vera")
    owner = await signup("owner")
    await owner.entries.write("Personal", "before the share")
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    await owner.sync()
    await vera.sync()
    shared = await journal_id(owner, "Personal")
    fed = 0

    def feed(request: bytes, real: bytes) -> bytes:
        nonlocal fed
        if fed >= JUNK_REPLIES:
            return real
        fed += 1
        asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
        honest = wire.decode(wire.SyncReply, real)
        pages = []
        for page in honest.pages:
            if page.journal_id != shared:
                pages.append(page)
                continue
            seq = max(asked.get(shared, 0), page.head) + 1
            junk = wire.StoredRecord(seq, nacl.utils.random(16), 0, nacl.utils.random(120))
            pages.append(wire.JournalPage(shared, [junk], seq, 10**15, page.meta_version))
        return wire.encode(wire.SyncReply(pages, False))

    hostile.replies["/v1/sync"] = feed
    before = hostile.paths.count("/v1/sync")
    report = await vera.sync()
    asked = hostile.paths.count("/v1/sync") - before
    assert asked <= 20, (
        f"one sync of the member sent {asked} /v1/sync requests while the server fed {fed} "
        f"made-up records under epoch 0 (incomplete: {report.incomplete[:1]})"
    )


# --- the whole kind of each attack, and the honest cases the defences must leave alone ------


async def test_a_verified_owners_big_journal_leaves_the_unverified_budget_alone(
    signup: ClientFactory,
) -> None:
    """R15-1: the one budget counts unverified owners' journals only. A verified owner's
    1 MB journal is neither bounded nor counted: a small share of a stranger still arrives
    whole, with no notice."""
    vera = await signup("vera")
    friend = await signup("friend")
    stranger = await signup("stranger")
    await friend.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    await vera.shares.verify("friend", await friend.shares.fingerprint())
    for n in range(ENTRIES):
        await friend.entries.write("Personal", big_text(), title=f"f{n}")
    await friend.sync()
    await stranger.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    for n in range(3):
        await stranger.entries.write("Personal", f"entry {n} " * 100, title=f"s{n}")
    await stranger.sync()
    report = await vera.sync(strict=True)
    assert not report.held_back and not report.incomplete, report
    assert len(await vera.entries.list("friend/Personal")) == ENTRIES
    assert len(await vera.entries.list("stranger/Personal")) == 3


async def test_a_lowered_head_after_the_owner_is_verified_is_an_incomplete_pull(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """R15-2, after verification: the device remembers the head announced while it held the
    journal back; once the member verified the owner, a server answering the journal's page
    with its head lowered to the device's cursor (and `done`) keeps the rest away, and every
    sync says so (the attack table's "keep a held-back journal short after the member
    verified its owner")."""
    vera, shared = await _held_back_share(signup, through)
    await vera.shares.verify("owner", await vera.shares.fingerprint("owner"))
    cut = next(
        j.cursor for j in await vera.context.replica.store.journals() if j.journal_id == shared
    )

    def head_at_cursor(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, head=cut, cursor=cut, records=[])
            if p.journal_id == shared
            else p
            for p in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages, done=True))

    hostile.replies["/v1/sync"] = head_at_cursor
    for _ in range(2):  # every sync, not once
        report = await vera.sync()
        assert not report.held_back, report.held_back  # verified: not the member's bound
        assert report.incomplete, "a head lowered below the one announced went unreported"
        with pytest.raises(WithheldRecordsError):
            await vera.sync(strict=True)
    assert len(await vera.entries.list("owner/Personal")) < ENTRIES
    del hostile.replies["/v1/sync"]
    report = await vera.sync(strict=True)  # the server serves the truth again: all of it
    assert not report.incomplete and not report.held_back
    assert len(await vera.entries.list("owner/Personal")) == ENTRIES
    assert not (await vera.sync(strict=True)).incomplete


async def test_an_owner_verified_by_another_process_is_seen_by_a_running_client(
    signup: ClientFactory,
) -> None:
    """R15 observation 1: a long-running client (`tj sync --watch`, an app) holding a
    journal back sees the owner verified from another process (`tj verify`) at its next
    sync: it downloads the rest and stops saying the owner is unverified. (The verification
    writes the store, so `Store.version` changes and the next sync is not quiet: it reads
    the pinned peers again.)"""
    vera = await signup("vera")
    owner = await signup("owner")
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    for n in range(ENTRIES):
        await owner.entries.write("Personal", big_text(), title=f"e{n}")
    await owner.sync()
    for _ in range(4):
        report = await vera.sync()
    assert report.held_back
    other = await Client.open(vera.home)  # another process on the same device
    try:
        await other.shares.verify("owner", await owner.shares.fingerprint())
    finally:
        await other.close()
    report = await vera.sync(strict=True)
    assert not report.held_back and not report.incomplete, report
    assert len(await vera.entries.list("owner/Personal")) == ENTRIES


async def test_junk_access_chain_entries_are_refused_at_the_first_reply(
    hostile: HostileServer, through: Through
) -> None:
    """R15-3 with a believable length (5,000 entries, under the device's maximum): the
    made-up entries of the first reply are verified as they arrive and refused; the walk
    asks nothing more, keeps nothing, and the journal gets a problem."""
    victim = await through("vera")
    await victim.sync()
    chains = victim.context.replica.chains
    lengths = {j: s.length for j, s in chains.states().items()}

    def long_chain(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        journals = [dataclasses.replace(j, chain_length=5000) for j in real.journals]
        return wire.encode(dataclasses.replace(real, journals=journals))

    def junk_entries(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.AccessRequest, request)
        junk = [nacl.utils.random(64) for _ in range(wire.MAX_CHAIN_PAGE)]
        return wire.encode(
            wire.AccessReply([wire.AccessChain(c.journal_id, 5000, junk) for c in asked.cursors])
        )

    hostile.replies["/v1/journals/list"] = long_chain
    hostile.replies["/v1/journals/access"] = junk_entries
    before = hostile.paths.count("/v1/journals/access")
    await victim.context.replica.refresh_journals()
    assert hostile.paths.count("/v1/journals/access") - before == 1
    assert set(chains.problems()) == set(lengths)
    assert {j: s.length for j, s in chains.states().items()} == lengths


async def test_a_trickled_access_chain_walk_is_bounded_and_goes_on_at_the_next_refresh(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """R15-3: a server serving one true entry a reply gets the replies an honest server
    needs (ceil(entries / 1000) + 2) and no more; the entries verified meanwhile are kept,
    so the walk goes on from them at the next refresh and ends once the server serves the
    rest."""
    ana = await signup("ana")
    for who in ("mem1", "mem2", "mem3"):
        await signup(who)
        await ana.shares.grant("Personal", who, trust_on_first_use=True, full=True)
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    length = ana.context.replica.chains.current(shared).length
    assert length > 6

    def one_entry(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.AccessReply, reply)
        chains = [dataclasses.replace(c, entries=c.entries[:1]) for c in real.chains]
        return wire.encode(wire.AccessReply(chains))

    hostile.replies["/v1/journals/access"] = one_entry
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        chains = phone.context.replica.chains
        asked = hostile.paths.count("/v1/journals/access")
        assert asked <= 3, f"{asked} replies for a chain of {length} entries"
        assert chains.problem(shared) is not None
        kept = chains.state(shared)
        assert kept is not None and kept.length == asked
        before = hostile.paths.count("/v1/journals/access")
        await phone.context.replica.refresh_journals()
        assert hostile.paths.count("/v1/journals/access") - before <= 3
        state = chains.state(shared)
        assert state is not None and state.length > kept.length
        del hostile.replies["/v1/journals/access"]
        await phone.context.replica.refresh_journals()
        assert chains.problem(shared) is None
        assert chains.current(shared).length == length
    finally:
        await phone.close()


async def test_a_member_pulls_a_long_history_from_before_its_share_whole(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R15-5, the honest case: records from before a member's share (which it holds no key
    for) are no progress in a reply that is not full, but an honest server's replies of such
    history are full (here: 2 records a reply, the device asking for 2), so a history of many
    replies is pulled through, not reported as a stalled pull."""
    monkeypatch.setattr(replica_module, "PULL_PAGE", 2)
    vera = await signup("vera")
    owner = await signup("owner")
    await owner.shares.verify("vera", await vera.shares.fingerprint())
    for n in range(12):  # 12 records before the share: 6 replies of history no key opens
        await owner.entries.write("Personal", f"before the share {n}", title=f"e{n}")
    await owner.sync()
    await owner.shares.grant("Personal", "vera", full=True)
    await owner.sync()
    report = await vera.sync(strict=True)
    assert not report.incomplete and not report.held_back, report
    assert len(await vera.entries.list("owner/Personal")) == 12


async def test_a_chain_walk_over_several_journals_goes_on_past_a_reply_budget_spent_on_others(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """R15-3, the honest case the bound must leave alone: a reply's entry budget is shared by
    the journals asked (protocol.md /v1/journals/access), so a journal that got no entry in
    one reply, because the others took the budget, is asked again, not reported short. The
    proxy plays a server with a budget of 3 entries a reply."""
    ana = await signup("ana")
    await ana.journals.create("Second")
    for who in ("mem1", "mem2"):
        await signup(who)
        await ana.shares.grant("Personal", who, trust_on_first_use=True, full=True)
    await ana.sync()
    ids = [await journal_id(ana, name) for name in ("Personal", "Second")]
    lengths = {j: ana.context.replica.chains.current(j).length for j in ids}

    def budget_of_three(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.AccessReply, reply)
        left, chains = 3, []
        for chain in real.chains:
            chains.append(dataclasses.replace(chain, entries=chain.entries[:left]))
            left -= len(chains[-1].entries)
        return wire.encode(wire.AccessReply(chains))

    hostile.replies["/v1/journals/access"] = budget_of_three
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        chains = phone.context.replica.chains
        assert sum(lengths.values()) > 3  # more than one reply's budget
        assert not chains.problems(), chains.problems()
        assert {j: chains.current(j).length for j in ids} == lengths
    finally:
        await phone.close()
