"""The read-only copy of one of the account's journals deleted on another device, holding
only an entry in its trash (the last copy of its words here): `tj list`, `tj trash`,
`tj show` and the delete question all say it is there, and none offers a restore, which
that copy refuses (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

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


async def test_the_export_keeps_the_trash_of_a_gone_copy_as_the_advice_says(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj trash` and `tj show` say `tj export --out DIR` keeps an entry in the trash of a
    read-only copy of a journal deleted on another device: the JSON and Markdown exports,
    whole or of that journal only, hold it with its `trashed_at`, beside its live entries
    (as a live journal's export does), before `tj journal delete` erases the copy."""
    await laptop.ok("journal", "create", "Dreams")
    trashed = (await laptop.ok("write", "--journal", "Dreams", "Flying over the sea")).stdout
    await laptop.ok("write", "--journal", "Dreams", "Falling, then waking")
    await laptop.ok("delete", trashed.strip()[:12], "--yes")
    await laptop.ok("sync")
    await phone.ok("sync")
    [gone] = [j["id"] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    await laptop.ok("journal", "delete", "Dreams", "--yes")
    await phone.ok("sync")
    shown = await phone.ok("trash")
    trash = said(shown.stdout + shown.stderr)
    assert "export --out DIR` keeps it" in trash  # the advice this test holds it to

    for name, scope in (("whole", ()), ("one", ("--journal", gone[:12]))):
        out = tmp_path / name
        path = Path((await phone.ok("export", *scope, "--out", str(out))).stdout.strip())
        exported = json.loads(path.read_text())
        kept = {e["body"]: e["trashed_at"] for e in exported["entries"] if e["journal_id"] == gone}
        assert set(kept) == {"Flying over the sea", "Falling, then waking"}
        assert kept["Flying over the sea"] is not None
        assert kept["Falling, then waking"] is None

        markdown = tmp_path / f"{name}-md"
        await phone.ok("export", *scope, "--format", "markdown", "--out", str(markdown))
        files = {p: p.read_text() for p in markdown.rglob("*.md")}
        [in_trash] = [p for p, text in files.items() if "Flying over the sea" in text]
        assert in_trash.parent.name == "trash" and "trashed_at:" in files[in_trash]
