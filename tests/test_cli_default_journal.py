"""The default journal follows renames (NU65 F7): `tj journal rename Personal "My journal"`
left every command that names no journal (`tj write`, `tj mood`, `tj goal add`, ...) failing
with "no journal named 'Personal'", on the device that renamed it and on the account's other
devices once the rename synced. The default journal is found by its id, which every device
of the account derives from the account key. Real `tj` against a real server on loopback."""

from __future__ import annotations

from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    laptop,
    phone,
)
from tests.test_cli_nu56_findings import flat


async def test_a_renamed_default_journal_stays_the_default_on_every_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The laptop renames Personal "My journal" and syncs; the phone, which never wrote
    before, syncs, then writes, checks in a mood, adds a goal and takes a PHQ-9 with no
    --journal: each goes to "My journal" on both devices. `tj journal default` names it."""
    await phone.ok("sync")
    renamed = await laptop.tj("journal", "rename", "Personal", "My journal")
    assert renamed.exit_code == 0, renamed.output
    await laptop.ok("write", "--mood", "5", "After rename, default journal")
    await phone.ok("sync")
    for device, words in ((phone, "Written on the phone"), (laptop, "Written on the laptop")):
        done = await device.tj("write", words)
        assert done.exit_code == 0, done.output
        assert (await device.tj("mood", "5")).exit_code == 0
    goal = await phone.tj("goal", "add", "Sleep by 23:00")
    assert goal.exit_code == 0, goal.output
    taken = await phone.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    assert taken.exit_code == 0, taken.output
    await laptop.ok("sync")
    await phone.ok("sync")
    for device in (laptop, phone):
        bodies = [e["body"] for e in await device.json("list", "--journal", "My journal")]
        assert {
            "After rename, default journal",
            "Written on the phone",
            "Written on the laptop",
        } <= set(bodies), bodies
        results = await device.json("measure", "list", "--journal", "My journal")
        assert [r["measure"] for r in results] == ["phq9"], results
        [journal] = [j for j in await device.json("journal", "list") if j["own"]]
        assert journal["name"] == "My journal"
        shown = await device.tj("journal", "default")
        assert "Your default journal is 'My journal'." in flat(shown.output), shown.output


async def test_no_default_journal_says_so_and_names_the_command(
    laptop: Device,  # noqa: F811
) -> None:
    """With the default journal deleted, a write with no --journal says there is no default
    journal and how to choose one, never that a journal may not be shared or synced yet;
    `tj journal default NAME` chooses one on this device, where writes then go."""
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("journal", "delete", "Personal", "--yes")
    refused = await laptop.tj("write", "Nowhere yet")
    said = flat(refused.stderr)
    assert refused.exit_code != 0
    assert "you have no default journal on this device" in said, said
    assert "`tj journal default NAME`" in said, said
    assert "shared with you" not in said and "no journal named" not in said, said
    chosen = await laptop.tj("journal", "default", "Dreams")
    assert "Your default journal on this device is now Dreams." in flat(chosen.output)
    await laptop.ok("write", "Into dreams")
    assert [e["body"] for e in await laptop.json("list", "--journal", "Dreams")] == ["Into dreams"]
