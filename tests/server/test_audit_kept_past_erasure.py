"""A member's reads stay in the owner's audit after the member erases his account.

ben reads ana's journal (each first fetch logged in ana's audit, /v1/shares/audit), then
erases his account: his entries stay, with the id and username he had, marked `erased`,
so that a member cannot read everything and then wipe the owner's record of it. The entries
of a live reader are sent as before (no `erased` field on the wire), and so is an erased
reader's to a client that does not ask `with_erased` (an older one, whose strict decoder knows
six fields). A journal's entries still go with the journal when its owner erases her
account. Both backends, a real server on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgpack

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.raw import RawClient, journal_id


@dataclass(frozen=True)
class AuditEntryBefore:
    """`wire.AuditEntry` as SDKs before the `erased` flag decode it (strictly: protocol.md
    2.2, an unknown field is a malformed reply)."""

    account_id: bytes = field(metadata=wire.ID)
    username: str = field(metadata=wire.limits(1, 64))
    device_id: bytes = field(metadata=wire.ID)
    at: int = field(metadata=wire.TIME)
    up_to_seq: int = field(metadata=wire.limits(0, wire.U63))
    records: int = field(metadata=wire.limits(0, wire.U63))


@dataclass(frozen=True)
class AuditLogBefore:
    entries: list[AuditEntryBefore] = field(metadata=wire.limits(0, 1_000_000))
    next: bytes = field(default=b"", metadata=wire.PAGE_CURSOR)


async def audit_body(raw: RawClient, owner: Client, journal: bytes, with_erased: bool) -> bytes:
    """The owner's audit of `journal` as the server sends it, asked `with_erased` or not."""
    answer = await raw.call(
        "/v1/shares/audit",
        wire.AuditRequest(journal, with_erased=with_erased),
        token=owner.profile.token,
    )
    assert answer.status == 200, answer.value()
    return answer.body


async def audit_entries(
    raw: RawClient, owner: Client, journal: bytes, with_erased: bool = True
) -> list[dict[str, object]]:
    """The owner's audit of `journal` as the server sends it: each entry's fields by name."""
    entries = msgpack.unpackb(await audit_body(raw, owner, journal, with_erased), raw=False)
    assert isinstance(entries["entries"], list)
    return entries["entries"]


async def test_the_owners_audit_keeps_the_reads_of_a_member_who_erased_his_account(
    live_server: RunningServer, raw: RawClient, signup: ClientFactory, ana: Client, ben: Client
) -> None:
    await ana.entries.write("Personal", "The session helped.")
    await ana.entries.write("Personal", "Slept well.")
    await share_with(ana, ben, role="read")
    await ana.sync()
    await ben.sync()
    journal = await journal_id(ana)
    before = await ana.shares.log("Personal")
    assert [(e.member, e.erased, e.entries) for e in before] == [("ben", False, 2)]
    [live] = await audit_entries(raw, ana, journal)
    # a live reader's entry is the six fields it always was
    assert set(live) == {"account_id", "username", "device_id", "at", "up_to_seq", "records"}
    assert (live["account_id"], live["username"]) == (ben.profile.account_id, "ben")

    await ben.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    after = await ana.shares.log("Personal")
    assert [(e.member, e.erased) for e in after] == [("ben", True)]
    kept = after[0]
    assert (kept.device_id, kept.at, kept.up_to_seq, kept.records, kept.entry_ids) == (
        before[0].device_id,
        before[0].at,
        before[0].up_to_seq,
        before[0].records,
        before[0].entry_ids,
    )
    assert await audit_entries(raw, ana, journal) == [{**live, "erased": True}]
    # A client that does not ask `with_erased` (an older SDK) gets the entry as before, the
    # reader named by the username he had, and its strict decoder reads the log.
    assert await audit_entries(raw, ana, journal, with_erased=False) == [live]
    old = wire.decode(AuditLogBefore, await audit_body(raw, ana, journal, with_erased=False))
    assert [(e.username, e.records) for e in old.entries] == [("ben", live["records"])]

    # Someone else takes the name: the entries stay the erased account's, never the new one's.
    again = await signup("ben", device="tablet")
    assert again.profile.account_id != ben.profile.account_id
    assert [(e.member, e.erased) for e in await ana.shares.log("Personal")] == [("ben", True)]
    assert "failure" not in live_server.log_file.read_text()


async def test_the_kept_entries_go_with_the_journal_when_its_owner_erases_her_account(
    live_server: RunningServer, ana: Client, ben: Client
) -> None:
    await ana.entries.write("Personal", "The session helped.")
    await share_with(ana, ben, role="read")
    await ana.sync()
    await ben.sync()
    await ben.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert len(await live_server.rows("SELECT 1 FROM audit")) == 1
    await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await live_server.rows("SELECT 1 FROM audit") == []
