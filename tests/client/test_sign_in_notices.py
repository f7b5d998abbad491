"""Other devices learn that a device signed in to the account (by the password or the recovery
key), and that the password or the recovery key was changed elsewhere: each told once by a
sync (`SyncReport.new_devices`, `credential_changes`), also across a restart on the same
store, from the server's sign-in log (/v1/account/sign-ins): a sign-in signed out before the
look is told, and so is one under a device id seen before; a device's own sign-in and own
changes are not told to it; a store with no baseline (a device signed in to an existing
account, or one from before) tells nothing. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import asyncio
import dataclasses
import types

import pytest

from client_sdk import INSECURE_TEST_COST, Client, account, crypto, wire
from client_sdk.devices import SIGN_INS
from client_sdk.models import to_datetime
from server import routes
from server.service import Settings
from server.storage import sqlite as sqlite_storage
from server.storage.base import SIGN_INS_KEPT_MS
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, RunningServer

NEW_PASSWORD = PASSWORD + " and then some"


def looking_every_sync(client: Client) -> Client:
    client.devices.sign_ins_interval_ms = 0
    return client


async def test_the_laptop_is_told_of_a_login_once_also_after_a_restart(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    first = await laptop.sync()  # the baseline: this device alone, told nothing
    assert (first.new_devices, first.credential_changes) == ([], [])
    tablet = looking_every_sync(await login("ana", "tablet"))
    own = await tablet.sync()
    assert own.new_devices == []  # its own sign-in, and the devices before it: not new

    report = await laptop.sync()
    [new] = report.new_devices
    assert (new.name, new.by_recovery_key, new.signed_out) == ("tablet", False, False)
    assert new.id == tablet.profile.device_id.hex()
    assert report.credential_changes == []
    short = new.id[:12]
    assert any(
        f"New sign-in on this account: 'tablet' (device {short})," in line
        for line in report.lines()
    )
    assert report.has_notices()
    assert (await laptop.sync()).new_devices == []  # told once

    home = laptop.home
    await laptop.close()
    again = looking_every_sync(await Client.open(home))
    try:
        await login("ana", "desktop")
        # what was told is kept in the store: the tablet not again, a later sign-in told
        # (a baseline recorded afresh would tell neither)
        assert [d.name for d in (await again.sync()).new_devices] == ["desktop"]
    finally:
        await again.close()


async def test_a_recovery_on_a_new_device_is_told_with_the_recovery_key(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    key = laptop.recovery_key
    assert key
    await laptop.sync()
    tablet = await Client.recover(
        live_server.url,
        "ana",
        str(key),
        NEW_PASSWORD,
        home=laptop.home.parent / "ana-tablet",
        device_name="tablet",
        kdf_cost=INSECURE_TEST_COST,
    )
    try:
        assert (await looking_every_sync(tablet).sync()).credential_changes == []  # its own
        report = await laptop.sync()
        [new] = report.new_devices
        assert (new.name, new.by_recovery_key) == ("tablet", True)
        assert "(with the recovery key)" in new.line()
        # the recovery set a new password and a new recovery key, on another device
        assert sorted(c.what for c in report.credential_changes) == ["password", "recovery key"]
        assert (await laptop.sync()).credential_changes == []  # told once
    finally:
        await tablet.close()


async def test_a_password_changed_elsewhere_is_told_and_not_to_the_device_that_changed_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.sync()
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    assert (await phone.sync()).credential_changes == []  # its own change
    report = await laptop.sync()
    assert [c.what for c in report.credential_changes] == ["password"]
    assert report.new_devices == []  # the phone was there at the laptop's last look
    assert (await laptop.sync()).credential_changes == []


async def test_acknowledging_keeps_a_password_change_a_cut_off_sync_has_not_told(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """`acknowledge_credential_changes` forgets the changes told so far; a change a sync's
    look found but did not tell (the sync was cut off before it handed its report) stays,
    is told at the next sync, and only then can be acknowledged. Before, it was forgotten
    with the told ones: the later sign-in notices and the wrong-password explanation left
    it out."""
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.sync()
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    assert [c.what for c in (await laptop.sync()).credential_changes] == ["password"]
    newer = NEW_PASSWORD + " again"
    live_server.clock.now += 1000  # a second later (the test clock stands still)
    await phone.change_password(
        NEW_PASSWORD, newer, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    await laptop.devices._look(keep=True)  # a sync's look; the sync cut off before telling
    found = await laptop.devices.replaced_elsewhere()
    assert list(found) == ["password"]
    assert await laptop.devices.acknowledge_credential_changes() == {}, "an untold change"
    assert await laptop.devices.replaced_elsewhere() == found
    report = await laptop.sync()
    assert [c.changed_at for c in report.credential_changes] == [found["password"]]
    assert await laptop.devices.acknowledge_credential_changes() == found
    assert await laptop.devices.replaced_elsewhere() == {}


async def test_a_store_without_a_baseline_tells_nothing_of_the_devices_there(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    await login("ana", "phone")
    await login("ana", "tablet")
    # a store from before this: no row, a baseline is recorded (the home the signup made
    # keeps a row from the signup, nu86 F6: test_fix34j_sign_ins_from_signup.py)
    async with laptop.store.transaction() as tx:
        await tx.remove_setting(SIGN_INS)
    assert await laptop.store.setting(SIGN_INS) is None
    report = await laptop.sync()
    assert (report.new_devices, report.credential_changes) == ([], [])
    assert await laptop.store.setting(SIGN_INS) is not None
    await login("ana", "desktop")
    assert [d.name for d in (await laptop.sync()).new_devices] == ["desktop"]


async def test_a_sync_looks_at_most_once_an_interval(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")  # the default interval: an hour
    await laptop.sync()  # the first look, a baseline
    await login("ana", "tablet")
    assert (await laptop.sync()).new_devices == []  # not looked again within the hour
    laptop.devices.sign_ins_interval_ms = 0
    assert [d.name for d in (await laptop.sync()).new_devices] == ["tablet"]


async def test_a_sign_in_signed_out_here_is_told_as_such_and_own_key_changes_are_not(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.sync()
    tablet = await login("ana", "tablet")
    await laptop.devices.revoke(tablet.profile.device_id.hex())  # signed out here
    await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await laptop.sync()
    assert [(d.name, d.signed_out) for d in report.new_devices] == [("tablet", True)]
    assert report.credential_changes == []  # its own change
    told = await phone.sync()  # the phone did not change the key: told, once
    assert [c.what for c in told.credential_changes] == ["recovery key"]
    assert [(d.name, d.signed_out) for d in told.new_devices] == [("tablet", True)]
    assert "and signed out since." in told.new_devices[0].line()
    again = await phone.sync()
    assert (again.credential_changes, again.new_devices) == ([], [])


async def test_a_thief_who_signs_in_and_out_between_two_looks_is_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline
    thief = await login("ana", "thief")  # the stolen password: reads everything
    await thief.sync()
    thief_id = thief.profile.device_id.hex()
    await thief.logout()  # and signs out before the laptop's next look
    report = await laptop.sync()
    [told] = report.new_devices
    assert (told.id, told.name, told.signed_out) == (thief_id, "thief", True)
    assert (await laptop.sync()).new_devices == []  # once


@pytest.fixture
def server_settings() -> Settings:
    # Few devices so that pushing a signed-out row out of the kept ones takes few logins
    # (the default, 100, takes 100: the same code path, create_device's prune).
    return dataclasses.replace(TEST_SETTINGS, max_devices=4)


async def test_a_sign_in_under_a_device_id_seen_before_is_told(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thief signs the phone out, signs in and out until the phone's signed-out row is
    pruned (its id freed), then signs in under the phone's id and name and stays signed in:
    the laptop is told each sign-in, the one under the phone's id among them."""
    laptop = looking_every_sync(await signup("ana"))
    phone = await login("ana", "phone")
    await laptop.sync()  # the look: the phone's sign-in is before it
    phone_id = phone.profile.device_id
    first = await login("ana", "x0")
    await first.devices.revoke(phone_id.hex())
    for n in range(1, 6):
        live_server.clock.now += 1000  # a second apart (the test clock stands still)
        helper = await login("ana", f"x{n}")
        await helper.logout()
    await first.logout()
    real = crypto.random_bytes
    chosen = {k: getattr(crypto, k) for k in dir(crypto) if not k.startswith("__")}
    chosen["random_bytes"] = lambda n: phone_id if n == 16 else real(n)
    monkeypatch.setattr(account, "crypto", types.SimpleNamespace(**chosen))
    thief = await login("ana", "phone2")
    monkeypatch.undo()
    assert thief.profile.device_id == phone_id  # the phone's id, taken again
    await thief.devices.rename(None, "phone")
    await thief.sync()
    report = await laptop.sync()
    told = [(d.id, d.name, d.signed_out) for d in report.new_devices]
    assert told[-1] == (phone_id.hex(), "phone2", False)  # the thief's live session
    assert [name for _, name, _ in told] == ["x0", "x1", "x2", "x3", "x4", "x5", "phone2"]


async def test_sign_ins_the_server_no_longer_keeps_are_counted(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More sign-ins between two looks than the server keeps: the numbers skip, and the
    first one told says how many before it are not kept."""
    monkeypatch.setattr(sqlite_storage, "SIGN_INS_KEPT", 3)
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline: sign-in 1
    for n in range(5):  # sign-ins 2 to 6; the server keeps 4 to 6
        await (await login("ana", f"x{n}")).logout()
    report = await laptop.sync()
    assert [(d.name, d.earlier_not_kept) for d in report.new_devices] == [
        ("x2", 2),
        ("x3", 0),
        ("x4", 0),
    ]
    assert "2 sign-ins before it the server no longer keeps" in report.new_devices[0].line()


async def test_a_server_without_the_sign_in_log_fails_no_sync(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server from before the sign-in log answers its endpoint 404: a sync tells nothing
    and succeeds, and looks again once the server has it."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline
    monkeypatch.delitem(routes.ROUTES, "/v1/account/sign-ins")
    await login("ana", "tablet")
    report = await laptop.sync()
    assert (report.new_devices, report.problems) == ([], [])
    monkeypatch.undo()
    assert [d.name for d in (await laptop.sync()).new_devices] == ["tablet"]


async def test_a_gap_followed_only_by_this_devices_own_sign_in_is_told(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """A laptop away longer than the server keeps its log (its session ended) logs in again
    on its home: its own login prunes the thief's sign-in by age, and the look sees only
    its own row. The sign-in the server no longer keeps is still told, by its count."""
    laptop = looking_every_sync(await signup("ana"))  # home .../ana-laptop
    await laptop.sync()  # the baseline look: sign-in 1
    thief = await login("ana", "thief")  # sign-in 2, with the stolen password
    await thief.logout()
    await laptop.close()
    live_server.clock.now += SIGN_INS_KEPT_MS + 1  # the laptop is away 90 days
    again = looking_every_sync(await login("ana", "laptop"))  # same home: its seq kept
    log = await again.transport.call(
        "/v1/account/sign-ins", wire.SignInsRequest(0), wire.SignInList
    )
    assert [(r.seq, r.current) for r in log.sign_ins] == [(3, True)]  # the thief's pruned
    report = await again.sync()
    [gap] = report.new_devices
    assert (gap.id, gap.name, gap.earlier_not_kept, gap.signed_out) == ("", "", 1, True)
    assert gap.signed_in_at == to_datetime(log.sign_ins[0].at)
    assert "The server no longer keeps 1 sign-in on this account made before" in gap.line()
    assert "while this device was away (it keeps them 90 days)" in gap.line()
    assert (await again.sync()).new_devices == []  # told once


async def test_a_sync_cut_off_after_its_look_leaves_the_sign_in_for_the_next(
    through: Through,  # noqa: F811
    hostile: HostileServer,  # noqa: F811
    login: ClientFactory,
) -> None:
    """The look stores the newest number seen; the sync that took it is cut off before it
    returns (a command's quick sync out of time). What the look found is kept until a
    sync hands it to the app: not by a sync whose look fails, and also when the next sync
    does not look again."""
    laptop = looking_every_sync(await through("ana"))
    laptop.devices.names_max_age_ms = 0  # the arrival's device named from a fresh list
    await laptop.sync()  # the baseline look
    thief = await login("ana", "thief")
    await thief.sync()
    await thief.entries.write(None, "written by the thief")
    await thief.sync(strict=True)
    held, never = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        held.set()
        await never.wait()

    hostile.holds["/v1/devices/list"] = hold  # asked after the look, to name the arrival
    cut = asyncio.create_task(laptop.sync())
    await held.wait()
    assert '"seq"' in (await laptop.store.setting(SIGN_INS) or "")  # the look was made
    cut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cut
    del hostile.holds["/v1/devices/list"]
    never.set()
    hostile.replies["/v1/account/sign-ins"] = lambda _, reply: b"\xc1"  # a look that fails
    assert (await laptop.sync()).new_devices == []
    assert "thief" in (await laptop.store.setting(SIGN_INS) or "")  # still kept
    del hostile.replies["/v1/account/sign-ins"]
    laptop.devices.sign_ins_interval_ms = 3_600_000  # not due: no look this time
    looks = hostile.paths.count("/v1/account/sign-ins")
    report = await laptop.sync()
    assert hostile.paths.count("/v1/account/sign-ins") == looks
    assert [d.name for d in report.new_devices] == ["thief"]
    assert (await laptop.sync()).new_devices == []  # handed once: not again
    assert "untold" not in (await laptop.store.setting(SIGN_INS) or "")


async def test_a_home_signed_in_again_is_told_only_what_follows_its_own_sign_in(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone changes the password, so the laptop (same home) signs in again with the new
    one: it proved it knows it, so the change before its own new sign-in is not news and
    the sign-ins before it are told as such (`before_sign_in`); what is changed elsewhere
    after it is, and is kept as what the device knows (`Devices.replaced_elsewhere`) until
    it signs in again."""
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    tablet = await login("ana", "tablet", NEW_PASSWORD)
    await phone.devices.revoke(laptop.profile.device_id.hex())  # as --sign-out-others
    await laptop.close()
    again = looking_every_sync(await login("ana", "laptop", NEW_PASSWORD))  # same home
    report = await again.sync()
    # the tablet's sign-in before it is told as such (hiding it hid a thief's), its own
    # earlier session and the change are not
    [before] = report.new_devices
    assert (before.name, before.before_sign_in) == ("tablet", True)
    assert report.credential_changes == []
    assert await again.devices.replaced_elsewhere() == {}
    await tablet.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await again.sync()
    [change] = report.credential_changes
    assert change.what == "recovery key"
    assert report.replaced_elsewhere == {"recovery key": change.changed_at}
    assert await again.devices.replaced_elsewhere() == {"recovery key": change.changed_at}
    await again.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await again.devices.replaced_elsewhere() == {}  # its own new key works


async def test_look_soon_looks_at_once_and_told_sign_ins_stay_unseen_until_marked(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A watch just started (`look_soon`) looks at once, then keeps to the hour; what a sync
    told stays in `unseen_sign_ins()` (for `tj sync` to say again) until marked seen."""
    laptop = await signup("ana")  # the hourly interval
    await laptop.sync()  # the baseline look
    await login("ana", "tablet")
    assert (await laptop.sync()).new_devices == []  # not due for an hour
    home = laptop.home
    await laptop.close()
    watching = await Client.open(home)  # a new process: the last look read from the store
    try:
        watching.devices.look_soon()
        [told] = (await watching.sync()).new_devices
        assert told.name == "tablet"
        await login("ana", "phone")
        assert (await watching.sync()).new_devices == []  # back to the hour
        assert (await watching.devices.unseen_sign_ins()) == ([told], [])
        await watching.devices.mark_sign_ins_seen()
        assert (await watching.devices.unseen_sign_ins()) == ([], [])
    finally:
        await watching.close()


async def change_password_in_another_process(home: object, old: str, new: str) -> None:
    """`Client.change_password` on `home`, run by another Python process (its own store
    connection), as a `tj password change` beside a running `tj sync --watch`."""
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import asyncio
        from client_sdk import INSECURE_TEST_COST, Client
        async def main():
            client = await Client.open({str(home)!r})
            try:
                await client.change_password({old!r}, {new!r},
                    kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST)
            finally:
                await client.close()
        asyncio.run(main())
    """)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]


async def test_a_password_change_by_another_process_on_this_home_is_not_told_to_a_running_one(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A long-running client (`tj sync --watch`, an app) read the look's state once; a
    password change in another process on the same home marked it its own in the store: the
    running client's next look reads the store again and tells no change made "on another
    device", nor keeps it as replaced (which would make later advice say the password no
    longer works on the very device that set it)."""
    laptop = looking_every_sync(await signup("ana"))
    await login("ana", "phone")
    await laptop.sync()  # the baseline, the state in memory
    await change_password_in_another_process(laptop.home, PASSWORD, NEW_PASSWORD)
    report = await laptop.sync()
    assert report.credential_changes == []
    assert await laptop.devices.replaced_elsewhere() == {}
    thief = await login("ana", "thief", NEW_PASSWORD)
    [told] = (await laptop.sync()).new_devices  # what follows is still told
    assert told.id == thief.profile.device_id.hex()


async def test_a_running_clients_look_keeps_what_another_process_marked_seen_and_proved(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Two clients on one home (two processes: an app syncing, `tj sync` marking seen): the
    first's look writes back merged with the store, never its stale copy: a sign-in the
    other marked seen is not said again, and a credential the other proved works is not
    kept as replaced elsewhere."""
    laptop = looking_every_sync(await signup("ana"))
    phone = await login("ana", "phone")
    # the home the signup made is told of every sign-in since the signup (nu86 F6)
    assert [d.name for d in (await laptop.sync()).new_devices] == ["phone"]
    await laptop.devices.mark_sign_ins_seen()
    await login("ana", "first")
    [first] = (await laptop.sync()).new_devices  # told: unseen until marked
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    assert [c.what for c in (await laptop.sync()).credential_changes] == ["password"]
    assert list(await laptop.devices.replaced_elsewhere()) == ["password"]
    other = await Client.open(laptop.home)  # as `tj sync` would, beside it
    try:
        assert (await other.devices.unseen_sign_ins())[0] == [first]
        await other.devices.mark_sign_ins_seen()
        await other.change_password(
            NEW_PASSWORD, PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )  # this home proved the password: not replaced elsewhere any more
        second = await login("ana", "second")
        [told] = (await laptop.sync()).new_devices
        assert told.id == second.profile.device_id.hex()
        again = await Client.open(laptop.home)
        try:
            devices, changes = await again.devices.unseen_sign_ins()
            assert [d.id for d in devices] == [told.id]  # not `first` again
            assert changes == []
            assert await again.devices.replaced_elsewhere() == {}
        finally:
            await again.close()
    finally:
        await other.close()


async def test_a_credential_this_device_proves_is_no_longer_kept_as_replaced_elsewhere(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The user rotates both credentials on the phone; the laptop is told and keeps them as
    replaced elsewhere. The laptop then proves the new password (a password change) and makes
    a recovery key of its own: neither is kept any more, so a later sign-in's advice does not
    go by them."""
    laptop = looking_every_sync(await signup("ana"))
    phone = await login("ana", "phone")
    await laptop.sync()
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    await phone.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert len((await laptop.sync()).credential_changes) == 2
    assert sorted(await laptop.devices.replaced_elsewhere()) == ["password", "recovery key"]
    await laptop.change_password(
        NEW_PASSWORD, PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    assert list(await laptop.devices.replaced_elsewhere()) == ["recovery key"]
    await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await laptop.devices.replaced_elsewhere() == {}
    await login("ana", "thief")
    report = await laptop.sync()
    assert [d.name for d in report.new_devices] == ["thief"]
    assert (report.credential_changes, report.replaced_elsewhere) == ([], {})


async def test_marking_the_sign_ins_shown_keeps_the_others_unseen(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """`mark_sign_ins_seen(shown)` forgets those only: a command that printed one sync's
    report (`tj login`'s first sync) leaves what other commands told on their stderr for
    `tj sync` to say."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()
    await login("ana", "first")
    [first] = (await laptop.sync()).new_devices  # told on some command's stderr
    await login("ana", "second")
    report = await laptop.sync()
    [second] = report.new_devices
    await laptop.devices.mark_sign_ins_seen([*report.new_devices, *report.credential_changes])
    assert await laptop.devices.unseen_sign_ins() == ([first], [])
    await laptop.devices.mark_sign_ins_seen([second])  # not kept: nothing happens
    assert await laptop.devices.unseen_sign_ins() == ([first], [])
    await laptop.devices.mark_sign_ins_seen()
    assert await laptop.devices.unseen_sign_ins() == ([], [])


async def test_a_password_change_here_during_a_look_is_not_told_by_that_look(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Another process on this home changes the password while a look waits for the log:
    the look's write is merged with the store (not its copy read before), so the change
    is not told as another device's, nor kept as replaced, and the next look takes it
    silently."""
    laptop = looking_every_sync(await signup("ana"))
    await login("ana", "phone")
    await laptop.sync()  # the baseline
    other = await Client.open(laptop.home)
    log = laptop.devices._log

    async def changed_meanwhile(after: int) -> tuple[list[wire.SignIn], int, int]:
        await other.change_password(
            PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )
        return await log(after)

    try:
        laptop.devices._log = changed_meanwhile  # type: ignore[method-assign]
        report = await laptop.sync()
        laptop.devices._log = log  # type: ignore[method-assign]
        assert report.credential_changes == []
        assert await laptop.devices.replaced_elsewhere() == {}
        assert (await laptop.sync()).credential_changes == []
    finally:
        await other.close()


async def test_a_homes_own_earlier_sessions_are_never_told_as_another_devices(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop's home signs in twice before its next look (a login run twice; or signed
    out in between): its own first new session, under its own name, is not told as "a second
    device named 'laptop', not this one"."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline
    await laptop.close()
    again = await login("ana", "laptop")  # the same home: a new session
    first_session = again.profile.device_id.hex()
    await again.close()
    again = looking_every_sync(await login("ana", "laptop"))  # and another
    assert (await again.sync()).new_devices == []
    thief = await login("ana", "thief")
    await thief.devices.revoke(again.profile.device_id.hex())
    await again.close()
    again = await login("ana", "laptop")
    second_session = again.profile.device_id.hex()
    await thief.devices.revoke(second_session)  # signed out again before any look
    await again.close()
    again = looking_every_sync(await login("ana", "laptop"))
    report = await again.sync()
    assert [d.name for d in report.new_devices] == ["thief"], [d.line() for d in report.new_devices]
    assert first_session not in {d.id for d in report.new_devices}
    assert second_session not in {d.id for d in report.new_devices}


async def test_a_sign_in_after_the_homes_first_new_session_stays_after_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop signs in again; a thief signs in after that and signs the laptop out, so it
    signs in once more: the thief's sign-in followed a session the laptop had proved, so it
    is not told as made before (the cut-off is the home's first new session), and the SDK's
    own lines keep the mark of one that was."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline
    phone = await login("ana", "phone")
    await phone.devices.revoke(laptop.profile.device_id.hex())
    await laptop.close()
    again = await login("ana", "laptop")  # the first new session (no look yet)
    thief = await login("ana", "thief")
    await thief.devices.revoke(again.profile.device_id.hex())
    await again.close()
    again = looking_every_sync(await login("ana", "laptop"))
    report = await again.sync()
    told = {d.name: d.before_sign_in for d in report.new_devices}
    assert told == {"phone": True, "thief": False}, [d.line() for d in report.new_devices]
    lines = report.lines()
    [phone_line] = [line for line in lines if "'phone'" in line]
    assert phone_line.startswith(
        "Notice: New sign-in on this account before this device signed in again: 'phone'"
    ), lines
    [thief_line] = [line for line in lines if "'thief'" in line]
    assert thief_line.startswith("Notice: New sign-in on this account: 'thief'"), lines


async def test_a_homes_own_sign_in_no_longer_kept_tells_everything_as_after_it(
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """The laptop signs in again; after that a thief changes the password (the laptop stays
    signed in) and signs in more often than the server keeps rows (3 here), so the laptop's
    own new row is gone by its next look: which sign-ins came before it is unknown, so none
    is told as before it, and the password change is told."""
    monkeypatch.setattr(sqlite_storage, "SIGN_INS_KEPT", 3)
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()  # the baseline
    await laptop.close()
    again = looking_every_sync(await login("ana", "laptop"))  # a new session, no look yet
    live_server.clock.now += 60_000
    thief = await login("ana", "thief")
    await thief.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    for n in range(3):  # pushes the laptop's own new row out of the log
        await (await login("ana", f"x{n}", NEW_PASSWORD)).logout()
    report = await again.sync()
    assert [c.what for c in report.credential_changes] == ["password"]
    assert report.new_devices and not any(d.before_sign_in for d in report.new_devices)


def test_a_look_that_another_session_of_the_home_began_during_writes_nothing() -> None:
    """A look read the row after one new session of the home; another login on the home
    during the look (its id added) makes it write nothing: the next look reads again from
    the number kept, with both sessions as its own. Pure."""
    from client_sdk.devices import _merged_look

    read = {"seq": 4, "at": 1, "session": True, "own_ids": ["aa"]}
    stored = {**read, "own_ids": ["aa", "bb"]}
    written, _, _ = _merged_look(stored, read, [], [], True, 2, 9, 1, 1)
    assert written is None
    written, _, _ = _merged_look(read, read, [], [], True, 2, 9, 1, 1)
    assert written is not None and "own_ids" not in written and "session" not in written


async def test_a_row_the_server_marks_current_under_another_id_is_told(
    through: Through,  # noqa: F811
    hostile: HostileServer,  # noqa: F811
    login: ClientFactory,
) -> None:
    """rev34c F6: a hostile server marks an intruder's row of the log `current` (the
    session asking), nothing else changed and no number missing. The laptop knows its own
    session id: a row under another id is not its own, and the intruder is told."""
    laptop = looking_every_sync(await through("ana"))
    await laptop.sync()  # the baseline look
    intruder = await login("ana", "intruder")  # the stolen password, another home
    intruder_id = intruder.profile.device_id

    def mark_current(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.SignInList, reply)
        rows = [
            dataclasses.replace(r, current=True) if r.device_id == intruder_id else r
            for r in listed.sign_ins
        ]
        return wire.encode(dataclasses.replace(listed, sign_ins=rows))

    hostile.replies["/v1/account/sign-ins"] = mark_current
    report = await laptop.sync()
    [told] = report.new_devices
    assert (told.id, told.name, told.again_of) == (intruder_id.hex(), "intruder", "")
    assert "New sign-in on this account: 'intruder'" in told.line(), told.line()
    assert report.lines() != ["Nothing new."]
