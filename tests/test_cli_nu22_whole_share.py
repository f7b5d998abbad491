"""NU22 C2: `tj share` told the client only "every entry in full" while the therapist also
reads goals, questionnaire answers, the safety plan and flags, and other members' notes. The
confirmation now names them, and each is checked on the member's device (real server on
loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_whole_journal_share_says_everything_the_member_reads_and_they_read_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")  # a member before drsmith
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("safety", "plan", "--text", "Ring Jo, then walk.")
    await ana.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await drlee.ok("sync")
    await drlee.ok("note", "ana/Personal", "From drlee: see you Monday.")
    await ana.ok("write", "--mood", "4", "Before the share with drsmith.")
    goal = (await ana.ok("goal", "add", "Walk daily")).stdout.strip()
    await ana.ok("goal", "checkin", goal)
    await ana.ok("measure", "take", "phq9", "--answers", "1,2,1,2,1,1,2,1,1")

    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", drsmith.signup["fingerprint"]
    )
    said = " ".join(shared.stderr.split())
    assert (
        "after their next `BARE tj sync` they read everything you keep in it, also what was written "
        "before: every entry in full (text, title, mood, tags, emotions), goals and their "
        "check-ins, questionnaire results with each item's answer, homework and any safety "
        "plan in it." in said
    ), said

    report = await drsmith.json("sync")
    kinds = {news["kind"] for news in report["news"] if news["from"] == "ana"}
    assert {"entry", "goal", "measure", "safety_plan"} <= kinds, report
    assert [e["body"] for e in await drsmith.json("list")] == ["Before the share with drsmith."]
    [result] = await drsmith.json("measure", "list")
    assert result["answers"] == [1, 2, 1, 2, 1, 1, 2, 1, 1], result
    [walk] = await drsmith.json("goal", "list", "--journal", "ana/Personal")
    assert walk["title"] == "Walk daily" and len(walk["checkins"]) == 1, walk
