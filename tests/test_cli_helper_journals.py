"""Helper journals (field-level --only copies, "Shared with NAME" for single items) are the
client's own bookkeeping: the client's lists and counts show each entry once, from its own
journal, on every device and in every new process, and `tj shares` and `tj journal list` name
each helper plainly (real server, CliRunner)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cli.output import local_time
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_the_clients_lists_and_counts_show_each_entry_once_despite_helper_journals(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    first = (await ana.ok("write", "--mood", "5", "--tag", "sleep", "First.")).stdout.strip()
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--trust-on-first-use")
    await ana.ok("write", "--mood", "6", "--tag", "sleep", "Second.")
    await ana.ok("share-entry", first[:8], "drsmith", "--only", "mood")
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")

    for device in (ana, phone):  # each command a new process of the CLI
        listed = await device.json("list")
        assert [(e["body"], e["journal"]) for e in listed] == [
            ("Second.", "Personal"),
            ("First.", "Personal"),
        ]
        assert [e["body"] for e in await device.json("list", "--tag", "sleep")] == [
            "Second.",
            "First.",
        ]
        found = await device.json("search", "sleep")
        assert sorted(f["entry"]["body"] for f in found) == ["First.", "Second."]
        assert (await device.json("insights"))["entries"] == 2
        assert len(await device.json("measure", "list")) == 1

    mirror = "Personal (mood, tags) for drsmith"
    await ana.ok("write", "--mood", "6", "Fourth.")
    said = (await phone.ok("sync")).stdout.splitlines()
    assert "1 new entry from" in said[0] and "2 new" not in said[0]  # not its copy too
    assert said[1:] == []  # the login's first sync told its own news (NU44 F3)
    assert len(await ana.json("list", "--journal", mirror)) == 2

    # the copies stay left out after the share ended, and new entries are listed once; an
    # ended --only share copies nothing more
    await ana.ok("unshare", "Personal", "drsmith")
    await ana.ok("write", "--mood", "7", "Third.")
    assert [e["body"] for e in await ana.json("list")] == [
        "Third.",
        "Fourth.",
        "Second.",
        "First.",
    ]
    assert len(await ana.json("list", "--journal", mirror)) == 2


async def test_shares_and_journal_list_say_what_each_helper_journal_is(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    written = (await ana.ok("write", "--mood", "5", "First.")).stdout.strip()
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--trust-on-first-use")
    await ana.ok("share-entry", written[:8], "drsmith", "--only", "mood")

    shares = {s["journal"]: s for s in await ana.json("shares")}
    mirror = shares["Personal (mood, tags) for drsmith"]
    assert (mirror["kind"], mirror["source"], mirror["fields"]) == (
        "mirror",
        "Personal",
        ["mood", "tags"],
    )
    assert shares["Shared with drsmith"]["kind"] == "items"
    table = " ".join((await ana.ok("shares", env={"COLUMNS": "200"})).stdout.split())
    since = local_time(datetime.fromisoformat(mirror["since"]))  # NU29 F6
    assert f"mood and tags dated from {since} (a copy kept for drsmith)" in table
    assert "only the entries and results you shared one by one" in table
    assert "every field" not in table

    journals = {j["name"]: j["helper"] for j in await ana.json("journal", "list")}
    assert journals == {
        "Personal": None,
        "Personal (mood, tags) for drsmith": "mirror",
        "Shared with drsmith": "items",
    }
    shown = await ana.ok("journal", "list", env={"COLUMNS": "200"})
    listed = " ".join(shown.stdout.split())
    assert "a copy kept for drsmith" in listed  # whom for (NU28 C2)
    assert "single items you shared with drsmith" in listed
    assert "`" not in listed  # the command, below the table: never folded in a cell
    assert shown.stderr == "What a journal kept for a member holds, and for whom: `tj shares`.\n"
    assert "share ended" not in listed
