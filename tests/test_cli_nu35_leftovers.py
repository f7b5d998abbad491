"""NU35's leftovers (a new user's walkthrough, /work/NU35-FINDINGS.md #7, #9, #11), each with
the command that showed it (real server on loopback, CliRunner, real crypto).

- #9: `tj share --until yesterday` was refused as a wrong date format; an end already past
  is now refused in those words, and the words the other date options take are accepted.
- #9: `tj assign` on a read-only share said "to add notes"; it names assigning.
- #9: after another device deleted a journal, the sync summary said "1 share change".
- #7: `tj discuss` of a therapist's note said "write one that points to this one" without
  saying how; it names the command, and following it works.
- #11: `.ci/run` called apt-get without checking for root (tests/test_ci_run_root.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_an_end_date_already_past_is_refused_as_past_and_the_date_words_are_taken(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    yesterday = f"{datetime.now() - timedelta(days=1):%Y-%m-%d}"
    for until in ("yesterday", "yesterday 23:00", yesterday, f"{yesterday} 9:00"):
        refused = await ana.tj(
            "share", "Personal", "drsmith", "--full", "--until", until, "--trust-on-first-use"
        )
        assert refused.exit_code == 2, (until, refused.output)
        told = said(refused.stderr)
        assert "an end date cannot be in the past" in told, (until, told)
        assert "give a date as" not in told
    assert await ana.json("shares") == []  # nothing shared

    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--until", "tomorrow 9:00",
        "--trust-on-first-use",
    )  # fmt: skip
    end = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0)
    assert f"{end:%Y-%m-%d} 09:00" in said(shared.stderr), shared.stderr
    nonsense = await ana.tj("share", "Personal", "drsmith", "--until", "someday")
    assert nonsense.exit_code == 2 and "today/tomorrow with an optional HH:MM" in nonsense.stderr


async def test_assigning_on_a_read_only_share_names_assigning(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("sync")
    refused = await drlee.tj("assign", "ben/Personal", "measure", "gad7")
    assert refused.exit_code == 1
    told = said(refused.stderr)
    assert "read-only: to assign questionnaires or homework, ask ben to give you" in told, told
    assert "to add notes" not in told
    assert "tj share Personal drlee --role annotate" in told
    refused = await drlee.tj("note", "ben/Personal", "Hello.")  # a note still says notes
    assert "read-only: to add notes, ask ben" in said(refused.stderr)


async def test_a_journal_deleted_on_another_device_is_not_a_share_change(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again.")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Dreams", "--yes")

    told = await phone.ok("sync")
    assert told.stdout.strip() == "1 journal deleted on another device or withheld (below)"
    assert "Notice: Dreams (id " in said(told.stderr)  # by id too (NU36 #1)
    assert ") is no longer on the server" in said(told.stderr)


async def test_discuss_of_a_therapists_note_names_how_to_write_ones_own(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drlee.ok("sync")
    theirs = (await drlee.ok("note", "ben/Personal", "Try the breathing.")).stdout.strip()
    await ben.ok("sync")

    refused = await ben.tj("discuss", theirs[:8])
    assert refused.exit_code == 1
    told = said(refused.stderr)
    assert "points to this one" not in told
    # one command, quoted for a shell (shlex), as every printed command is
    assert f"`{ben.command} note Personal 'About note {theirs[:8]}: ...'`" in told, told
    assert f"mark that one with `{ben.command} discuss ID`" in told

    mine = (await ben.ok("note", "Personal", f"About note {theirs[:8]}: it helped.")).stdout
    await ben.ok("discuss", mine.strip()[:8])  # the advice, followed
    assert [m["id"] for m in await ben.json("discuss")] == [mine.strip()]
