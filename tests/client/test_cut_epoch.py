"""A share's cut names, in its signed body, the epoch of the share it belongs to when it is
sealed again across a later share (protocol.md 4.15, 4.18 "Cuts").

tests/client/test_rc_f4_cuts.py holds the honest history this fixes (a cut still waiting
in the outbox at the next share, taken by the member who joined at its own share). Here:
the field is what the re-sealed cut carries; only the journal's owner may write it; an
epoch the verified chain does not show starting a share at or before the record's own is
refused; and a cut so named is taken by no member whose membership began before its share,
so a server that keeps a record from such a member still shows it withheld.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, crypto, records, wire
from client_sdk import withholding as counting
from client_sdk.errors import RateLimited, TJError
from tests.client.hostile import HostileServer, Through, refuse_pushes, serving
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_r34_attacks import reply_lost
from tests.client.test_r43_race import quiet_phone, race, settle
from tests.client.test_rev_complete_findings import record_ids, withhold
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def cuts_stored(
    owner: Client, live_server: RunningServer, journal: bytes
) -> list[tuple[int, records.RecordBody]]:
    """(epoch sealed under, body) of every share's cut the server holds in `journal`,
    opened with the owner's keys."""
    local = await owner.context.local_journal("Personal")
    found = []
    for record_id, epoch, ciphertext in rows(
        server_db(live_server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE journal_id = ? ORDER BY seq",
        journal,
    ):
        body = records.open_record(
            await owner.replica.journal_key(local, epoch),
            journal,
            bytes(record_id),
            epoch,
            bytes(ciphertext),
            lambda _: owner.profile.secrets.sign_public_key,
        )
        if body.kind == records.VOID and counting.is_cut(
            body.author, body.device, body.counter, body.covers
        ):
            found.append((epoch, body))
    return found


@pytest.fixture
async def second_proxy(
    live_server: RunningServer, tmp_path: Path
) -> AsyncIterator[tuple[HostileServer, Callable[[str], Awaitable[Client]]]]:
    """Another hostile server in front of the same real one, for one member's device alone."""
    async with serving(HostileServer(live_server.url)) as proxy:
        clients: list[Client] = []

        async def make(username: str) -> Client:
            client = await Client.signup(
                proxy.url,
                username,
                PASSWORD,
                home=tmp_path / f"{username}-via-second-proxy",
                kdf_cost=INSECURE_TEST_COST,
            )
            clients.append(client)
            return client

        yield proxy, make
        for client in clients:
            await client.close()


async def test_a_cut_sealed_again_across_a_later_share_names_its_own_share(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """Both shares' records wait (over the write rate); pushed under joan's epoch, tom's cut
    names tom's epoch in its signed body, joan's own cuts name none (the epoch they are sealed
    under says it), and neither member is told anything."""
    ana = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "one")
    await ana.entries.delete((await ana.entries.write("Personal", "trashed")).id)
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    armed = refuse_pushes(hostile)
    with pytest.raises(RateLimited):
        await share_with(ana, tom, role="annotate")
    with pytest.raises(RateLimited):
        await share_with(ana, joan, role="annotate")
    armed[0] = False
    await ana.sync(strict=True)
    state = ana.replica.chains.current(journal)
    toms, joans = state.cuts[-2], state.cuts[-1]
    stored = await cuts_stored(ana, live_server, journal)
    # tom's cut, then joan's (and the cut of the outbox records sealed again across it)
    assert [(epoch, body.cut_epoch) for epoch, body in stored][:2] == [(joans, toms), (joans, None)]
    assert all((epoch, body.cut_epoch) == (joans, None) for epoch, body in stored[1:])
    for member in (tom, joan):
        report = await member.sync(strict=True)
        assert (report.withheld, report.problems) == ([], [])
        assert [e.body for e in await member.entries.list("ana/Personal")] == ["one"]


async def test_a_member_from_before_the_named_share_does_not_take_its_cut(
    signup: ClientFactory,
    through: Through,
    hostile: HostileServer,
    live_server: RunningServer,
    second_proxy: tuple[HostileServer, Callable[[str], Awaitable[Client]]],
) -> None:
    """mia is shared with first; the server keeps ana's trash from mia's device; tom's and
    joan's shares wait over the write rate and are pushed under joan's epoch, tom's cut
    naming tom's epoch. That cut covers the trash for tom and joan, who never receive it,
    but not for mia, whose membership began before tom's share: she is owed the trash and
    it is reported withheld at every sync (a named epoch lets the server make no earlier
    member take a cut)."""
    proxy, via_proxy = second_proxy
    ana = await through("ana")
    mia = await via_proxy("mia")
    tom, joan = await signup("tom"), await signup("joan")
    first = await ana.entries.write("Personal", "one")
    await ana.entries.write("Personal", "two")
    await ana.sync(strict=True)
    await share_with(ana, mia)
    await mia.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    before = set(record_ids(live_server, journal))
    await ana.entries.delete(first.id)
    await ana.sync(strict=True)
    trash = set(record_ids(live_server, journal)) - before
    assert len(trash) == 1
    withhold(proxy, trash)  # from mia's device only

    armed = refuse_pushes(hostile)
    with pytest.raises(RateLimited):
        await share_with(ana, tom, role="annotate")
    with pytest.raises(RateLimited):
        await share_with(ana, joan, role="annotate")
    armed[0] = False
    await ana.sync(strict=True)
    state = ana.replica.chains.current(journal)
    named = [body.cut_epoch for _, body in await cuts_stored(ana, live_server, journal)]
    # mia's, pushed under her own share's epoch; tom's, pushed under joan's; joan's (and the
    # cut of the outbox records sealed again across it)
    assert named[:2] == [None, state.cuts[-2]] and set(named[2:]) == {None}
    for member in (tom, joan):
        report = await member.sync(strict=True)
        assert (report.withheld, report.problems) == ([], [])
        assert [e.body for e in await member.entries.list("ana/Personal")] == ["two"]
    owner, laptop = ana.profile.account_id, ana.profile.device_id
    for _ in range(2):
        report = await mia.sync()
        assert [(g.journal_id, g.author, g.device, g.count()) for g in report.withheld] == [
            (journal, owner, laptop, 1)
        ]


async def test_a_members_record_naming_a_cut_epoch_is_refused(signup: ClientFactory) -> None:
    """Only the owner's devices write cuts: a member's `void` covering its own counter and
    naming the share's epoch is refused on the owner's devices (a problem, counted for
    nothing), whatever epoch it names."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "one")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    local = await tom.context.local_journal(journal.hex())
    key = await tom.replica.journal_key(local, local.epoch)
    me, device = tom.profile.account_id, tom.profile.device_id
    forged = records.RecordBody(
        me,
        device,
        1,
        records.NO_DOCUMENT,
        "",
        records.VOID,
        b"",
        1,
        covers=(counting.Cover(me, device, ((1, 1),)),),
        cut_epoch=local.epoch,
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    ciphertext = records.seal_record(
        key, journal, record_id, local.epoch, forged, tom.profile.secrets.signing_key
    )
    upload = wire.RecordUpload(record_id, local.epoch, ciphertext)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(journal, [upload]), wire.PushReply
    )
    report = await ana.sync()
    assert [p for p in report.problems if record_id.hex() in p and "only the journal's owner" in p]
    assert report.withheld == []


async def test_a_cut_naming_an_epoch_that_started_no_share_or_a_later_one_is_refused(
    signup: ClientFactory,
) -> None:
    """Owner-signed cuts (as a faulty client of the owner could write; the server can sign
    none) sealed under the current epoch, after a revocation's rotation: naming that
    rotation's epoch (no share started there), or an epoch past the one it is sealed under,
    is refused on a member's device; naming tom's own share's epoch is taken."""
    ana = await signup("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "one")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await share_with(ana, joan)
    await ana.shares.revoke("Personal", "joan")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    state = ana.replica.chains.current(journal)
    local = await ana.context.local_journal("Personal")
    assert state.epoch == local.epoch and state.epoch not in state.cuts
    key = await ana.replica.journal_key(local, local.epoch)
    owner = ana.profile.account_id
    sealed: dict[int, bytes] = {}
    uploads = []
    for named in (state.epoch, state.epoch + 1, state.cuts[-2]):
        device = crypto.random_bytes(16)  # a device of ana's that wrote nothing else
        body = records.RecordBody(
            owner,
            device,
            1,
            records.NO_DOCUMENT,
            "",
            records.VOID,
            b"",
            1,
            covers=(counting.Cover(owner, device, ((1, 1),)),),
            cut_epoch=named,
        )
        record_id = crypto.random_bytes(wire.ID_BYTES)
        sealed[named] = record_id
        ciphertext = records.seal_record(
            key, journal, record_id, local.epoch, body, ana.profile.secrets.signing_key
        )
        uploads.append(wire.RecordUpload(record_id, local.epoch, ciphertext))
    await ana.transport.call("/v1/records/push", wire.PushRequest(journal, uploads), wire.PushReply)
    report = await tom.sync()
    refused = {
        named
        for named, record_id in sealed.items()
        for p in report.problems
        if record_id.hex() in p
    }
    assert refused == {state.epoch, state.epoch + 1}
    assert all("does not show starting a share" in p for p in report.problems)
    assert report.withheld == []


async def test_a_cut_stored_with_its_reply_lost_then_named_across_a_share_is_delivered(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
    live_server: RunningServer,
) -> None:
    """ana's share with tom reaches the server, the reply does not; her laptop shares with
    joan meanwhile. At ana's next sync the server (slow, or on purpose) leaves tom's cut out
    of the pull that follows her refused push, so her outbox's cut is sealed again under
    joan's epoch, now naming tom's (another body than the one stored), and its push gets
    `record_conflict`. The stored sealing is the same cut (the epoch it is sealed under
    names the same share): delivered, as any own record stored with its reply lost, not
    set aside as refused for good."""
    ana = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    laptop = await login("ana", "laptop")
    await ana.entries.write("Personal", "one")
    await ana.entries.delete((await ana.entries.write("Personal", "trashed")).id)
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    hostile.replies["/v1/records/push"] = reply_lost
    with pytest.raises(TJError):
        await share_with(ana, tom, role="annotate")
    del hostile.replies["/v1/records/push"]
    [(toms, cut)] = [(epoch, body) for epoch, body in await cuts_stored(ana, live_server, journal)]
    assert cut.cut_epoch is None
    [(cut_id, cut_seq)] = [
        (bytes(r), seq)
        for (r, seq) in rows(
            server_db(live_server),
            "SELECT record_id, seq FROM records WHERE journal_id = ? AND epoch = ? "
            "ORDER BY seq DESC LIMIT 1",
            journal,
            toms,
        )
    ]
    await laptop.sync(strict=True)
    await share_with(laptop, joan, role="annotate")
    left_out = [True]

    def once(request: bytes, reply: bytes) -> bytes:
        """The first pull stops just before the cut, as if it were the journal's head."""
        if not left_out[0]:
            return reply
        left_out[0] = False
        got = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(
                p,
                records=[r for r in p.records if r.seq < cut_seq],
                cursor=min(p.cursor, cut_seq - 1),
                head=min(p.head, cut_seq - 1),
            )
            if p.journal_id == journal
            else p
            for p in got.pages
        ]
        return wire.encode(wire.SyncReply(pages, got.done, got.next_journal))

    hostile.replies["/v1/sync"] = once
    pushed: list[bytes] = []
    hostile.requests["/v1/records/push"] = lambda body: pushed.append(body) or body
    report = await ana.sync()
    assert not left_out[0]
    resent = [
        upload
        for body in pushed
        for upload in wire.decode(wire.PushRequest, body).records
        if upload.record_id == cut_id
    ]
    assert any(upload.epoch > toms for upload in resent)  # sealed again under joan's epoch
    assert report.set_aside == [] and await ana.set_aside() == []
    assert (report.withheld, report.problems) == ([], [])
    for device in (laptop, ana, tom, joan, tom):
        report = await device.sync(strict=True)
        assert (report.withheld, report.problems) == ([], [])
    for member in (tom, joan):
        assert [e.body for e in await member.entries.list("ana/Personal")] == ["one"]


@pytest.mark.xfail(
    strict=True,
    reason="known limit (protocol.md 4.19 'Late records'): a late record carried only after "
    "a later share is covered by the carry's cut, which belongs to the latest share; a "
    "member who joined at an earlier one does not take it and reports the record withheld "
    "at every sync (a false alarm, never a loss). The cuts named for earlier shares that "
    "closed it (6914f7c) made members lose records silently (rev-ce F1, F3): taken out",
)
async def test_a_late_trash_carried_only_after_a_later_share_raises_no_false_alarm(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The laptop trashes an entry and pushes it under the key before any share; the server
    delays it to the phone (a slow replica) until the phone has shared the journal with tom,
    then with joan. The phone then carries the late trash across joan's cut: both members
    read the entry as trashed, but the carry's own cut belongs to joan's share, which tom,
    who joined at his own, does not take: he reports the trash's counter withheld (he never
    holds its key), a false alarm, where he should report nothing."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday. About my brother.", title="Hard day")
        await laptop.entries.write(None, "Tuesday.")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.delete(entry.id)
        await laptop.sync()  # the trash is on the server, under the key before the shares
        state.delay()
        tom, joan = await signup("tom"), await signup("joan")
        await share_with(phone, tom, role="annotate")
        await share_with(phone, joan, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom, joan)
        assert [e.id for e in await phone.entries.trash()] == [entry.id]
        for member in (tom, joan):
            assert [e.body for e in await member.entries.list()] == ["Tuesday."]
            report = await member.sync(strict=True)
            assert (report.withheld, report.problems) == ([], [])
        await laptop.entries.write(None, "Wednesday.")  # a later counter of the laptop
        await settle(laptop, phone, tom, joan)
        for member in (tom, joan):
            report = await member.sync(strict=True)
            assert (report.withheld, report.problems) == ([], [])
