"""NU22 C6: `tj logout --yes` skips the question, never the notice; with unsynced changes it
refuses unless `--discard-unsynced` says to lose them (NU70 F16), and then says how many
unsynced changes it discarded, and when the server could not be told, that the server still lists this
device and the command that revokes it; the SDK reports both facts (`LoggedOut`). Devices
bearing one name are told apart by their ids (real server on loopback, CliRunner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import BARE, Device, Outage, outage  # noqa: F401 (the fixture)
from tests.test_cli_insights import new_device

STRONG = "a much longer passphrase 2026"


async def test_logout_yes_offline_says_what_was_discarded_and_that_the_server_still_lists_it(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    shared = Device(tmp_path / "shared-computer", live_server.url)
    await shared.ok("login", live_server.url, "ana", "--device-name", "clinic")
    [listed] = [d for d in await laptop.json("devices") if d["name"] == "clinic"]
    await outage.begin()
    await shared.ok("write", "Unsynced before logout.")
    # NU70 F16: --yes skips the questions, never the one about words that exist nowhere else
    refused = await shared.tj("logout", "--yes")
    assert refused.exit_code == 1, refused.output
    told = " ".join(refused.stderr.split())
    assert (
        "Error: changes to 1 entry on this device have not reached "
        "the server: logging out would lose them for good, so nothing was deleted." in told
    ), told
    assert "`tj logout --yes --discard-unsynced` logs out and loses them" in told, told
    assert (shared.home / "store.db").exists()
    assert [e["body"] for e in await shared.json("list")] == ["Unsynced before logout."]
    done = await shared.ok("logout", "--yes", "--discard-unsynced")
    said = " ".join(done.stderr.split())
    assert "Changes to 1 entry that had not reached the server were discarded." in said, done.stderr
    assert "Signed out;" not in done.stderr  # the server was never told
    revoke = f"`{BARE}tj devices revoke {listed['id'][:12]}`"  # run on another device
    assert f"the server still lists this device as signed in until you run {revoke}" in said
    assert not (shared.home / "store.db").exists()

    await outage.end()
    still = [d["id"] for d in await laptop.json("devices")]
    assert listed["id"] in still  # what the notice said is true
    await laptop.ok("devices", "revoke", listed["id"][:12], "--yes")
    assert listed["id"] not in [d["id"] for d in await laptop.json("devices")]


async def test_logout_online_says_signed_out_and_the_server_no_longer_lists_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("write", "Synced before logout.")
    done = await phone.ok("logout", "--yes")
    assert "Signed out; the local data of this device was deleted:" in done.stderr
    assert "discarded" not in done.stderr and "revoke" not in done.stderr
    assert all(d["name"] != "phone" for d in await laptop.json("devices"))


async def test_sdk_logout_reports_discarded_changes_and_whether_the_server_was_told(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    from client_sdk import Client, LoggedOut, UnsyncedChanges
    from client_sdk.crypto import INSECURE_TEST_COST
    from tests.conftest import PASSWORD

    await new_device(live_server, tmp_path, "ana")
    online = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "sdk-a",
        device_name="a",
        minimum_cost=INSECURE_TEST_COST,
    )
    await online.entries.write(None, "Reached the server.")
    await online.sync()
    assert await online.logout() == LoggedOut(0, True, online.profile.device_id.hex())

    offline = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "sdk-b",
        device_name="b",
        minimum_cost=INSECURE_TEST_COST,
    )
    await outage.begin()
    await offline.entries.write(None, "Never reached it.")
    await offline.entries.write(None, "Nor this one.")
    with pytest.raises(UnsyncedChanges) as refused:  # NU45 #3: never dropped unasked
        await offline.logout()
    assert refused.value.count == 2 and (offline.home / "store.db").exists()
    done = await offline.logout(discard_unsynced=True)
    assert done == LoggedOut(2, False, offline.profile.device_id.hex())
    await outage.end()


async def test_other_devices_of_one_name_are_told_apart_by_their_ids(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    for home in ("vm-1", "vm-2", "phone"):
        name = "phone" if home == "phone" else "vm"
        await Device(tmp_path / home, live_server.url).ok(
            "login", live_server.url, "ana", "--device-name", name
        )
    ids: dict[str, list[str]] = {}
    for d in await laptop.json("devices"):
        if not d["current"]:
            ids.setdefault(d["name"], []).append(d["id"][:12])
    changed = await laptop.ok(
        "password", "change", "--keep-others", env={"TJ_NEW_PASSWORD": STRONG}
    )
    line = next(x for x in changed.stderr.splitlines() if "stay signed in:" in x)
    vms = re.findall(r"vm \(([0-9a-f]{12})\)", line)
    assert sorted(vms) == sorted(ids["vm"]), line
    assert "phone" in line and "phone (" not in line, line  # a name borne once needs no id
