"""NU46 #12's rest: a mood check-in's cell in `tj list`, long hints wrapped as the warnings
beside them, and the caseload's "week" column said to be the last 7 days.

- `tj mood 5` (no title, text or emotion) showed an empty "title or text" cell in `tj list`:
  "mood check-in" now, the trash's words ("mood check-in: 5/10"); `--json` unchanged.
- At 80 columns `tj shares`' footnote ('flags "no (a copy)": ...') and `tj
  shared-with-me`'s "Once you know the share ended, discard ..." were single lines of 200+
  characters beside wrapped "Warning:" lines: wrapped the same way now.
- The caseload's "week" column counts the last 7 days; `tj caseload --help` and its HTML
  page say so ("this week" before).

Real server on loopback, real crypto."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_commands_in_backticks import fits
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
NARROW = {"COLUMNS": "80"}


def joined(text: str) -> str:
    return " ".join(text.split())


async def test_a_mood_check_in_reads_mood_check_in_in_tj_list_not_a_blank_cell(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    checkin = (await ana.ok("mood", "5")).stdout.strip()
    await ana.ok("write", "--title", "Walk", "--mood", "6", "By the river.")
    listed = (await ana.ok("list", "--oldest-first", env=NARROW)).stdout
    assert column(listed, "title or text") == ["mood check-in", "Walk"], listed
    assert column(listed, "mood") == ["5/10", "6/10"], listed
    as_json = await ana.ok("list", "--json")
    assert "check-in" not in as_json.stdout  # --json keeps the entry's own fields
    [entry] = [e for e in await ana.json("list") if e["id"].startswith(checkin)]
    assert (entry["title"], entry["body"], entry["mood"]) == (None, "", 5)  # absent: null
    await ana.ok("delete", checkin, "--yes")
    trash = (await ana.ok("trash", env=NARROW)).stdout
    assert column(trash, "title or text") == ["mood check-in: 5/10"], trash


async def test_long_footnotes_and_forget_hints_are_wrapped_like_the_warnings(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await maya.ok("share", "Personal", "drlee", "--only", "mood,tags", TOFU)
    await maya.ok("mood", "5")
    await drlee.ok("sync")

    shares = await maya.ok("shares", env=NARROW)
    footnote = (
        'flags "no (a copy)": a copy kept for a member holds some fields of each entry and '
        "never a safety flag: flags are sealed only in the whole journal, for the members you "
        "chose (`tj share JOURNAL MEMBER --full --role annotate --safety-flags`)."
    )
    assert footnote in joined(shares.stderr), shares.stderr
    # a command too long for the room under the label has a line of its own, whole
    assert all(fits(line) for line in shares.stderr.splitlines()), shares.stderr
    start = shares.stderr.index('flags "no (a copy)"')
    assert shares.stderr[start:].splitlines()[1].startswith(" " * 21), shares.stderr

    await maya.ok("unshare", "Personal", "drlee", "--yes")
    listed = await drlee.ok("shared-with-me", env=NARROW)
    [row] = await drlee.json("shared-with-me")
    label = f"maya (account {row['owner_id'][:8]})"  # the kept copy's (REV-S9B S9B-1)
    hint = (
        "Once you know the share ended, discard its copy from this device with `tj forget "
        f"'{label}/Personal (mood, tags) for drlee' --unlisted` (keep what you need first: `tj "
        f"export --client '{label}' --out DIR`)."
    )
    assert hint in joined(listed.stdout), listed.stdout
    assert "Warning: " in listed.stderr  # maya's fingerprint never compared: wrapped too
    again = await drlee.ok("shared-with-me", env=NARROW)  # without the sync's notice
    assert again.stdout == listed.stdout
    out = again.stdout.splitlines() + again.stderr.splitlines()
    # longer than 80 only a command alone on its line, whole, to paste (NU49 F1)
    long = [line for line in out if len(line) > 80]
    assert all(re.fullmatch(r" *`tj [^`]*`[.,;:)]*", line) for line in long), again


async def test_caseload_help_and_page_say_the_week_column_is_the_last_7_days(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drlee = await new_device(live_server, tmp_path, "drlee")
    helped = joined((await drlee.ok("caseload", "--help")).stdout)
    assert 'The "week" column counts a client\'s shared entries of the last 7 days,' in helped
    assert "(not the calendar week)" in helped
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("share", "Personal", "drlee", TOFU)
    await ana.ok("mood", "4")
    page = tmp_path / "caseload.html"
    await drlee.ok("caseload", "--html", str(page))
    html = page.read_text()
    assert "<dt>last 7 days</dt><dd>1 entry</dd>" in html and "this week" not in html
