"""NU62: field-level copies (`tj share J NAME --only ...`) as a new user met them: an entry
whose date moves out of what the copy covers leaves the copy, and comes back when it moves
back in. Two homes of one account and the member's, on a real server on 127.0.0.1, through
the CLI."""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, outage
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "outage", "tom"]  # the fixtures, used by name

COPY = "Personal (mood, tags) for tom"


async def copied(tom: Device) -> list[dict[str, Any]]:
    await tom.ok("sync")
    listed: list[dict[str, Any]] = await tom.json("list", "--journal", f"ana/{COPY}")
    return listed


async def test_an_entry_moved_to_before_the_copy_leaves_it_and_comes_back_when_moved_back(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await phone.ok("sync")
    entry = (await phone.ok("write", "--mood", "8", "--tag", "now", "A dream.")).stdout.strip()
    [shown] = await copied(tom)
    assert (shown["mood"], shown["tags"]) == (8, ["now"])

    await phone.ok("edit", entry[:8], "--date", "2026-01-02 03:00")  # before the share
    await phone.ok("edit", entry[:8], "--mood", "3")
    await ana.ok("sync")
    assert await copied(tom) == []  # not the old date and mood, kept for ever

    now = datetime.now().isoformat(timespec="milliseconds")  # after the share began
    await ana.ok("edit", entry[:8], "--date", now)  # back in: copied again, as it is now
    [back] = await copied(tom)
    assert (back["mood"], back["tags"], back["id"]) == (3, ["now"], shown["id"])


async def test_an_export_keeps_the_notes_prompt_and_assignment_a_therapist_wrote_in_a_copy(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await ana.ok("share", COPY, "tom", "--role", "annotate")
    await tom.ok("sync")
    await tom.ok("note", "ana", "See you Thursday.")
    await tom.ok("note", "ana", "--prompt", "What made you laugh this week?")
    await tom.ok("assign", "ana", "measure", "phq9", "--every", "14")
    await ana.ok("sync")
    [personal] = [j for j in await ana.json("journal", "list") if j["name"] == "Personal"]

    out = Path((await ana.ok("export", "--out", str(tmp_path / "json"))).stdout.strip())
    data = json.loads(out.read_text(encoding="utf-8"))
    kept = {n["text"]: n for n in data["notes"]}
    assert set(kept) == {"See you Thursday.", "What made you laugh this week?"}
    for note in kept.values():  # beside their source, saying whose and where
        assert (note["journal_id"], note["author"], note["by_therapist"]) == (
            personal["id"],
            "tom",
            True,
        )
        assert note["in_copy"] == COPY
    [assigned] = data["assignments"]
    assert (assigned["title"], assigned["journal_id"], assigned["in_copy"]) == (
        "PHQ-9",
        personal["id"],
        COPY,
    )

    await ana.ok("export", "--format", "markdown", "--out", str(tmp_path / "md"))
    notes = (tmp_path / "md" / "personal" / "notes.md").read_text(encoding="utf-8")
    assert f'by tom (therapist), in "{COPY}"' in notes and "See you Thursday." in notes
    assignments = (tmp_path / "md" / "personal" / "assignments.md").read_text(encoding="utf-8")
    assert "PHQ-9" in assignments and f'in "{COPY}"' in assignments


async def test_share_entry_beside_an_own_journal_of_that_name_takes_another_and_its_command_works(
    ana: Device, tom: Device
) -> None:
    await ana.ok("journal", "create", "Shared with tom")  # the user's own, any name allowed
    entry = (await ana.ok("write", "One for tom.")).stdout.strip()
    shared = await ana.ok(
        "share-entry", entry[:8], "tom", "--fingerprint", tom.signup["fingerprint"]
    )
    names = sorted(j["name"] for j in await ana.json("journal", "list"))
    assert names == ["Personal", "Shared with tom", "Shared with tom (2)"]
    said = " ".join(shared.stderr.split())
    stop = "tj unshare 'Shared with tom (2)' tom"
    assert f"to stop: `{stop}`" in said, said
    await ana.ok(*shlex.split(stop)[1:], "--yes")  # as printed
    assert await ana.json("shares") == []


async def test_a_name_two_journals_bear_is_told_as_the_command_takes_a_journal(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path, outage: Outage
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await outage.begin()
    await ana.ok("journal", "create", "Dreams")  # offline on both: two of that name
    await phone.ok("journal", "create", "Dreams")
    await outage.end()
    await ana.ok("sync")
    await phone.ok("sync")
    refused = await phone.tj("unshare", "Dreams", "tom")
    line = failed_with_one_line(refused)
    assert "2 journals are named 'Dreams'" in line and "--journal" not in line, line
    listed = failed_with_one_line(await phone.tj("list", "--journal", "Dreams"))
    assert "(`--journal " in listed, listed


PHQ9 = ("measure", "take", "phq9", "--answers", "1,2,1,1,0,1,1,0,1")


async def test_an_assignment_in_a_copy_without_scores_says_so_to_each_side_and_ends_for_good(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await ana.ok("share", COPY, "tom", "--role", "annotate")
    await tom.ok("sync")
    made = await tom.ok("assign", "ana", "measure", "phq9", "--every", "14")
    said = " ".join(made.stderr.split())
    assert "as this device sees it" in said, said  # told now, not only in a later list
    assert f"Note: 'ana/{COPY}' is a copy of some of the client's fields: cannot be seen" in said
    assert "it does not carry the client's results, so whether they took it" in said

    await ana.ok("sync")
    listed = " ".join((await ana.ok("assignments")).stdout.split())
    assert "tom will not see it done: what you share with them carries no scores" in listed
    assert "may not reach you" not in listed  # the therapist's words, never the client's

    await ana.ok("unshare", COPY, "tom", "--yes")
    await ana.ok(*PHQ9)  # after the end: never done for an assignment that ended
    [ended] = await ana.json("assignments", "--all")
    assert (ended["status"], ended["last_done"]) == ("ended", None), ended


async def test_a_copy_shared_or_ended_on_one_device_is_told_once_to_the_other(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("sync")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    told = " ".join((await phone.ok("sync")).stderr.split())
    assert (
        "Notice: tom was given the mood and tags of Personal (a copy kept for them) from one "
        "of your devices (" in told
    ), told
    assert "read, with no end date" in told
    assert "tom" not in (await phone.ok("sync")).stderr  # once

    await ana.ok("unshare", COPY, "tom", "--yes")
    ended = " ".join((await phone.ok("sync")).stderr.split())
    assert (
        "Notice: tom no longer reads the mood and tags of Personal (a copy kept for them): the "
        "share was ended from one of your devices (" in ended
    ), ended
    assert "tom" not in (await phone.ok("sync")).stderr

    await ana.ok("share", "Personal", "tom", "--full", "--yes")  # narrowed: one notice
    await phone.ok("sync")
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--yes")
    narrowed = " ".join((await phone.ok("sync")).stderr.split())
    assert narrowed.count("Notice:") == 1, narrowed
    assert "tom no longer reads all of Personal" in narrowed


async def test_a_share_given_on_another_device_with_safety_flags_says_they_reach_the_member(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("sync")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok(  # a new member: asked
        "share", "Personal", "tom", "--role", "annotate", "--safety-flags", *fingerprint,
        input="y\n",
    )  # fmt: skip
    told = " ".join((await phone.ok("sync")).stderr.split())
    assert "Personal was shared with tom from one of your devices (" in told, told
    assert "annotate, with no end date; safety flags reach them" in told, told
