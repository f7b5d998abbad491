"""A server cannot roll a journal's name back (F4 of /work/REV-EXPIRY-FINDINGS.md,
protocol.md 4.14): the owner signs each name with `named_at` (version 2), and every device,
a member's and the owner's own, refuses a name signed with a lower one than the highest it
verified, and a version-1 name once it verified a version-2 one. Real server on 127.0.0.1,
real crypto; the hostile server is the rewriting proxy of tests/client/hostile.py together
with direct edits of the real server's database."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from client_sdk import Client, keys
from client_sdk.journal_meta import encode_meta
from client_sdk.store import STORE_FILE, LocalJournal, Store
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_rev_expiry_findings import listed_as
from tests.conftest import ClientFactory, RunningServer

LIST = "/v1/journals/list"


def served_meta(live_server: RunningServer, journal: bytes) -> bytes:
    """The sealed metadata the server holds for the journal now."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(meta,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (journal,))
    return bytes(meta)


async def version_1_meta(owner: Client, journal: bytes, name: str) -> bytes:
    """The journal's metadata as an SDK from before `named_at` sealed it: `name` signed by
    its owner with version 1 (protocol.md 4.14), under the journal's current epoch."""
    [local] = [j for j in await owner.store.journals() if j.journal_id == journal]
    key = await owner.replica.journal_key(local, local.epoch)
    signature = keys.sign_journal_name(owner.profile.secrets, journal, local.epoch, name, 0)
    meta = encode_meta(name, name_signature=signature.hex())
    return keys.seal_journal_meta(key, journal, local.epoch, meta)


async def named_by_an_older_sdk(
    live_server: RunningServer, owner: Client, journal: bytes, name: str
) -> bytes:
    """The journal as an SDK from before `named_at` left it: its metadata on the server a
    version-1 `name` (returned), and the owner's device store without a verified
    `named_at` (what opening an older store gives, `_add_missing_columns`)."""
    meta = await version_1_meta(owner, journal, name)
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(  # as /v1/journals/meta stores it
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (meta, journal),
        )
    with closing(sqlite3.connect(owner.home / STORE_FILE)) as db, db:
        db.execute("UPDATE journals SET named_at = 0 WHERE journal_id = ?", (journal,))
    return meta


async def stored(device: Client, journal: bytes) -> LocalJournal:
    [local] = [j for j in await device.store.journals() if j.journal_id == journal]
    return local


async def names(device: Client) -> dict[bytes, str]:
    return {bytes.fromhex(j.id): j.name for j in await device.journals.list()}


async def relist(device: Client) -> None:
    """The device reads the journal list, as a sync does whenever a page says a journal's
    metadata moved (which the server decides), and syncs."""
    await device.replica.refresh_journals()
    await device.sync()


async def test_a_members_device_refuses_an_older_name_the_server_serves_again(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """ana shares Personal with tom, then renames it Diary. The server serves tom the
    metadata from before the rename (same key epoch, the name signed by ana): tom's device
    keeps Diary, and no lookup by the older name finds the journal."""
    ana = await signup("ana")
    tom = await through("tom")
    await share_with(ana, tom)
    personal = await journal_id(ana, "Personal")
    await tom.sync()
    before = served_meta(live_server, personal)
    await ana.journals.rename("Personal", "Diary")
    await tom.sync()
    assert (await names(tom))[personal] == "ana/Diary"
    named_at = (await stored(tom, personal)).named_at

    hostile.replies[LIST] = listed_as(personal, meta=before)  # type: ignore[assignment]
    await relist(tom)
    assert (await names(tom))[personal] == "ana/Diary"
    assert (await stored(tom, personal)).named_at == named_at
    assert (await tom.journals.get("ana/Diary")).id == personal.hex()
    assert "ana/Personal" not in (await names(tom)).values()


async def test_the_owners_devices_refuse_an_older_name_the_server_serves_again(
    through: Through, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """ana's laptop renames Personal to Diary; her phone syncs. The server then serves both
    devices the metadata from before the rename: both keep Diary. A server that stores a
    rename and goes on serving the name before it does not take it back from the device
    that made it either."""
    laptop = await through("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        personal = await journal_id(laptop, "Personal")
        await phone.sync()
        before = served_meta(live_server, personal)
        await laptop.journals.rename("Personal", "Diary")
        await phone.sync()
        assert (await names(phone))[personal] == "Diary"

        hostile.replies[LIST] = listed_as(personal, meta=before)  # type: ignore[assignment]
        await relist(phone)
        await relist(laptop)
        assert (await names(phone))[personal] == "Diary"
        assert (await names(laptop))[personal] == "Diary"
        await phone.entries.write("Diary", "Still my diary.")  # acts on the name it keeps

        renamed = served_meta(live_server, personal)  # Diary, as the server holds it
        hostile.replies[LIST] = listed_as(personal, meta=renamed)  # type: ignore[assignment]
        await phone.journals.rename("Diary", "Notes")  # the server keeps serving Diary
        assert (await names(phone))[personal] == "Notes"
        await relist(phone)
        assert (await names(phone))[personal] == "Notes"
        del hostile.replies[LIST]
        await laptop.sync()
        assert (await names(laptop))[personal] == "Notes"  # what the server stored
    finally:
        await phone.close()


async def test_a_rotation_seals_the_name_again_with_the_same_named_at(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """ana renames Personal to Diary, then ends ben's share (a new key epoch, the metadata
    sealed and signed again): tom's device and ana's read Diary with the `named_at` of the
    rename. The server serving tom the pre-rename metadata of the older epoch is refused;
    serving Diary of the older epoch changes nothing."""
    ana, ben = await signup("ana"), await signup("ben")
    tom = await through("tom")
    await share_with(ana, tom)
    await share_with(ana, ben)
    personal = await journal_id(ana, "Personal")
    await tom.sync()
    before = served_meta(live_server, personal)
    await ana.journals.rename("Personal", "Diary")
    renamed = served_meta(live_server, personal)
    await tom.sync()
    named_at = (await stored(tom, personal)).named_at
    assert named_at > 0 and (await stored(ana, personal)).named_at == named_at

    await ana.shares.revoke("Diary", "ben")
    rotated = served_meta(live_server, personal)
    assert keys.meta_epoch(rotated) == keys.meta_epoch(renamed) + 1
    await tom.sync()
    local = await stored(tom, personal)
    assert local.epoch == keys.meta_epoch(rotated)
    assert (local.name, local.named_at) == ("Diary", named_at)
    assert json.loads(local.meta)["named_at"] == named_at  # what the new epoch's seal says
    assert (await stored(ana, personal)).named_at == named_at

    hostile.replies[LIST] = listed_as(personal, meta=before)  # type: ignore[assignment]
    await relist(tom)
    assert (await names(tom))[personal] == "ana/Diary"
    hostile.replies[LIST] = listed_as(personal, meta=renamed)  # type: ignore[assignment]
    await relist(tom)
    assert (await names(tom))[personal] == "ana/Diary"
    assert (await stored(tom, personal)).named_at == named_at


async def test_a_journal_named_before_named_at_reads_and_its_next_rename_signs_one(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A journal whose metadata an older SDK wrote (a version-1 name, no `named_at`) reads
    as before on a member's device and on the owner's; a rename signs version 2."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    personal = await journal_id(ana, "Personal")
    await named_by_an_older_sdk(live_server, ana, personal, "Old notes")
    phone = await login("ana")
    for device in (tom, ana, phone):
        await device.sync()
        local = await stored(device, personal)
        assert (local.name, local.named_at) == ("Old notes", 0)
    assert (await names(tom))[personal] == "ana/Old notes"

    await ana.journals.rename("Old notes", "Diary")
    for device in (tom, phone):
        await device.sync()
        local = await stored(device, personal)
        assert local.name == "Diary" and local.named_at > 0


async def test_a_version_1_name_served_after_a_version_2_one_is_refused(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """The journal's name was version 1 ("Old notes", an older SDK's), then ana renamed it
    (version 2). The server serving tom the version-1 metadata again is refused, though its
    signature verifies and it is sealed under the current epoch."""
    ana = await signup("ana")
    tom = await through("tom")
    await share_with(ana, tom)
    personal = await journal_id(ana, "Personal")
    old = await named_by_an_older_sdk(live_server, ana, personal, "Old notes")
    await ana.sync()
    await tom.sync()
    assert (await names(tom))[personal] == "ana/Old notes"
    await ana.journals.rename("Old notes", "Diary")
    await tom.sync()
    assert (await names(tom))[personal] == "ana/Diary"

    hostile.replies[LIST] = listed_as(personal, meta=old)  # type: ignore[assignment]
    await relist(tom)
    assert (await names(tom))[personal] == "ana/Diary"
    assert (await stored(tom, personal)).named_at > 0


async def test_a_rename_on_a_device_whose_clock_is_behind_still_wins(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana's laptop renames Personal to Diary; her phone, whose clock is an hour behind,
    renames it Notes afterwards. Its `named_at` is above the laptop's (one more than the
    highest it verified), so the laptop and tom's device take Notes."""
    laptop, tom = await signup("ana"), await signup("tom")
    await share_with(laptop, tom)
    phone = await login("ana")
    personal = await journal_id(laptop, "Personal")
    await laptop.journals.rename("Personal", "Diary")
    await phone.sync()
    diary_at = (await stored(phone, personal)).named_at

    import client_sdk.replica

    real = client_sdk.replica.now_ms
    monkeypatch.setattr(client_sdk.replica, "now_ms", lambda: real() - 3_600_000)
    await phone.journals.rename("Diary", "Notes")
    monkeypatch.setattr(client_sdk.replica, "now_ms", real)
    assert (await stored(phone, personal)).named_at == diary_at + 1
    for device in (laptop, tom):
        await device.sync()
        local = await stored(device, personal)
        assert (local.name, local.named_at) == ("Notes", diary_at + 1)


async def test_a_store_from_before_named_at_opens_with_none_verified(tmp_path: Path) -> None:
    """A local store whose journals table has no `named_at` column (written by an SDK from
    before it) gets the column when opened: its journals read with 0 (nothing verified
    yet), and the value a sync stores is never lowered after."""
    store = await Store.open(tmp_path)
    await store.close()
    with closing(sqlite3.connect(tmp_path / STORE_FILE)) as db, db:
        # named_at and the columns added after it, as that SDK's store had none of them
        for column in ("own_not_held", "own_before", "named_at"):
            db.execute(f"ALTER TABLE journals DROP COLUMN {column}")
        db.execute(
            "INSERT INTO journals VALUES (?, ?, 'owner', 0, 'Personal', 1, 0, '', 0, '{}')",
            (b"\x01" * 16, b"\x02" * 16),
        )
    store = await Store.open(tmp_path)
    try:
        [journal] = await store.journals()
        assert (journal.name, journal.named_at) == ("Personal", 0)
        async with store.transaction() as tx:
            await tx.put_journal(
                LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 0, "Diary", 1, 0, named_at=9),
                counters_tag=b"\x07" * 32,
            )
            await tx.put_journal(
                LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 0, "Diary", 1, 0, named_at=5),
                counters_tag=b"\x07" * 32,
            )
        [journal] = await store.journals()
        assert journal.named_at == 9
    finally:
        await store.close()
