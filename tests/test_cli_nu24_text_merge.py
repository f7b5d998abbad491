"""NU24 C1 as a user sees it in the CLI (real server, CliRunner, two devices kept apart by
stopping the server): the body of one entry replaced on both devices offline. Each device's
wording is kept whole (not mixed letter by letter) everywhere, and each device's sync says
once that the texts were merged, with the command that shows the entry."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401


async def test_a_body_replaced_on_two_offline_devices_is_kept_whole_and_told(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    entry = (await laptop.ok("write", "--title", "Work", "Work was hard today.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    laptop_text = "Laptop version: work is fine now."
    phone_text = "Phone version: work still worries me."
    await laptop.ok("edit", entry[:8], "--body", laptop_text, "--mood", "5")
    await phone.ok("edit", entry[:8], "--body", phone_text, "--mood", "3")
    await outage.end()
    assert "Merged:" not in (await laptop.ok("sync")).stderr  # nothing of the phone's yet
    said = " ".join((await phone.ok("sync")).stderr.split())
    assert f'Merged: the text of entry {entry[:12]} ("Work"), changed on this device at ' in said
    assert f"Read it to check it says what you meant: `tj show {entry[:12]}`." in said
    said = " ".join((await laptop.ok("sync")).stderr.split())
    assert f"Merged: the text of entry {entry[:12]}" in said
    for device in (laptop, phone):
        assert "Merged:" not in (await device.ok("sync")).stderr  # told once
    bodies = [(await device.json("show", entry))["body"] for device in (laptop, phone)]
    assert bodies[0] == bodies[1]
    assert laptop_text in bodies[0] and phone_text in bodies[0]
    # `tj history` says the text was merged (its versions are not kept)
    for device in (laptop, phone):
        shown = " ".join((await device.ok("history", entry[:8])).stdout.split())
        assert (
            "the text was merged with another device's change (this device had changed it at "
            in shown
        )
        assert f"`tj show {entry[:12]}`" in shown
        [merge] = (await device.json("history", entry[:8]))["merges"]
        assert (merge["id"], merge["kind"], merge["title"]) == (entry, "entry", "Work")


async def test_a_goal_why_and_a_safety_plan_merged_apart_are_told_naming_them(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """NU24 C1 follow-up: a goal's why and a safety plan's text merge like a body, and were
    merged silently: each is told once, named, with the command that shows it."""
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    goal = (await laptop.ok("goal", "add", "Sleep", "--why", "To feel rested.")).stdout.strip()
    await laptop.ok("safety", "plan", "--text", "Call Sam.")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await outage.begin()
    await laptop.ok("goal", "edit", goal[:8], "--why", "So that I sleep better at night.")
    await phone.ok("goal", "edit", goal[:8], "--why", "Because my doctor asked me to.")
    await laptop.ok("safety", "plan", "--text", "Call Sam, then walk to the park.")
    await phone.ok("safety", "plan", "--text", "Breathe; call my sister Lea.")
    await outage.end()
    assert "Merged:" not in (await laptop.ok("sync")).stderr
    for device in (phone, laptop):
        said = " ".join((await device.ok("sync")).stderr.split())
        assert f"Merged: the why of goal 'Sleep' ({goal[:12]}), changed on this device at " in said
        assert f"check it says what you meant: `tj goal show {goal[:12]}`." in said
        assert "Merged: the safety plan of Personal, changed on this device at " in said
        assert "check it says what you meant: `tj safety plan`." in said
        assert "the text of entry" not in said
    for device in (laptop, phone):
        assert "Merged:" not in (await device.ok("sync")).stderr  # told once
    told = await laptop.json("sync")
    assert told["merged_texts"] == []
    plans = {(await device.json("safety", "plan"))["plan"] for device in (laptop, phone)}
    [plan] = plans
    assert "walk to the park" in plan and "my sister Lea" in plan


async def test_a_body_merged_through_a_shares_reseal_is_told_on_both_devices(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """R45 F4 as a user sees it: both devices replace an entry's body offline, then the
    phone shares the journal with a therapist; the laptop's change, written before the
    share, reaches the phone in a re-sealed snapshot, and the phone's `tj sync` says
    `Merged:` as the laptop's does (it said nothing)."""
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    tom = Device(tmp_path / "tom", live_server.url)
    await tom.ok("signup", live_server.url, "tom")
    entry = (await laptop.ok("write", "--title", "Work", "Work was hard today.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("edit", entry[:8], "--body", "Laptop version: work is fine now.")
    await phone.ok("edit", entry[:8], "--body", "Phone version: work still worries me.")
    await outage.end()
    await phone.ok(
        "share", "Personal", "tom", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    told = {"laptop": 0, "phone": 0}
    for _ in range(2):
        for name, device in (("laptop", laptop), ("phone", phone)):
            said = " ".join((await device.ok("sync")).stderr.split())
            told[name] += said.count(f'Merged: the text of entry {entry[:12]} ("Work")')
    assert told == {"laptop": 1, "phone": 1}
    bodies = [(await device.json("show", entry))["body"] for device in (laptop, phone)]
    assert bodies[0] == bodies[1]
    assert "Laptop version" in bodies[0] and "Phone version" in bodies[0]


def test_a_merged_safety_plan_names_its_journal_quoted_for_the_shell() -> None:
    """rev-c: the command told is quoted as every other command a notice names (shlex), not
    as a Python string: a journal named `Ana's "safe" words` gave `--journal 'Ana\\'s "safe"
    words'`, which no shell reads."""
    import shlex
    from datetime import UTC, datetime

    from cli.output import merged_line, shown
    from client_sdk.settling import MergedText

    name = 'Ana\'s "safe" words'
    merged = MergedText("ab" * 16, "safety_plan", "", name, datetime(2026, 1, 1, tzinfo=UTC))
    line = shown(merged_line(merged))  # as printed
    command = line[line.index("`") + 1 : line.rindex("`")]
    assert shlex.split(command) == ["tj", "safety", "plan", "--journal", name], line


async def test_a_merged_safety_plan_names_a_journal_that_is_not_the_default_by_its_id(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """ana renamed her default journal "My journal" and made a new "Personal": the safety
    plan of "Personal" merged apart is told with `tj safety plan --journal Personal` (with
    no --journal it would open the default journal's plan), and one of "My journal", the
    default, with no --journal. Which journal is the default is told by its id, never by
    the name "Personal"."""
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("journal", "rename", "Personal", "My journal")
    await laptop.ok("journal", "create", "Personal")
    for journal in ("Personal", "My journal"):
        await laptop.ok("safety", "plan", "--journal", journal, "--text", "Call Sam.")
    await phone.ok("sync")
    for journal in ("Personal", "My journal"):  # shown here before they are changed
        await phone.ok("safety", "plan", "--journal", journal)
    await outage.begin()
    for device, text in ((laptop, "Call Sam, then walk."), (phone, "Breathe; call Lea.")):
        for journal in ("Personal", "My journal"):
            await device.ok("safety", "plan", "--journal", journal, "--text", text)
    await outage.end()
    await laptop.ok("sync")
    said = " ".join((await phone.ok("sync")).stderr.split())
    assert "Merged: the safety plan of Personal, changed on this device at " in said
    assert "check it says what you meant: `tj safety plan --journal Personal`." in said
    assert "Merged: the safety plan of My journal, changed on this device at " in said
    assert "check it says what you meant: `tj safety plan`." in said
