"""NU45 #6: `tj edit ID --no-mood` removes an entry's mood, on the phone too after a sync;
with --mood it is refused (exit 2), and a mood check-in with nothing else keeps its mood
(real server, CliRunner)."""

from __future__ import annotations

from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401


async def test_no_mood_removes_the_mood_on_every_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    entry = (await laptop.ok("write", "--mood", "3", "--tag", "work", "Long day.")).stdout.strip()
    await phone.ok("sync")
    assert (await phone.json("show", entry))["mood"] == 3

    edited = await laptop.ok("edit", entry[:8], "--no-mood")
    assert edited.stdout.strip() == entry
    assert edited.stderr.strip().splitlines() == [
        f"Entry {entry[:12]} saved; synced.",
        f"Removed mood 3/10: `tj edit {entry[:12]} --mood 3` puts it back.",  # NU48 #2
    ]
    shown = await laptop.json("show", entry)
    assert (shown["mood"], shown["tags"], shown["body"]) == (None, ["work"], "Long day.")
    await phone.ok("sync")
    assert (await phone.json("show", entry))["mood"] is None


async def test_no_mood_with_a_mood_or_on_a_mood_check_in_changes_nothing(
    laptop: Device,  # noqa: F811
) -> None:
    entry = (await laptop.ok("write", "--mood", "3", "Long day.")).stdout.strip()
    both = failed_with_one_line(await laptop.tj("edit", entry[:8], "--mood", "5", "--no-mood"), 2)
    assert both == "Error: give a new mood, or clear it, not both"
    assert (await laptop.json("show", entry))["mood"] == 3

    await laptop.ok("mood", "6")
    [check_in] = [e for e in await laptop.json("list") if e["mood"] == 6]
    empty = failed_with_one_line(await laptop.tj("edit", check_in["id"][:8], "--no-mood"))
    assert empty.startswith("Error: an entry needs something in it:")
    assert (await laptop.json("show", check_in["id"]))["mood"] == 6
