"""`tj sync` tells a sign-in of another device once, with what to do if it was not the user,
in words on stderr and in `--json` ("new_devices"); a recovery is told with the recovery
key, and the password and recovery key it changed. Real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_tj_sync_tells_a_new_sign_in_once_in_words_and_json(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")
    said = await laptop.ok("sync")
    told = " ".join(said.stderr.split())  # wrapped at the terminal's width
    assert told.count("New sign-in") == 1, told
    assert "Notice: New sign-in on this account: 'tablet', " in told
    assert "(with the recovery key)" not in told
    assert (
        "Not you? Run `tj devices` to sign it out, then `tj password change` and "
        "`tj recovery-key new`." in told
    )
    again = await laptop.json("sync")  # told once
    assert again["new_devices"] == []
    assert "sign-in" not in (await laptop.ok("sync")).stderr


async def test_tj_sync_json_carries_a_recovery_on_a_new_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    key = laptop.signup["recovery_key"]
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "ana",
        "--device-name",
        "tablet",
        input=f"{key}\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )
    report = await laptop.json("sync")
    [new] = report["new_devices"]
    assert (new["name"], new["by_recovery_key"]) == ("tablet", True)
    assert sorted(c["what"] for c in report["credential_changes"]) == ["password", "recovery key"]
