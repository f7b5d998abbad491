"""The read-only copy of one of the account's journals deleted on another device, holding
only an entry in its trash (the last copy of its words here): `tj list`, `tj trash`,
`tj show` and the delete question all say it is there, and none offers a restore, which
that copy refuses (real server on loopback, CliRunner)."""

from __future__ import annotations

from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said


async def test_every_view_of_a_gone_journal_s_trash_agrees_and_offers_no_restore(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Job")
    entry_id = (await laptop.ok("write", "--journal", "Job", "Standup notes, merged")).stdout
    short = entry_id.strip()[:12]
    await phone.ok("sync")
    await phone.ok("delete", short, "--yes")  # to the trash, synced
    await laptop.ok("sync")
    [gone] = [j["id"][:12] for j in await laptop.json("journal", "list") if j["name"] == "Job"]
    await laptop.ok("journal", "delete", "Job", "--yes")
    await phone.ok("sync")

    listed = said((await phone.ok("list", "--journal", "Job")).stderr)
    assert "holds none" not in listed
    assert "read-only copy holds 1 entry in its trash, which cannot be restored" in listed

    trash = await phone.ok("trash")
    text = said(trash.stdout + trash.stderr)
    assert "The trash is empty" not in text
    assert "1 entry, which cannot be restored" in text and f"- {short} in Job" in text
    assert await phone.json("trash") == []  # the restorable trash: none (its JSON as before)

    shown = said((await phone.ok("show", short)).stdout)
    assert "Standup notes, merged" in shown
    assert "it cannot be restored" in shown and "tj restore" not in shown

    asked = await phone.tj("journal", "delete", gone, input="\n")
    assert asked.exit_code == 1
    assert "(1 entry, in the trash)" in said(asked.stderr)
