"""NU41's leftovers (#9, #13): a new user's findings (real server on loopback, real crypto)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def flags_said_on_sharing_again(
    server: RunningServer, tmp_path: Path, between: tuple[str, ...]
) -> list[str]:
    """ana shares Personal with drsmith, opts him in to safety flags (annotate), runs the
    `tj` arguments `between`, then shares it again until today: the lines of that share
    that speak of safety flags."""
    ana = await new_device(server, tmp_path, "ana")
    await new_device(server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    await ana.ok(*between)
    again = await ana.ok("share", "Personal", "drsmith", "--until", "today", "--full", "--yes")
    return [line for line in (again.stdout + again.stderr).splitlines() if "Safety flags" in line]


async def test_renewing_a_share_once_opted_in_says_flags_are_off_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #9: re-sharing with a member once opted in to safety flags printed two lines
    saying that flags are off for them, the second again under every later `tj shares`."""
    narrowed = ("share", "Personal", "drsmith", "--only", "mood,scores", "--yes")
    [line] = await flags_said_on_sharing_again(live_server, tmp_path, narrowed)
    assert line.startswith("Safety flags: off for drsmith.")


async def test_sharing_again_after_an_unshare_says_flags_are_off_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #9, after an unshare: one line says that flags are off."""
    ended = ("unshare", "Personal", "drsmith", "--yes")
    [line] = await flags_said_on_sharing_again(live_server, tmp_path, ended)
    assert line.startswith("Safety flags: off for drsmith.")


async def test_a_tag_option_with_commas_is_several_tags(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #13: `--tag "a,b"` was one tag, shown as "a,b" in every table, where it reads
    as two: tags are separated at commas, in `write`, `mood`, `edit` and the filters."""
    ana = await new_device(live_server, tmp_path, "ana")
    written = await ana.json("write", "Slept badly.", "--tag", "work, sleep", "--tag", "Work")
    assert written["tags"] == ["work", "sleep"]
    edited = await ana.json(
        "edit", written["id"], "--tag", "late,tired", "--untag", "work", "--untag", "sleep"
    )
    assert edited["tags"] == ["late", "tired"]
    checked = await ana.json("mood", "6", "--tag", "calm,rest")
    assert checked["tags"] == ["calm", "rest"]
    found = await ana.json("list", "--tag", "tired,rest")
    assert {e["id"] for e in found} == {written["id"], checked["id"]}
    found = await ana.json("search", "slept", "--tag", "x,tired")
    assert [hit["entry"]["id"] for hit in found] == [written["id"]]
    refused = await ana.tj("write", "Text.", "--tag", " , ")
    assert refused.exit_code == 2 and "holds no tag" in refused.output, refused.output
    assert len(await ana.json("list")) == 2  # nothing saved


async def test_a_name_of_an_own_journal_and_of_a_client_is_refused_naming_both(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #13: a therapist's own journal "carl" and client carl's journal were both named
    by "carl"; `tj write --journal carl` took the own one without a word, where the README
    says a client's name alone names the client's journal. Now each is named to choose."""
    carl = await new_device(live_server, tmp_path, "carl")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carl.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await drsmith.ok("journal", "create", "carl")
    refused = await drsmith.tj("list", "--journal", "carl")
    assert refused.exit_code == 1, refused.output  # as two journals of one name
    said = " ".join(refused.output.split())
    assert "'carl' names your journal 'carl' and also the journal carl shares with you, " in said
    assert "'carl/Personal'" in said
    own_id = next(j["id"] for j in await drsmith.json("journal", "list") if j["name"] == "carl")
    assert own_id[:12] in said
    # each, named as the message says, is its own
    await drsmith.ok("write", "--journal", own_id[:12], "My own words.")
    assert len(await drsmith.json("list", "--journal", own_id[:12])) == 1
    assert await drsmith.json("list", "--journal", "carl/Personal") == []
    # the default journal is never in doubt
    await drsmith.ok("write", "Default journal.")


async def test_insights_of_a_first_day_give_a_count_not_a_weekly_rate(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #13: on the first day of use `tj insights` said "entries per week: 18.2 over 5
    days", a week's rate guessed from one day of writing (the span runs from Monday)."""
    ana = await new_device(live_server, tmp_path, "ana")
    for n in range(3):
        await ana.ok("write", "--mood", "5", f"Entry {n}.")
    text = " ".join((await ana.ok("insights")).stdout.split())
    today = date.today()
    days = today.weekday() + 1  # from this week's Monday, today included
    if days < 7:
        assert f"entries: 3 over {days} day" in text, text
        assert "entries per week" not in text
    else:
        assert "entries per week: 3.0 over 7 days" in text, text
    asked = " ".join((await ana.ok("insights", "--since", today.isoformat())).stdout.split())
    assert "entries per week: 21.0 over 1 day, from" in asked  # the span asked: as asked


async def test_showing_a_brief_or_entry_of_an_unverified_client_warns_as_the_lists_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU41 #13: `tj briefs` warned that the client's fingerprint was never compared (the
    server could have made the brief up), `tj show BRIEF_ID` did not."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    written = await ana.json("write", "A shared day.")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = await drsmith.json("briefs")
    warning = "Warning: you have not compared ana's fingerprint"
    shown = await drsmith.ok("show", brief["id"][:8])
    assert warning in shown.stderr and "brief from ana" in shown.stdout
    entry = await drsmith.ok("show", written["id"][:8])
    assert warning in entry.stderr and "A shared day." in entry.stdout
    own = await ana.ok("show", written["id"][:8])
    assert "Warning" not in own.stderr


async def test_an_own_journal_named_like_a_client_sharing_several_is_refused_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-CARE2 F4: when the client shares several journals, the bare name still took the
    therapist's own journal without a word: it is refused naming both sides."""
    carl = await new_device(live_server, tmp_path, "carl")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carl.ok("journal", "create", "Dreams")
    await carl.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await carl.ok("share", "Dreams", "drsmith")
    await drsmith.ok("sync")
    await drsmith.ok("journal", "create", "carl")
    refused = await drsmith.tj("list", "--journal", "carl")
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1, said
    assert "'carl' names your journal 'carl', and carl shares several journals" in said


async def test_showing_a_brief_keeps_its_lines_within_the_terminal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU47 #14: `tj show BRIEF` printed a score's line of 100 columns at 80 ("PHQ-9: 9
    (mild), +0 since the one before (retaken within its recall period: ...)"), where `tj
    brief` wraps it under its label; now "..., +0 since the first on DATE (no reliable
    change)" (REV-CLIN F1), "..., +0 since the first (from 8 on DATE), no reliable change"
    since NU50 F1."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    for _ in range(2):  # a second result: the longest line a brief's scores give
        await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = await drsmith.json("briefs")
    shown = (await drsmith.ok("show", brief["id"][:8], env={"COLUMNS": "80"})).stdout
    assert "+0 since the one before, +0 since the first (from 8 on" in " ".join(shown.split()), (
        shown
    )
    assert max(len(line) for line in shown.splitlines()) <= 80, shown


async def test_homework_templates_keep_their_lines_within_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU48 #7: `tj homework templates` printed field lines of up to 127 columns at 80."""
    ana = await new_device(live_server, tmp_path, "ana")
    shown = (await ana.ok("homework", "templates", env={"COLUMNS": "80"})).stdout
    assert "How would you rate the quality of your sleep?" in " ".join(shown.split()), shown
    assert max(len(line) for line in shown.splitlines()) <= 80, shown
