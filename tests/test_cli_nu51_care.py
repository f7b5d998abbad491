"""A new user's review (care and clinical display), CLI, real server on 127.0.0.1, real crypto.

- The HTML report (`tj report --html`), the client's and the therapist's, says each PHQ-9 item 9
  answered above 0 beside its result, in the words the other views use: in the chart point's
  title and printed under the chart (a printed page has no tooltips).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from client_sdk.scoring import OWN_SAFETY_WORDS, PHQ_MANUAL_ON_ITEM_9
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
ITEM_9 = "0,1,0,1,1,0,0,0,1"  # score 4, None-minimal, item 9 answered 1
ITEM_9_TWO = "1,1,1,1,1,1,1,2,2"  # score 11, Moderate, item 9 answered 2
NO_ITEM_9 = "0,1,0,1,1,0,0,1,0"  # score 4, None-minimal, item 9 answered 0


def text_of(fragment: str) -> str:
    """A piece of HTML as the reader sees it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def printed_lines(page: str) -> list[str]:
    """The visible lines the report prints for safety items (`p.safety-item`)."""
    return [text_of(p) for p in re.findall(r'<p class="safety-item">(.*?)</p>', page)]


def point_titles(page: str) -> list[str]:
    return [
        text_of(t)
        for t in re.findall(r'<circle class="score-point"[^>]*><title>(.*?)</title>', page)
    ]


async def test_the_report_says_item_9_beside_each_such_result_for_client_and_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    dated = []
    for answers, day in ((NO_ITEM_9, "2026-11-20"), (ITEM_9, "2026-11-25"), (ITEM_9_TWO, None)):
        extra = ["--date", day] if day else []
        await ana.ok("measure", "take", "phq9", "--answers", answers, *extra)
    for result in sorted(await ana.json("measure", "list"), key=lambda r: r["taken_at"]):
        dated.append(result)
    days = [r["taken_at"] for r in dated]
    assert len(days) == 3
    await drsmith.ok("sync")

    mine, theirs = tmp_path / "mine.html", tmp_path / "theirs.html"
    await ana.ok("report", "--html", str(mine))
    await drsmith.ok("report", "--journal", "ana/Personal", "--html", str(theirs))
    for page_file, said in (
        (mine, OWN_SAFETY_WORDS),
        (theirs, f"{PHQ_MANUAL_ON_ITEM_9}."),
    ):
        page = page_file.read_text(encoding="utf-8")
        titles = point_titles(page)
        assert len(titles) == 3
        assert "item 9" not in titles[0]  # answered 0: the score alone, as ever
        first = f"item 9 answered 1 (Several days), above 0: whatever the total score, {said}"
        second = (
            f"item 9 answered 2 (More than half the days), above 0: whatever the total "
            f"score, {said}"
        )
        assert titles[1].endswith(f": 4 (None-minimal); {first}"), titles[1]
        assert titles[2].endswith(f": 11 (Moderate); {second}"), titles[2]
        printed = printed_lines(page)
        assert printed[0].startswith("PHQ-9 item 9 was answered above 0 in 2 results shown here")
        assert printed[1:] == [titles[1], titles[2]]  # visible, word for word, not a tooltip
        assert page.count('class="safety-ring"') == 2  # the two points ringed


async def test_a_report_without_an_item_9_answer_says_nothing_of_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    page_file = tmp_path / "report.html"
    await ana.ok("report", "--html", str(page_file))
    page = page_file.read_text(encoding="utf-8")
    assert "item 9" not in page and "safety-item" not in page.split("</style>")[1]
    assert 'class="safety-ring"' not in page and point_titles(page)


async def test_the_caseload_names_the_last_day_of_a_share_as_tj_shares_does(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A share made `--until DAY` ends at midnight after DAY: `tj shares` says "DAY (end of
    day)"; the caseload said "share ends DAY+1" (the midnight's own date), in its table, the
    line below it and `--json`'s flags. Now the same words everywhere."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    day = (date.today() + timedelta(days=1)).isoformat()
    await ben.ok("share", "Personal", "drlee", "--until", day, TOFU)
    await ben.ok("write", "--mood", "6", "A day.")
    [share] = [s for s in await ben.json("shares") if s["member"] == "drlee"]
    shares = " ".join((await ben.ok("shares")).stdout.split())
    assert f"{day} (end of day)" in shares, shares
    await drlee.ok("sync")
    said = f"share ends {day} (end of day): ben/Personal"
    [row] = await drlee.json("caseload")
    assert said in row["flags"], row["flags"]
    shown = await drlee.ok("caseload")
    assert f"ben: {said}" in shown.stdout.splitlines(), shown.stdout
    table = shown.stdout.split("\n\n")[0]
    [flags] = column(table, "flags")  # the flag in its cell, however wrapped (nu85 F4)
    assert f"share ends {day} (end of day)" in flags, table
    after = (date.today() + timedelta(days=2)).isoformat()
    assert after not in shown.stdout and share["expires_at"]


async def test_a_phq9_assigned_right_after_one_was_taken_is_due_a_period_after_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj assign ana measure phq9 --every 14` the minute after ana took a PHQ-9 was "first
    due now", "last done: never". That result counts: first due 14 days after it, and it is
    the assignment's last done, on both sides."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    [result] = await ana.json("measure", "list")
    taken = datetime.fromisoformat(result["taken_at"])
    await drlee.ok("sync")
    assigned = await drlee.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    due = (taken + timedelta(days=14)).astimezone()
    said = " ".join(assigned.stderr.split())
    assert (
        f"first due {due:%Y-%m-%d %H:%M}, 14 days after the PHQ-9 of "
        f"{taken.astimezone():%Y-%m-%d %H:%M} (4, None-minimal), which counts for it;"
    ) in said, said
    [listed] = await drlee.json("assignments", "--journal", "ana/Personal")
    assert (listed["status"], listed["last_done"]) == ("upcoming", result["taken_at"])
    assert datetime.fromisoformat(listed["due_at"]) == taken + timedelta(days=14)
    await ana.ok("sync")
    assert "PHQ-9" not in (await ana.ok("due")).stdout  # nothing due now
    [mine] = await ana.json("assignments")
    assert (mine["status"], mine["last_done"]) == ("upcoming", result["taken_at"])


NOT_MONITORED = (
    "This app is not an emergency or crisis service and does not replace one. It is not "
    "monitored in real time: nobody, your therapist included, is watching your answers as "
    "you give them or will reply right away. Do not wait for a reply here."
)


async def test_no_flag_for_a_therapist_who_reads_is_said_to_the_client_and_to_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """ben shares Personal with drlee (annotate, flags not chosen) and answers item 9 = 3:
    his safety message never said that no flag went to drlee, and drlee's `tj safety flags`
    said "No safety flags." while the caseload said item 9 above 0. Now the message says it
    (its other lines unchanged), and `tj safety flags` names the result below the flags."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    taken = await ben.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    message = " ".join(taken.stderr.split())
    assert NOT_MONITORED in message  # the safety text, exact
    assert (
        "No safety flag was sent to drlee, who reads 'Personal': you have not chosen to send "
        "them safety flags. If you want them to know, tell them yourself. Do not wait for anyone: "
        "act on the message above now."
    ) in message, message
    [result] = await ben.json("measure", "list")

    await drlee.ok("sync")
    shown = await drlee.json("safety", "flags")  # --json: no flags, the answer (nu78 F4)
    assert shown["flags"] == [] and len(shown["answers_without_flag"]) == 1
    # one line each on a wide terminal (at 80 columns they wrap: nu78 F5)
    listed = await drlee.ok("safety", "flags", env={"COLUMNS": "200"})
    assert "No safety flags." in listed.stderr
    out = [" ".join(line.split()) for line in listed.stdout.splitlines()]
    when = datetime.fromisoformat(result["taken_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    assert out == [
        "Item 9 answered above 0, in results you can read, with no safety flag for you here:",
        f"ben/Personal: PHQ-9 of {when}, item 9 answered 3 (Nearly every day): "
        f"`tj measure show {result['id'][:12]}`",
        "Each client's latest results: `tj caseload`.",
    ], listed.stdout
    calm = await new_device(live_server, tmp_path, "calm")  # owns what it reads: no footer
    await calm.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    assert (await calm.ok("safety", "flags")).stdout == ""


async def test_a_flag_sent_leaves_the_result_out_of_the_footer_and_the_message_unchanged(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """With flags chosen for drlee, ben's message says the flag was sealed and nothing of a
    missing one; drlee's `tj safety flags` lists the flag and no footer."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    taken = await ben.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    message = " ".join(taken.stderr.split())
    assert "a safety flag was made for drlee" in message
    assert "No safety flag was sent" not in message
    await drlee.ok("sync")
    listed = await drlee.ok("safety", "flags")
    assert "Item 9 answered above 0" not in listed.stdout and "ben" in listed.stdout
