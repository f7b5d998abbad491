"""NU34 #8: `TZ=America/New_York tj write --date "2025-12-03 21:30" ...`, then
`TZ=Asia/Tokyo tj show` gave `updated:` for an entry never edited (its back-dated
`created_at` differs from the `updated_at` of its first save), and that time in the reader's
zone with no offset while `written:` had one. `updated:` is now shown only for an entry that
may have changed after it was written (`Entry.changed`: an edit here or on another device, a
move to the trash and back, an import of an entry changed before, a copy kept for a member),
and every time of `tj show` gives its zone's offset. Real server on loopback, real crypto."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Zone]:
    yield Zone(monkeypatch)
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.undo()
    time.tzset()


class Zone:
    """The process's time zone (`tj` runs in this process: click's runner)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, name: str) -> None:
        self.monkeypatch.setenv("TZ", name)
        time.tzset()


def header(shown: str) -> dict[str, str]:
    """The `name: value` lines of `tj show` before the body."""
    lines = shown.split("\n\n")[0].splitlines()
    return {line.split(":")[0]: line.split(":", 1)[1].strip() for line in lines}


async def back_dated(device: Device, zone: Zone) -> str:
    zone("America/New_York")
    return (await device.ok("write", "--date", "2025-12-03 21:30", "Late night.")).stdout.strip()


async def test_a_back_dated_entry_never_edited_shows_no_updated_time_on_any_device(
    live_server: RunningServer, tmp_path: Path, zone: Zone
) -> None:
    """The finding's reproduction, on the writing device and on a device that pulled the
    entry from the server: "written" with its writer's offset, no "updated"."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = await back_dated(ana, zone)
    zone("Asia/Tokyo")
    shown = header((await ana.ok("show", entry)).stdout)
    assert shown["written"] == "2025-12-03 21:30 (UTC-0500)", shown
    assert "updated" not in shown, shown
    [listed] = await ana.json("list")
    assert listed["updated_at"] != listed["created_at"]  # --json unchanged: both times, UTC
    pulled = Device(tmp_path / "phone", live_server.url)
    await pulled.ok("login", live_server.url, "ana", "--device-name", "phone")
    shown = header((await pulled.ok("show", entry)).stdout)
    assert shown["written"] == "2025-12-03 21:30 (UTC-0500)", shown
    assert "updated" not in shown, shown


async def test_an_entry_edited_on_another_device_shows_updated_with_its_offset(
    live_server: RunningServer, tmp_path: Path, zone: Zone
) -> None:
    """An edit made on another device, pulled here: "updated" in this device's zone, with the
    offset, as "written" has one."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = await back_dated(ana, zone)
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("edit", entry, "--mood", "4")
    await ana.ok("sync")
    zone("Asia/Tokyo")
    shown = header((await ana.ok("show", entry)).stdout)
    assert shown["written"] == "2025-12-03 21:30 (UTC-0500)", shown
    assert shown["updated"].endswith(" (UTC+0900)"), shown
    [listed] = await ana.json("list")
    assert shown["updated"].startswith(listed["updated_at"][:4])
    # and on the device that made the edit
    assert header((await phone.ok("show", entry)).stdout)["updated"].endswith("(UTC+0900)")


async def test_trash_then_restore_and_an_import_of_an_edited_entry_show_updated(
    live_server: RunningServer, tmp_path: Path, zone: Zone
) -> None:
    """A move to the trash and back changes the entry; an entry edited before an export is
    imported as changed (its one import is not taken for a first save)."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = await back_dated(ana, zone)
    await ana.ok("delete", entry, "--yes")
    trashed = header((await ana.ok("show", entry)).stdout)
    assert trashed["TRASH"].startswith("in the trash since ") and "(UTC-0500); " in trashed["TRASH"]
    await ana.ok("restore", entry)
    assert header((await ana.ok("show", entry)).stdout)["updated"].endswith("(UTC-0500)")
    edited = (await ana.ok("write", "--date", "2025-12-01 08:00", "Edited one.")).stdout.strip()
    await ana.ok("edit", edited, "--title", "Morning")
    untouched = (await ana.ok("write", "--date", "2025-12-02 08:00", "Never edited.")).stdout
    [export_file] = (await ana.json("export", "--out", str(tmp_path / "out")))["files"]
    bob = await new_device(live_server, tmp_path, "bob")
    await bob.ok("import", export_file)
    imported = {e["body"]: e for e in await bob.json("list")}
    assert set(imported) == {"Late night.", "Edited one.", "Never edited."}, untouched
    shown = header((await bob.ok("show", imported["Edited one."]["id"])).stdout)
    assert shown["written"] == "2025-12-01 08:00 (UTC-0500)", shown
    assert "updated" in shown, shown  # a wrong "never edited" is worse than an extra line


async def test_a_copy_of_an_entry_edited_before_it_was_shared_shows_updated(
    live_server: RunningServer, tmp_path: Path, zone: Zone
) -> None:
    """`tj share-entry` copies the entry in one update, its times as they were: the
    therapist's device does not take that one update for a first save."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    entry = await back_dated(ana, zone)
    await ana.ok("edit", entry, "--mood", "6")
    await ana.ok("share-entry", entry, "drsmith", "--only", "mood", "--trust-on-first-use")
    await drsmith.ok("sync")
    [copy] = await drsmith.json("list")
    shown = header((await drsmith.ok("show", copy["id"])).stdout)
    assert shown["mood"] == "6/10", shown
    assert "updated" in shown, shown
