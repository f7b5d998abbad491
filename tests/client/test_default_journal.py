"""The default journal, where a call naming no journal writes and reads, is found by its id,
never by its name alone (NU65 F7: renamed, it was lost, and every write naming no journal
failed on every device of the account). A sign-up creates it under the id the account key
derives (`keys.default_journal_id`); an account made before adopts its older own journal
named "Personal". A server cannot redirect those writes into a journal shared with someone
else. Real server on 127.0.0.1, real crypto; the hostile server is the rewriting proxy of
tests/client/hostile.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput, NotFound, keys, wire
from client_sdk.default_journal import DEFAULT_SETTING, NO_DEFAULT
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.conftest import ClientFactory, RunningServer

LIST = "/v1/journals/list"


async def bodies(device: Client, journal: str) -> set[str]:
    return {e.body for e in await device.entries.list(journal)}


async def test_the_default_journal_is_the_sign_ups_by_its_derived_id_and_follows_a_rename(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The sign-up's journal bears the id the account key derives. The laptop renames it
    "My journal"; the phone, which never wrote, syncs, then writes, checks a mood in and
    takes a questionnaire naming no journal: all in "My journal", on both devices."""
    laptop = await signup("ana")
    phone = await login("ana")
    secrets = laptop.profile.secrets
    derived = keys.default_journal_id(secrets.account_key, laptop.profile.account_id)
    assert await journal_id(laptop, "Personal") == derived
    await laptop.journals.rename("Personal", "My journal")
    await phone.sync()
    await phone.entries.write(None, "Written on the phone")
    await laptop.entries.write(None, "Written on the laptop")
    await phone.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    for device in (phone, laptop, phone):
        await device.sync()
    for device in (phone, laptop):
        assert (await device.journals.default()).name == "My journal"
        assert {"Written on the phone", "Written on the laptop"} <= await bodies(
            device, "My journal"
        )
        assert [r.measure for r in await device.measures.list("My journal")] == ["phq9"]


async def test_a_server_hiding_the_default_journal_cannot_redirect_writes_to_a_shared_one(
    signup: ClientFactory,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """ana renames her default journal "Mine", then makes a new journal "Personal" and
    shares it with drlee. A new device of hers signs in through a server that leaves her
    default journal out of every journal list: a write naming no journal is refused (no
    default journal here, subject NO_DEFAULT), and nothing reaches "Personal" or drlee."""
    laptop = await signup("ana")
    drlee = await signup("drlee")
    mine = await journal_id(laptop, "Personal")
    await laptop.journals.rename("Personal", "Mine")
    await laptop.journals.create("Personal")
    await share_with(laptop, drlee, "Personal")
    shared = await journal_id(laptop, "Personal")

    def without_default(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        kept = [j for j in real.journals if j.journal_id != mine]
        return wire.encode(dataclasses.replace(real, journals=kept))

    hostile.replies[LIST] = without_default
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone", device_name="phone")
    try:
        await phone.sync()
        held = {j.journal_id for j in await phone.store.journals()}
        assert shared in held and mine not in held
        with pytest.raises(NotFound) as refused:
            await phone.entries.write(None, "Meant for my own journal")
        assert refused.value.subject == NO_DEFAULT
        assert "no default journal" in str(refused.value)
        assert await phone.store.setting(DEFAULT_SETTING) is None
        await phone.sync()
    finally:
        await phone.close()
    await drlee.sync()
    assert await bodies(drlee, "ana/Personal") == set()
    with pytest.raises(InvalidInput, match="not one of your journals"):
        await drlee.journals.set_default("ana/Personal")  # only an own journal is a default
    assert (await drlee.journals.default()).owner == "drlee"
    await laptop.sync()
    assert await bodies(laptop, "Personal") == set()


async def test_an_older_accounts_personal_is_adopted_and_kept_through_a_rename(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """An account made before the default journal's id was derived: its "Personal" has
    another id, and a name signed before then (version 1 here). Each device that finds it
    keeps its id as its default, by a write (the tablet) or by the sync that pulls the
    rename (the phone, which never wrote), so a rename on the laptop leaves both writing
    there. A device signed in only after the rename finds no default journal (no name
    says which it was), says so, and takes the user's choice (`set_default`); a journal
    named "Personal" since is never adopted by its name."""
    laptop = await signup("ana")
    personal = await journal_id(laptop, "Personal")
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await named_by_an_older_sdk(live_server, laptop, personal, "Personal")
    phone = await login("ana")
    tablet = await login("ana", "tablet")
    await phone.sync()
    await tablet.entries.write(None, "Before the rename")
    await laptop.journals.rename("Personal", "My journal")
    await laptop.journals.create("Personal")
    for device, name in ((phone, "phone"), (tablet, "tablet")):
        await device.sync()
        await device.entries.write(None, f"After the rename, on {name}")
    await laptop.entries.write(None, "On the laptop")
    assert await bodies(phone, "My journal") == {"After the rename, on phone"}
    assert await bodies(tablet, "My journal") == {
        "Before the rename",
        "After the rename, on tablet",
    }
    assert (await laptop.journals.default()).id == personal.hex()

    desktop = await login("ana", "desktop")
    with pytest.raises(NotFound) as refused:
        await desktop.entries.write(None, "Where?")
    assert refused.value.subject == NO_DEFAULT
    chosen = await desktop.journals.set_default("My journal")
    assert chosen.id == personal.hex()
    await desktop.entries.write(None, "Chosen")
    assert "Chosen" in await bodies(desktop, "My journal")
