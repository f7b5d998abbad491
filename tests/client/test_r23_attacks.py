"""R23: attacks on resumable signup, share-ended notices and limited shares."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import msgpack
import pytest

from cli import output
from cli.main import not_shown_words
from client_sdk import INSECURE_TEST_COST, Client, InvalidInput, NetworkError, wire
from client_sdk.departures import EXPIRED
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_share_ended_notices import DAY_MS, move_clocks, shared_until_tomorrow
from tests.client.test_signup_failures import NOT_MSGPACK, sign_up
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_finishing_a_signup_never_shows_a_recovery_key_replaced_since(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]
    # The user never saw a key; on the phone they make one (the honest server).
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    await phone.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await phone.close()

    laptop = await sign_up(hostile.url, home)  # finishes the signup
    shown = laptop.recovery_key
    await laptop.close()
    if shown is not None:  # whatever the device shows as "your recovery key" must work
        recovered = await Client.recover(
            live_server.url, "ana", shown, "another password for ana",
            home=tmp_path / "recovered", kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await recovered.close()
    assert shown is None and "replaced on another device" in str(laptop.recovery_key_not_shown)


async def replaced_on_the_phone(live_server: RunningServer, tmp_path: Path) -> None:
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    await phone.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await phone.close()


async def test_a_signed_in_device_finishing_its_signup_never_shows_a_key_replaced_since(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """R23 F2, the `profile_exists` branch: the profile was saved, the journal list failed;
    the key is replaced on the phone; `login` on the laptop finishes without a new sign-in."""
    home = tmp_path / "laptop"
    hostile.replies["/v1/journals/list"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/journals/list"]
    await replaced_on_the_phone(live_server, tmp_path)
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    await laptop.close()
    assert hostile.paths.count("/v1/auth/login") == 0  # the profile_exists branch
    assert (laptop.recovery_key, "replaced" in str(laptop.recovery_key_not_shown)) == (None, True)


async def test_a_server_cannot_make_a_finishing_signup_show_its_kept_key_unchecked(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The check cannot be skipped: a server that fails it (an error, a garbled or refused
    answer) only keeps the key from being shown, with the words to make a new one."""
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]
    await replaced_on_the_phone(live_server, tmp_path)
    hostile.replies["/v1/account/recovery-key/current"] = lambda request, reply: NOT_MSGPACK
    laptop = await sign_up(hostile.url, home)
    await laptop.close()
    assert laptop.recovery_key is None and laptop.recovery_key_not_shown is not None
    said = laptop.recovery_key_not_shown  # in no app's commands (NU45 #4): the CLI adds its own
    assert "keep it; if not, make a new one now (which also drops" in said and "tj " not in said
    cli = "keep it; if not, make one now with `tj recovery-key new` (which also drops the copy"
    assert cli in output.shown(not_shown_words(said))  # as printed


async def test_a_server_naming_another_key_cannot_delete_a_working_kept_key(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """A server that lies that another key is in force keeps the kept key from being shown,
    but never deletes the only copy of a key that works (R23 F3): an honest answer later
    shows it, and it recovers the account."""
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]

    def another_key(request: bytes, reply: bytes) -> bytes:
        return wire.encode(wire.RecoveryKeyReply(bytes(32)))

    hostile.replies["/v1/account/recovery-key/current"] = another_key
    laptop = await sign_up(hostile.url, home)
    await laptop.close()
    assert laptop.recovery_key is None and Client.unfinished_signup(home) is not None
    del hostile.replies["/v1/account/recovery-key/current"]
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert laptop.recovery_key is not None
        recovered = await Client.recover(
            live_server.url, "ana", laptop.recovery_key, "another password for ana",
            home=tmp_path / "recovered", kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await recovered.close()
    finally:
        laptop.recovery_key_shown()
        await laptop.close()


async def test_a_server_answer_cannot_destroy_the_only_copy_of_a_recovery_key(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]
    assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]

    def other_salt(request: bytes, reply: bytes) -> bytes:
        message = msgpack.unpackb(reply, raw=False)
        message["salt"] = bytes(len(message["salt"]))
        packed: bytes = msgpack.packb(message, use_bin_type=True)
        return packed

    hostile.replies["/v1/auth/prelogin"] = other_salt
    with pytest.raises(InvalidInput, match="not the one this device signed up"):
        await sign_up(hostile.url, home)
    # The account this device made exists, with the recovery key only this file holds.
    assert Client.unfinished_signup(home) is not None


SECRET = "I never told anyone about the accident"


async def test_a_new_owner_device_never_widens_a_field_level_share_the_server_hides(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    await ana.sync()
    await tom.sync()
    mirror = bytes.fromhex(first.journal_id)

    def hide_mirror(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != mirror]))

    hostile.replies["/v1/journals/list"] = hide_mirror
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "ana-phone", device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        await phone.sync()
        try:  # "make tom's share annotate": not a request to share the whole journal
            await phone.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
        except Exception:  # noqa: BLE001 - refusing is a fine answer; widening is not
            pass
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    whole = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    await tom.sync()
    bodies = {e.body for e in await tom.entries.list()}
    assert (whole, SECRET in bodies) == (None, False)


async def test_a_member_verifying_the_signed_ended_entry_is_told_the_end_date(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, journal, end = await shared_until_tomorrow(signup)
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # the owner's device signs `ended` and rotates
    # The server (as it may: the chain is the owner's signed data) still lists the journal
    # to tom, so tom's device verifies the chain with the `ended` entry.
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "INSERT OR IGNORE INTO members (journal_id, account_id, role, expires_at) "
            "VALUES (?, ?, 'annotate', 0)",
            (journal, tom.profile.account_id),
        )
        db.commit()
    report = await tom.sync()
    assert [(d.reason, d.at) for d in report.departures] == [(EXPIRED, end)]
