"""A journal's archive setting is the owner's (W1 of /work/REV-CUT-FINDINGS.md, protocol.md
4.14): the owner signs `archived` with the name (version 2) and moves `named_at` on at each
archive and unarchive, so a member who holds the key that seals the metadata cannot archive
or unarchive the owner's journal on her devices, a server cannot serve an older archive
setting again, and an `archived` beside a version-1 name (which signs no flag) is ignored.
Real server on 127.0.0.1, real crypto; the hostile server and the member's forgery are
direct edits of the real server's database."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

import pytest

from client_sdk import AccessError, Client, IntegrityError, keys
from client_sdk.journal_meta import decode_meta, encode_meta
from client_sdk.replica import is_archived
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_journal_name_races import served, store_as_latest
from tests.client.test_journal_name_rollback import stored
from tests.conftest import ClientFactory, RunningServer

META = "/v1/journals/meta"


async def archived(device: Client, name: str) -> bool:
    """Whether the device holds the journal as archived: `Journal.archived` on an owner's
    device; on a member's (whose Journal never says archived) the verified metadata it
    holds (`is_archived`)."""
    journal = await device.journals.get(name)
    if journal.owner == device.username:
        return journal.archived
    return is_archived(await device.context.local_journal(name))


async def forged_by_member(member: Client, live_server: RunningServer, journal: bytes) -> bytes:
    """The journal's metadata as the server holds it, opened by `member` with the key it
    holds, `archived` flipped, the owner's name, `named_at` and signature kept, and sealed
    again under the same epoch."""
    sealed, _ = served(live_server, journal)
    [local] = [j for j in await member.store.journals() if j.journal_id == journal]
    epoch = keys.meta_epoch(sealed)
    key = await member.replica.journal_key(local, epoch)
    meta = decode_meta(keys.open_journal_meta(key, journal, sealed))
    meta["archived"] = not meta.get("archived", False)
    return keys.seal_journal_meta(key, journal, epoch, encode_meta(**meta))


async def test_archive_and_unarchive_on_one_owner_device_reach_the_other_and_a_member(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The laptop archives Personal, then unarchives it: each time with a `named_at` above
    the one before, which the phone and tom's device verify and take; the phone refuses
    writes while it is archived and takes them again after."""
    laptop, tom = await signup("ana"), await signup("tom")
    await share_with(laptop, tom)
    phone = await login("ana")
    personal = await journal_id(laptop, "Personal")
    for device in (phone, tom):
        await device.sync()
    named_at = (await stored(laptop, personal)).named_at

    await laptop.journals.archive("Personal")
    archived_at = (await stored(laptop, personal)).named_at
    assert archived_at > named_at
    for device, name in ((phone, "Personal"), (tom, "ana/Personal")):
        await device.sync()
        assert await archived(device, name)
        assert (await stored(device, personal)).named_at == archived_at
    with pytest.raises(AccessError, match="archived: unarchive it first"):
        await phone.entries.write("Personal", "Not now.")

    await laptop.journals.archive("Personal", archived=False)
    unarchived_at = (await stored(laptop, personal)).named_at
    assert unarchived_at > archived_at
    for device, name in ((phone, "Personal"), (tom, "ana/Personal")):
        await device.sync()
        assert not await archived(device, name)
        assert (await stored(device, personal)).named_at == unarchived_at
    await phone.entries.write("Personal", "Now.")
    await phone.sync()


async def test_a_server_serving_the_older_archived_setting_again_is_refused(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The laptop archives Personal and unarchives it; the server then stores the archived
    metadata (owner-signed, the same epoch) again as the latest. The phone and tom's device,
    which verified the unarchive's higher `named_at`, refuse it; the laptop refuses it and
    sends its own again, so a device that never saw either (a new login) reads it
    unarchived too."""
    laptop, tom = await signup("ana"), await signup("tom")
    await share_with(laptop, tom)
    phone = await login("ana")
    personal = await journal_id(laptop, "Personal")
    await laptop.journals.archive("Personal")
    archived_meta, _ = served(live_server, personal)
    await laptop.journals.archive("Personal", archived=False)
    for device in (phone, tom):
        await device.sync()

    store_as_latest(live_server, personal, archived_meta)
    await phone.replica.refresh_journals()
    await tom.replica.refresh_journals()
    for device in (phone, tom):
        await device.sync()
    assert not await archived(phone, "Personal")
    assert not await archived(tom, "ana/Personal")
    await phone.entries.write("Personal", "Still open.")
    await phone.sync()

    await laptop.replica.refresh_journals()
    await laptop.sync()  # sends its own metadata again (names_to_heal)
    assert not await archived(laptop, "Personal")
    assert served(live_server, personal)[0] != archived_meta
    tablet = await login("ana", "tablet")
    await tablet.sync()
    assert not await archived(tablet, "Personal")


async def test_a_members_archive_racing_a_rename_is_no_rename_elsewhere(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """tom re-seals the metadata with `archived` and the server stores it between ana's
    read of the journal list and her rename (409 `meta_changed`): her device does not take
    it (it does not verify), reads the list again and stores the rename, instead of telling
    her that another of her devices renamed or archived the journal."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    forged = await forged_by_member(tom, live_server, personal)
    transport = ana.replica.transport
    real = transport.call
    raced: list[bool] = []

    async def call(path: str, *args: Any, **kwargs: Any) -> Any:
        if path == META and not raced:
            raced.append(True)
            store_as_latest(live_server, personal, forged)  # just before ana's
        return await real(path, *args, **kwargs)

    transport.call = call  # type: ignore[method-assign]
    renamed = await ana.journals.rename("Personal", "Diary")
    assert raced and renamed.name == "Diary" and not renamed.archived
    await tom.sync()
    assert [j.name for j in await tom.journals.list() if j.name.startswith("ana/")] == ["ana/Diary"]
    assert not await archived(tom, "ana/Diary")
    await ana.entries.write("Diary", "Mine.")


async def test_an_unsigned_archived_beside_a_version_1_name_refuses_no_write(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A journal whose name is version 1 (an SDK from before `named_at`: its signature
    covers no `archived`) served with `archived` true beside it, as a member could seal it:
    the owner's devices (the one that held the journal before, and a new one) read it as
    not archived and take writes. Archiving it then signs version 2 with the flag."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    personal = await journal_id(ana, "Personal")
    local = await stored(ana, personal)
    key = await ana.replica.journal_key(local, local.epoch)
    signature = keys.sign_journal_name(ana.profile.secrets, personal, local.epoch, "Personal", 0)
    meta = encode_meta("Personal", name_signature=signature.hex(), archived=True)
    store_as_latest(live_server, personal, keys.seal_journal_meta(key, personal, local.epoch, meta))
    with contextlib.closing(sqlite3.connect(ana.home / STORE_FILE)) as db, db:
        db.execute("UPDATE journals SET named_at = 0 WHERE journal_id = ?", (personal,))
    phone = await login("ana")
    for device, name in ((ana, "Personal"), (phone, "Personal"), (tom, "ana/Personal")):
        await device.sync()
        held = await stored(device, personal)
        assert (held.name, held.named_at) == ("Personal", 0)
        assert json.loads(held.meta).get("archived") is True  # as served: not taken
        assert not await archived(device, name)
    await ana.entries.write("Personal", "Written.")
    await phone.entries.write("Personal", "Written too.")
    for device in (ana, phone):
        await device.sync(strict=True)

    await ana.journals.archive("Personal")
    await phone.sync()
    assert await archived(phone, "Personal")
    assert (await stored(phone, personal)).named_at > 0


def test_the_version_2_name_signature_covers_archived() -> None:
    """The same name and `named_at` signed archived does not verify as not archived, nor
    the other way round; a version-1 name carries no flag."""
    owner = keys.AccountSecrets(bytes(32), bytes(range(32)), bytes(32))
    journal, named_at = bytes(16), 1_767_225_600_000
    signature = keys.sign_journal_name(owner, journal, 2, "Personal", named_at, archived=True)
    key = owner.sign_public_key
    keys.verify_journal_name(key, journal, 2, "Personal", signature, named_at, archived=True)
    with pytest.raises(IntegrityError):
        keys.verify_journal_name(key, journal, 2, "Personal", signature, named_at)
    plain = keys.sign_journal_name(owner, journal, 2, "Personal", named_at)
    with pytest.raises(IntegrityError):
        keys.verify_journal_name(key, journal, 2, "Personal", plain, named_at, archived=True)
    with pytest.raises(ValueError):
        keys.sign_journal_name(owner, journal, 2, "Personal", 0, archived=True)
