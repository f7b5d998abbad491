"""nu86 F6: the device that signed up is told, at its first `tj sync` (or the sync of its
first `tj write`), of a sign-in or a recovery made elsewhere after the signup. nu86 F5: after
this device's own `tj recovery-key new`, a `tj recover` elsewhere replacing the password and
the key is told as such (not only as a sign-in), and a refused `tj recovery-key new` then
names the change and `tj recover`, never "the old one still works". Real server on
127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, new_recovery_key
from tests.test_cli_insights import new_device


async def test_the_signup_devices_first_sync_tells_a_sign_in_made_before_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "dan")
    live_server.clock.now += 1000
    other = Device(tmp_path / "other", live_server.url)
    await other.ok("login", live_server.url, "dan", "--device-name", "other")
    [listed] = [d for d in await other.json("devices") if d["current"]]
    report = await laptop.json("sync")
    assert [d["id"] for d in report["new_devices"]] == [listed["id"]]
    assert "New sign-in" not in (await laptop.ok("sync")).stderr  # told once


async def test_the_signup_devices_first_write_tells_a_sign_in_made_before_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "fay")
    live_server.clock.now += 1000
    other = Device(tmp_path / "other", live_server.url)
    await other.ok("login", live_server.url, "fay", "--device-name", "other")
    written = await laptop.ok("write", "A first entry.")
    synced = await laptop.ok("sync")
    told = " ".join((written.stderr + synced.stderr).split())
    assert told.count("New sign-in on this account: 'other'") == 1, told


async def test_the_signup_devices_first_sync_tells_a_recovery_made_before_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "cal")
    live_server.clock.now += 1000
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "cal",
        "--device-name",
        "tablet",
        env={"TJ_RECOVERY_KEY": laptop.signup["recovery_key"], "TJ_PASSWORD": "recovered 2026 x"},
    )
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert "New sign-in on this account: 'tablet'" in told, told
    assert "(with the recovery key)" in told
    assert "The password of this account was changed on another device" in told, told
    assert "The recovery key of this account was changed on another device" in told, told


async def test_a_recover_after_this_devices_new_recovery_key_is_told_and_advised(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "hal")
    await laptop.ok("write", "x")
    live_server.clock.now += 1000
    key = new_recovery_key(await laptop.ok("recovery-key", "new", "--keep-others"))
    live_server.clock.now += 1000
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "hal",
        "--device-name",
        "tablet",
        env={"TJ_RECOVERY_KEY": key, "TJ_PASSWORD": "recovered 2026 x"},
    )
    report = await laptop.json("sync")
    assert sorted(c["what"] for c in report["credential_changes"]) == [
        "password",
        "recovery key",
    ], report
    # the password this device knows was replaced: the refusal says so and what to do
    refused = await laptop.tj("recovery-key", "new", "--sign-out-others")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1, said
    assert "the password is wrong; the recovery key was not replaced" in said, said
    assert "still works" not in said, said
    assert "the password was changed on another device on" in said, said
    assert (
        f"`tj recover {live_server.url} hal --sign-out-others` with the recovery key you hold"
        in said
    ), said
    assert "the server offers no way to take the account back" in said, said


async def test_a_refused_recovery_key_new_names_a_recover_elsewhere_no_sync_told_yet(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Before any sync told it: the server's change times say the password and the key were
    replaced since this device's last look, and the refusal says so (not "the old one still
    works", false: the key was retired by that recovery)."""
    laptop = await new_device(live_server, tmp_path, "ivy")
    await laptop.ok("sync")
    live_server.clock.now += 1000
    key = new_recovery_key(await laptop.ok("recovery-key", "new", "--keep-others"))
    live_server.clock.now += 1000
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "ivy",
        env={"TJ_RECOVERY_KEY": key, "TJ_PASSWORD": "recovered 2026 x"},
    )
    refused = await laptop.tj("recovery-key", "new", "--sign-out-others")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1, said
    assert "still works" not in said, said
    assert (
        "the password was changed on another device on " in said
        and "(the server says so; `tj sync` tells it), and the recovery key too" in said
    ), said
    assert (
        f"`tj recover {live_server.url} ivy --sign-out-others` with the recovery key you hold"
        in said
    ), said
    told = " ".join((await laptop.ok("sync")).stderr.split())  # still told by the sync
    assert "The password of this account was changed on another device" in told, told


async def test_a_refused_recovery_key_new_before_the_signup_devices_first_sync_names_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The same on the device that signed up, before its first sync: its new recovery key,
    then a recovery elsewhere with it (nu86's account bea)."""
    laptop = await new_device(live_server, tmp_path, "bea")
    live_server.clock.now += 1000
    key = new_recovery_key(await laptop.ok("recovery-key", "new", "--keep-others"))
    live_server.clock.now += 1000
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "bea",
        env={"TJ_RECOVERY_KEY": key, "TJ_PASSWORD": "recovered 2026 x"},
    )
    refused = await laptop.tj("recovery-key", "new", "--sign-out-others")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1, said
    assert "still works" not in said, said
    assert "(the server says so; `tj sync` tells it), and the recovery key too" in said, said
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert "The password of this account was changed on another device" in told, told
    assert "The recovery key of this account was changed on another device" in told, told
