"""A word typed for a feeling that is not a named emotion is answered with the nearest named
ones, a typo of it too (README: a typo is answered); `tj trash empty` says, as `tj delete`
does, that a therapist whose share ended keeps what their device downloaded. CliRunner
against a real server on loopback."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_insights import new_device


async def test_happy_and_a_typo_of_it_are_answered_with_the_nearest_named_emotions(
    laptop: Device,  # noqa: F811
) -> None:
    for word in ("happy", "hapy", "Happy"):
        refused = await laptop.tj("write", "--emotion", word, "x")
        assert refused.exit_code == 2, refused.output
        [line] = refused.stderr.strip().splitlines()
        assert "the nearest named ones: 'content', 'excited', 'grateful'" in line, line
        assert line.endswith("scared"), line  # the whole list still follows
    assert "for 'happy', the nearest" in (await laptop.tj("write", "--emotion", "hapy", "x")).stderr
    worried = await laptop.tj("list", "--emotion", "worried")
    assert "the nearest named ones: 'anxious', 'scared'" in worried.stderr
    assert await laptop.json("list") == []  # nothing was written


async def test_trash_empty_says_a_former_member_keeps_what_they_downloaded(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    entry = await ben.json("write", "Read by drsmith.")
    await drsmith.ok("sync")
    await ben.ok("unshare", "Personal", "drsmith", "--yes")
    await ben.ok("delete", entry["id"][:8], "--yes")
    caveat = "drsmith, whose share of Personal ended, keeps what their device downloaded"
    asked = await ben.tj("trash", "empty", input="n\n")
    assert caveat in " ".join(asked.stderr.split()), asked.stderr
    emptied = await ben.ok("trash", "empty", "--yes")
    assert caveat in " ".join(emptied.stderr.split()), emptied.stderr
    assert "this does not remove it there" in " ".join(emptied.stderr.split())


async def test_a_back_dated_repeating_measure_names_the_period_it_counts_for_and_those_past(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj assign ... --every 7 --starts` two weeks back, after a GAD-7 taken today: today's
    counts for the period it falls in (it said "the one from" the start), and the two periods
    before it are said past, nothing asked for them (`tj due` shows none of them)."""
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await cleo.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    [result] = await cleo.json("measure", "list")
    taken = datetime.fromisoformat(result["taken_at"]).astimezone()
    await drsmith.ok("sync")
    first = date.today() - timedelta(days=15)
    assigned = await drsmith.ok(
        "assign", "cleo/Personal", "measure", "gad7", "--every", "7", "--starts",
        first.isoformat(), "--yes",
    )  # fmt: skip
    starts = datetime.fromisoformat(first.isoformat()).astimezone()
    week = timedelta(days=7)
    said = " ".join(assigned.stderr.split())
    assert (
        f"first due {starts + 3 * week:%Y-%m-%d %H:%M}, the next period: the GAD-7 of "
        f"{taken:%Y-%m-%d %H:%M} (0, Minimal) counts for the one from "
        f"{starts + 2 * week:%Y-%m-%d %H:%M} "
        f"(the 2 periods from {starts:%Y-%m-%d %H:%M} and {starts + week:%Y-%m-%d %H:%M}, "
        "before it, are past: not asked for);"
    ) in said, said
