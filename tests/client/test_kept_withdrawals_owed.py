"""What a device keeps of the withdrawals it owes in a journal whose copy it removes
(`kept_withdrawn`, protocol.md 4.18 "Counters"): only its own account's, which only this home
can carry into a record, never another account's ids (REV-S15B F3), run through the SDK
against a real server."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, keys, wire
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory


def rows(home: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        return db.execute(sql, params).fetchall()


def write(home: Path, sql: str, params: tuple[object, ...]) -> None:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        db.execute(sql, params)


async def test_a_discarded_own_copy_keeps_only_this_accounts_withdrawals_and_carries_them(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server leaves Diary out of the phone's journal list; the phone, which owes a
    withdrawal there (a counter it drew for a record set aside, and a co-member's counters
    that record's covers named), discards its read-only copy, then Diary is listed again and
    taken back. The kept rows name this account only; the phone's own withdrawal comes back
    and its next record carries it: the laptop reports nothing withheld."""
    laptop = await signup("kw15la")
    phone = await Client.login(
        hostile.url, "kw15la", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        diary = bytes.fromhex((await laptop.journals.create("Diary")).id)
        await laptop.entries.write("Diary", "the laptop's entry")
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        await phone.entries.write("Diary", "the phone's entry")
        await phone.sync(strict=True)
        me, device = phone.profile.account_id, phone.profile.device_id
        home = Path(phone.home)
        # A record drawn and set aside for good (never on the server), whose covers named a
        # co-member's counters: what `withdraw_records` leaves.
        write(
            home,
            "UPDATE device_write_counters SET counter = counter + 1 WHERE journal_id = ?",
            (diary,),
        )
        ((drawn,),) = rows(
            home, "SELECT counter FROM device_write_counters WHERE journal_id = ?", (diary,)
        )
        member, its_device = b"\x0b" * 16, b"\x0c" * 16
        for author, dev, lo, hi in ((me, device, drawn, drawn), (member, its_device, 1, 4)):
            write(
                home, "INSERT INTO withdrawn VALUES (?, ?, ?, ?, ?)", (diary, author, dev, lo, hi)
            )

        def withhold(_request: bytes, reply: bytes) -> bytes:
            listed = wire.decode(wire.JournalList, reply)
            kept = [j for j in listed.journals if j.journal_id != diary]
            return wire.encode(wire.JournalList(kept, listed.next))

        hostile.replies["/v1/journals/list"] = withhold
        await phone.replica.refresh_journals()
        assert {j.journal_id: j.role for j in await phone.store.journals()}[diary] == "revoked"
        await phone.journals.delete("Diary")  # the read-only copy, discarded
        tag = keys.kept_counters_tag(phone.profile.secrets.account_key, diary)
        assert rows(home, "SELECT * FROM kept_withdrawn") == [(tag, me, device, drawn, drawn)]

        del hostile.replies["/v1/journals/list"]
        await phone.replica.refresh_journals()  # its chain continues: taken back
        assert {j.journal_id: j.role for j in await phone.store.journals()}[diary] == "owner"
        assert rows(home, "SELECT * FROM kept_withdrawn") == []
        await phone.entries.write("Diary", "the phone's entry, after")
        # A copy taken back pulls the journal anew, this phone's own earlier records whole.
        mine = await phone.sync(strict=True)
        assert mine.problems == [] and mine.withheld == []
        assert "the phone's entry" in {e.body for e in await phone.entries.list("Diary")}
        late = await laptop.sync(strict=True)  # the reader that would see a lost withdrawal
        assert late.problems == [] and late.withheld == []
        assert "the phone's entry, after" in {e.body for e in await laptop.entries.list("Diary")}
    finally:
        await phone.close()
