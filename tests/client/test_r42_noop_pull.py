"""R42 (hostile review of issue 10, p10-noop): a pull whose reply equals the last one that
found nothing (same request, same store version) ends without going through its pages.
Attacks: the old empty reply replayed after something changed (an own push acknowledged),
and the store changed by another process of the same home between syncs.

Real server on loopback, real crypto; the hostile server is the loopback proxy of
tests/client/hostile.py."""

from __future__ import annotations

import dataclasses

import msgpack

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.test_hostile_sync import no_op_syncs
from tests.conftest import ClientFactory


async def test_r42_the_old_empty_reply_replayed_after_an_own_push_is_a_rollback(
    hostile: HostileServer, through: Through
) -> None:
    ana = await through("ana")
    await ana.entries.write(None, "one")
    await ana.sync()
    await no_op_syncs(ana)
    clean = ana.replica._clean_pull
    assert clean is not None
    old = hostile.replies_to("/v1/sync")[-1]  # the reply that found nothing, as sent

    await ana.entries.write(None, "two")
    pushed = await ana.sync()  # acknowledged at a seq past the old reply's head
    assert pushed.pushed == 1 and not pushed.problems

    hostile.replies["/v1/sync"] = lambda request, reply: old  # the old empty reply again
    report = await ana.sync()
    assert report.rollbacks or report.incomplete or report.problems, report
    assert ana.replica._clean_pull is None or ana.replica._clean_pull.reply != clean.reply


async def test_r42_the_same_reply_in_other_bytes_is_decoded_and_found_equal(
    hostile: HostileServer, through: Through
) -> None:
    """The bytes of the reply that found nothing are kept (transport.Known): a reply of other
    bytes that decode to the same message (its fields in another order) is decoded, checked
    and found equal, nothing new; one of other bytes that say more is pulled in full
    (test_hostile_sync's lies after syncs that found nothing)."""
    ana = await through("ana")
    await ana.entries.write(None, "one")
    await ana.sync()
    await no_op_syncs(ana)
    clean = ana.replica._clean_pull
    assert clean is not None and clean.known.raw is not None  # the honest bytes, learned
    honest = clean.known.raw

    sent: list[bytes] = []

    def reordered(request: bytes, reply: bytes) -> bytes:
        fields = msgpack.unpackb(reply, raw=False)
        sent.append(msgpack.packb(dict(reversed(list(fields.items()))), use_bin_type=True))
        return sent[-1]

    hostile.replies["/v1/sync"] = reordered
    for _ in range(2):
        report = await ana.sync()
        assert (report.pulled, report.problems, report.incomplete) == (0, [], []), report
    assert sent[-1] != honest and sent[-1] == sent[0]
    assert ana.replica._clean_pull is clean and clean.known.raw == sent[-1]
    assert [e.body for e in await ana.entries.list()] == ["one"]


async def test_r42_a_write_of_another_process_between_no_op_syncs_is_pushed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "one")
    await ana.sync()
    await no_op_syncs(ana)
    other = await Client.open(ana.home)  # the CLI beside the app: another connection
    try:
        await other.entries.write(None, "written by the other process")
    finally:
        await other.close()
    report = await ana.sync()
    assert report.pushed == 1 and not report.problems, report
    phone = await login("ana")
    await phone.sync()
    assert sorted(e.body for e in await phone.entries.list()) == [
        "one",
        "written by the other process",
    ]


async def test_r42_records_pulled_by_another_process_between_no_op_syncs_are_seen(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "one")
    await ana.sync()
    await no_op_syncs(ana)
    phone = await login("ana")
    await phone.entries.write(None, "from the phone")
    await phone.sync()
    other = await Client.open(ana.home)  # another process of the laptop pulls it
    try:
        await other.sync()
    finally:
        await other.close()
    report = await ana.sync()
    assert (report.problems, report.withheld, report.incomplete) == ([], [], []), report
    assert sorted(e.body for e in await ana.entries.list()) == ["from the phone", "one"]
    assert ana.replica._clean_pull is None or ana.replica._clean_pull.version != (0, 0)


async def test_r42_an_own_record_served_whole_with_other_bytes_among_stubs_is_refused(
    hostile: HostileServer, through: Through
) -> None:
    """p15 stubs: a page of own records as stubs, one of them served whole with other bytes
    than the server acknowledged: the digest check still runs for it (R36 F6)."""
    ana = await through("ana")
    for text in ("one", "two", "three"):
        await ana.entries.write(None, text)

    def one_altered(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        altered = False
        for page in real.pages:
            records = []
            for record in page.records:
                if not record.ciphertext and not altered:
                    record = dataclasses.replace(record, ciphertext=b"\x07" * 96)
                    altered = True
                records.append(record)
            pages.append(dataclasses.replace(page, records=records))
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = one_altered
    report = await ana.sync()
    assert report.pushed == 3
    assert any("other bytes under this device's own record" in p for p in report.problems), (
        report.problems
    )
