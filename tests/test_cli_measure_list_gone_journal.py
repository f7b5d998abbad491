"""`tj measure list` with no `--journal` lists the results of one's own journal deleted on
another device (its read-only copy still on this device), marked "(gone from the server)",
never "No results yet" while the device holds one (real server on loopback, CliRunner,
`--json` parsed)."""

from __future__ import annotations

from tests.test_cli import Device, laptop, phone  # noqa: F401


async def test_results_of_an_own_journal_deleted_elsewhere_stay_listed(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Checkins")
    taken = await laptop.json("measure", "take", "gad7", "--journal", "Checkins", "--answers", "1,1,1,1,1,1,1")  # fmt: skip
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Checkins", input="Checkins\n")
    await phone.ok("sync")

    listed = await phone.json("measure", "list")
    assert [r["id"] for r in listed] == [taken["id"]], listed
    shown = await phone.ok("measure", "list")
    assert "No results yet" not in shown.stdout + shown.stderr
    assert "Checkins" in shown.stdout and "(gone from the server)" in shown.stdout
