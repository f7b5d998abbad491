"""A journal deleted on another device, restored from its export on one device, then the
same file imported on a second device that synced the restore: nothing is added there
(no second journal, no second copy of entries or results), as `tj import --help` says
("importing a file twice adds nothing"). Real server on loopback, CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said


async def test_the_same_export_imported_on_a_second_device_adds_nothing(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying over the sea")
    await laptop.ok("write", "--journal", "Dreams", "Falling, then waking")
    await laptop.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1", "--journal", "Dreams")
    await laptop.ok("sync")
    await phone.ok("sync")
    await phone.ok("journal", "delete", "Dreams", "--yes")
    await laptop.ok("sync")
    [gone] = [j["id"] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    out = tmp_path / "exp"
    path = (await laptop.ok("export", "--journal", gone[:12], "--out", str(out))).stdout.strip()
    await laptop.ok("import", path)
    await phone.ok("sync")
    before = sorted(j["name"] for j in await phone.json("journal", "list"))
    entries = len(await phone.json("list"))

    again = await phone.ok("import", path)
    assert "Nothing new to import" in said(again.stdout + again.stderr), again.output
    assert sorted(j["name"] for j in await phone.json("journal", "list")) == before
    assert len(await phone.json("list")) == entries
    assert len(await phone.json("measure", "list")) == 1
