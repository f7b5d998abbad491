"""`tj goal history`, `tj safety history` and `tj homework history`: the values this device
wrote to a goal, the safety plan and homework, as `tj history` shows an entry's, so that a
value another device's change overtook at a sync ("Settled: ... This device had 'X': `tj goal
history ID` keeps it") can be read again (real server, real `tj`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli import output
from client_sdk.settling import Settled
from client_sdk.sync import SyncReport
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401
from tests.test_cli_insights import new_device

NIGHT = [
    "--set", "bed_time=23:00", "--set", "try_sleep_time=23:30",
    "--set", "sleep_onset_minutes=20", "--set", "awakenings=2", "--set", "awake_minutes=15",
    "--set", "final_wake_time=06:30", "--set", "out_of_bed_time=07:00",
]  # fmt: skip
WIDE = {"COLUMNS": "200"}


async def two_devices(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    laptop = await new_device(server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", server.url)
    await phone.ok("login", server.url, "ana", "--device-name", "phone")
    return laptop, phone


async def settle(laptop: Device, phone: Device) -> tuple[Device, Device, str]:
    """Sync phone, laptop, phone: (the device whose value lost, the other, the Settled line
    it printed, on one line)."""
    said = {}
    for name, device in (("phone", phone), ("laptop", laptop), ("phone ", phone)):
        said[name] = " ".join((await device.ok("sync")).stderr.split())
    lines = [(name.strip(), s) for name, s in said.items() if "Settled:" in s]
    assert len(lines) == 1, said
    lost_on, line = lines[0]
    return (laptop, phone, line) if lost_on == "laptop" else (phone, laptop, line)


def fields(history: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(h["field"], h["value"]) for h in history["history"]]


async def test_a_goal_title_overtaken_on_another_device_is_in_goal_history(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "4 sessions")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()  # both devices offline
    await laptop.ok("goal", "edit", goal[:8], "--title", "Walk by the river")
    await phone.ok("goal", "edit", goal[:8], "--title", "Walk by the sea")
    await outage.end()
    loser, winner, line = await settle(laptop, phone)
    kept = (await winner.json("goal", "show", goal))["title"]
    mine = ({"Walk by the river", "Walk by the sea"} - {kept}).pop()
    assert f"This device had '{mine}': `tj goal history {goal[:12]}` keeps it." in line

    def given(device: Device) -> list[tuple[str, Any]]:
        """The values the laptop gave the goal when it added it: its history's first."""
        return [("title", "Walk"), ("measure", "4 sessions")] if device is laptop else []

    history = await loser.json("goal", "history", goal[:8])
    assert history["goal"]["id"] == goal and history["goal"]["title"] == kept
    *made, write = history["history"]
    assert [(h["field"], h["value"]) for h in made] == given(loser)
    assert write == {
        "kind": "goal",
        "id": goal,
        "entry_id": None,  # a goal's history names no entry: null (the absent-values rule, fix26a)
        "field": "title",
        "value": mine,
        "at": write["at"],
    }
    table = (await loser.ok("goal", "history", goal[:8], env=WIDE)).stdout
    [header, _, *_, row] = table.strip().splitlines()  # below the header, its rule
    assert header.split() == ["when", "field", "value", "this", "device", "wrote", "now"]
    assert "title" in row and mine in row and row.rstrip().endswith(kept)
    # only this device's own values: the value kept, written on the other, is not in it
    winner_fields = fields(await winner.json("goal", "history", goal[:8]))
    assert winner_fields == [*given(winner), ("title", kept)]


async def test_a_safety_plan_number_overtaken_on_another_device_is_in_safety_history(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    await laptop.ok("safety", "plan", "--emergency", "112")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await outage.begin()
    await laptop.ok("safety", "plan", "--emergency", "999")
    await phone.ok("safety", "plan", "--emergency", "911")
    await outage.end()
    loser, winner, line = await settle(laptop, phone)
    kept = (await winner.json("safety", "plan"))["emergency_number"]
    mine = ({"999", "911"} - {kept}).pop()
    assert "the emergency number of the safety plan of Personal was changed" in line
    assert f"This device had '{mine}': `tj safety history` keeps it." in line

    history = await loser.json("safety", "history")
    assert history["safety_plan"]["emergency_number"] == kept
    assert fields(history)[-1] == ("emergency_number", mine)
    assert {h["kind"] for h in history["history"]} == {"safety_plan"}
    table = (await loser.ok("safety", "history", env=WIDE)).stdout
    row = table.strip().splitlines()[-1]
    assert "emergency number" in row and mine in row and row.rstrip().endswith(kept)
    assert ("emergency_number", mine) not in fields(await winner.json("safety", "history"))


async def test_homework_values_overtaken_on_another_device_are_in_homework_history(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    added = await laptop.json("homework", "add", "sleep-diary", *NIGHT, "--completion", "fully")
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("homework", "edit", added["id"][:8], "--set", "awakenings=1")
    await phone.ok("homework", "edit", added["id"][:8], "--set", "awakenings=4")
    await outage.end()
    loser, winner, line = await settle(laptop, phone)
    kept = (await winner.json("homework", "show", added["id"]))["values"]["awakenings"]
    mine = ({1, 4} - {kept}).pop()
    command = f"`tj homework history {added['id'][:12]}` keeps it."
    assert "Settled: another device's edit of homework" in line and command in line
    assert "was kept whole (an edit writes every value); the value 'awakenings' is" in line

    history = await loser.json("homework", "history", added["id"][:8])
    assert history["homework"]["values"]["awakenings"] == kept
    assert ("values.awakenings", mine) in fields(history)
    table = (await loser.ok("homework", "history", added["id"][:8], env=WIDE)).stdout
    *made, row = [r for r in table.splitlines() if "awakenings" in r]
    assert len(made) == (loser is laptop)  # the laptop's value given when it added it: 2
    assert f" {mine} " in row and row.rstrip().endswith(str(kept))
    assert ("values.awakenings", mine) not in fields(
        await winner.json("homework", "history", added["id"][:8])
    )


async def test_histories_refuse_an_unknown_id_and_say_when_nothing_was_changed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    for kind in ("goal", "homework"):
        error = failed_with_one_line(await ana.tj(kind, "history", "abcdef12"))
        assert "abcdef12" in error, error
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    goal = (await ana.ok("goal", "add", "Walk")).stdout.strip()
    await ana.ok("sync")
    await phone.ok("sync")
    never = await phone.ok("goal", "history", goal[:8])  # added on the laptop
    assert (
        never.stdout == ""
        and never.stderr.split()
        == (
            f"This device never changed the title, target date or measure of goal {goal[:12]} "
            "('Walk'), nor a check-in's progress or note."
        ).split()
    )
    assert (await phone.json("goal", "history", goal[:8]))["history"] == []
    assert fields(await ana.json("goal", "history", goal[:8])) == [("title", "Walk")]
    said = " ".join((await ana.ok("safety", "history")).stderr.split())
    assert "'Personal' has no safety plan: none was written on this device" in said, said
    await ana.ok("safety", "plan", "--text", "Call Sam.")
    said = (await ana.ok("safety", "history")).stderr  # made with its text only
    assert "never changed the emergency number" in said
    assert (await ana.json("safety", "history"))["history"] == []
    error = failed_with_one_line(await ana.tj("safety", "history", "--journal", "Nowhere"))
    assert "Nowhere" in error


async def test_a_therapist_is_refused_the_history_of_a_clients_goal_and_homework(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A history holds this device's own edits: a client's goal and homework have their
    history on the client's devices alone, and a therapist's device says so, for both alike,
    with how to read the item as it is now."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    goal = (await ana.ok("goal", "add", "Walk")).stdout.strip()
    await ana.ok("goal", "edit", goal[:8], "--title", "Walk daily")
    added = await ana.json("homework", "add", "sleep-diary", *NIGHT, "--completion", "fully")
    await ana.ok("homework", "edit", added["id"][:8], "--set", "awakenings=1")
    await ana.ok("homework", "edit", added["id"][:8], "--set", "comments=Woke at 3")
    await ana.ok("homework", "edit", added["id"][:8], "--set", "comments=")  # cleared: "none"
    table = (await ana.ok("homework", "history", added["id"][:8], env=WIDE)).stdout
    rows = [row.split()[3:] for row in table.splitlines() if "comments" in row]
    assert rows == [["Woke", "at", "3", "none"], ["none", "none"]], table
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    assert fields(await ana.json("goal", "history", goal[:8])) == [
        ("title", "Walk"),  # given when it was added
        ("title", "Walk daily"),
    ]
    # NU57 #10: the goal's history answered "never changed" (an empty history), the
    # homework's refused: both say whose history it is, and how to read the item now.
    for kind, item in (("goal", goal), ("homework", added["id"])):
        error = failed_with_one_line(await drsmith.tj(kind, "history", item[:8]))
        assert "was written by another account" in error, error
        assert "only the client who wrote it has a history" in error, error
        assert f"`tj {kind} show {item[:12]}` shows it as it is now" in error, error


async def test_each_history_begins_with_the_values_given_at_creation(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The values this device gave an entry, a goal and its check-in, the safety plan and
    homework when it created them are their history's first lines, before the edits'
    (NU58 M5: an emergency number 999 set with the plan was nowhere once changed)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("safety", "plan", "--crisis-line", "Samaritans 116 123", "--emergency", "999")
    await ana.ok("safety", "plan", "--emergency", "112")
    assert fields(await ana.json("safety", "history")) == [
        ("emergency_number", "999"),
        ("crisis_line", "Samaritans 116 123"),
        ("emergency_number", "112"),
    ]
    table = (await ana.ok("safety", "history", env=WIDE)).stdout.strip().splitlines()[2:]
    assert [row.split()[2:] for row in table] == [
        ["emergency", "number", "999", "112"],
        ["crisis", "line", "Samaritans", "116", "123", "Samaritans", "116", "123"],
        ["emergency", "number", "112", "112"],
    ], table

    goal = (
        await ana.ok("goal", "add", "Go", "--measure", "12 sessions", "--target", "2027-03-01")
    ).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8], "--progress", "2", "--note", "first")
    await ana.ok("goal", "edit", goal[:8], "--measure", "16 sessions")
    history = await ana.json("goal", "history", goal[:8])
    [checkin] = history["goal"]["checkins"]
    assert fields(history) == [
        ("title", "Go"),
        ("target", "2027-03-01"),
        ("measure", "12 sessions"),
        (f"checkin.{checkin['id']}.progress", 2),
        (f"checkin.{checkin['id']}.note", "first"),
        ("measure", "16 sessions"),
    ]
    assert {h["kind"] for h in history["history"]} == {"goal"}

    entry = (await ana.ok("write", "--mood", "6", "--tag", "work", "Long day.")).stdout.strip()
    await ana.ok("edit", entry[:8], "--mood", "7")
    history = await ana.json("history", entry[:8])
    assert fields(history) == [("mood", 6), ("tags", ["work"]), ("mood", 7)]  # dated now
    dated = await ana.ok("write", "--title", "Late", "--date", "2026-11-30 21:30", "Text.")
    history = await ana.json("history", dated.stdout.strip()[:8])
    created_ms = int(datetime.fromisoformat(history["entry"]["created_at"]).timestamp() * 1000)
    assert fields(history) == [("title", "Late"), ("created_at", created_ms)]
    table = (await ana.ok("history", entry[:8], env=WIDE)).stdout
    assert [row.split()[2:] for row in table.splitlines() if " mood " in row] == [
        ["mood", "6", "7"],
        ["mood", "7", "7"],
    ], table

    added = await ana.json("homework", "add", "sleep-diary", *NIGHT, "--completion", "partly")
    await ana.ok("homework", "edit", added["id"][:8], "--set", "awakenings=1")
    made = fields(await ana.json("homework", "history", added["id"][:8]))
    assert made[0] == ("values.bed_time", "23:00") and ("completion", "partly") in made
    assert made.index(("values.awakenings", 2)) < made.index(("values.awakenings", 1))
    assert made[-1] == ("values.awakenings", 1)


def test_each_settled_line_names_the_command_of_its_history() -> None:
    """`tj sync` prints the SDK's Settled line with the command that shows the value this
    device had in place of "the goal's history" (which no command showed before)."""
    at = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
    doc = "9a" * 16
    default = "11" * 16
    settled = [
        Settled(doc, "Sleep", "title", "Mine", "Kept", at, kind="goal", journal="Personal"),
        Settled(
            doc,
            "",
            "crisis_line",
            "A",
            "B",
            at,
            kind="safety_plan",
            journal="Personal",
            journal_id=default,
        ),
        Settled(
            doc,
            "",
            "emergency_number",
            "1",
            "2",
            at,
            kind="safety_plan",
            journal="Work",
            journal_id="22" * 16,
        ),
        Settled(doc, "Diary", "completion", "fully", "partly", at, kind="homework"),
    ]
    report = SyncReport(settled=settled, default_journal=default)  # the default by its id
    lines = [output.shown(line) for line in output.settled_lines(report)]
    sdk = [s.line(output.local_time) for s in settled]
    assert lines == [
        sdk[0].replace("the goal's history", "`tj goal history 9a9a9a9a9a9a`"),
        sdk[1].replace("the safety plan's history", "`tj safety history`"),
        sdk[2].replace("the safety plan's history", "`tj safety history --journal Work`"),
        sdk[3].replace("the homework's history", "`tj homework history 9a9a9a9a9a9a`"),
    ]
    assert all(line != said for line, said in zip(lines, sdk, strict=True))
