"""NU19 C2: a client who ends (or narrows) a share is told, and asked first, when the therapist
may not have received a safety flag or a PHQ-9 with item 9 above 0: once the share ends it
never reaches them (real server on loopback, CliRunner)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

ITEM_9 = "1,1,1,1,1,1,1,1,2"  # 10, item 9 answered 2


def said(text: str) -> str:
    return " ".join(text.split())


async def opted_in(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    lea = await new_device(server, tmp_path, "lea")
    drlee = await new_device(server, tmp_path, "drlee")
    await lea.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await drlee.ok("sync")
    return lea, drlee


async def test_unshare_says_a_safety_flag_may_never_arrive_and_asks_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    taken = await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    assert "a safety flag was made for drlee" in said(taken.stdout + taken.stderr)

    refused = await lea.tj("unshare", "Personal", "drlee", input="n\n")
    assert refused.exit_code == 1
    text = said(refused.stderr)
    assert "drlee may not have received this from Personal:" in text
    assert "- the safety flag of " in text and "(PHQ-9 item 9 answered 2, score 10)" in text
    assert "not marked read by drlee" in text
    assert "cannot tell whether drlee's device downloaded it" in text
    assert "Stop sharing Personal with drlee anyway? [Y/n]" in text
    lines = refused.stderr.splitlines()  # each item on a line of its own (NU20 C13)
    assert any(line.startswith("drlee may not have received") for line in lines)
    assert any(line.startswith("- the safety flag of ") for line in lines)
    assert [s["member"] for s in await lea.json("shares")] == ["drlee"]  # nothing ended

    script = await lea.tj("unshare", "Personal", "drlee")  # no terminal, no --yes: no answer
    assert script.exit_code == 1 and "Stopped sharing" not in script.stderr
    assert [s["member"] for s in await lea.json("shares")] == ["drlee"]

    done = await lea.ok("unshare", "Personal", "drlee", "--yes")  # said, not asked
    assert "may not have received" in said(done.stderr) and "anyway?" not in done.stderr
    assert "Stopped sharing 'Personal' with drlee" in said(done.stderr)
    assert await lea.json("shares") == []
    await drlee.ok("sync")
    assert (await drlee.json("safety", "flags"))["flags"] == []  # it never reached them: as said


async def test_a_flag_the_therapist_marked_read_asks_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await drlee.ok("sync")
    [flag] = (await drlee.json("safety", "flags"))["flags"]
    await drlee.ok("safety", "ack", flag["id"][:8])
    await drlee.ok("sync")
    done = await lea.ok("unshare", "Personal", "drlee")  # syncs first: sees the ack
    assert "may not have received" not in done.stderr
    assert "Stopped sharing 'Personal' with drlee" in said(done.stderr)


async def test_a_phq9_with_item_9_without_flags_and_narrowing_with_only_say_so_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    omar = await new_device(live_server, tmp_path, "omar")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await omar.ok(
        "share", "Personal", "drlee", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await omar.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    refused = await omar.tj("share", "Personal", "drlee", "--only", "mood", input="n\n")
    assert refused.exit_code == 1
    text = said(refused.stderr)
    assert "drlee may not have received this from Personal:" in text
    assert "- your PHQ-9 of " in text and "(PHQ-9 item 9 answered 1, score 1)" in text
    assert (
        "Once you share only some fields of Personal with them, what drlee has not downloaded"
        in text
    )
    assert "(--only)" not in text  # NU28 C9: no option name inside a sentence
    assert [s["fields"] for s in await omar.json("shares")] == [None]  # still whole
    narrowed = await omar.json("share", "Personal", "drlee", "--only", "mood", "--yes")
    assert narrowed["ended"] == ["Personal"]
    [item] = narrowed["undelivered"]
    assert (item["kind"], item["name"], item["item"], item["answer"]) == (
        "result", "PHQ-9", 9, 1,
    )  # fmt: skip
    # a later PHQ-9 with item 9 at 0, a whole recall period (2 weeks) later, is not that
    # worry; a retake of the same two weeks is no answer about other days (NU22 C1)
    other = await new_device(live_server, tmp_path, "kai")
    await other.ok(
        "share", "Personal", "drlee", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    weeks_ago = (date.today() - timedelta(days=15)).isoformat()
    await other.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--date", weeks_ago)
    await other.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    calm = await other.ok("unshare", "Personal", "drlee")
    assert "may not have received" not in calm.stderr
    retaken = await new_device(live_server, tmp_path, "rae")
    await retaken.ok(
        "share", "Personal", "drlee", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await retaken.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    await retaken.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    asked = await retaken.tj("unshare", "Personal", "drlee", input="n\n")
    assert asked.exit_code == 1
    assert "(PHQ-9 item 9 answered 1, score 1)" in said(asked.stderr)


async def test_a_new_safety_flag_leads_the_therapists_sync_on_a_line_of_its_own(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU20 C6: among many clients' news a new safety flag was one item of a long line."""
    lea, drlee = await opted_in(live_server, tmp_path)
    await lea.ok("write", "--mood", "3", "A hard week.")
    await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    synced = await drlee.ok("sync")
    first = synced.stderr.splitlines()[0]
    assert first == "Safety: 1 new safety flag from lea: see `tj safety flags` and `tj caseload`."
    summary = synced.stdout.strip()
    assert summary == "lea: 1 new safety flag, 1 new entry, 1 new questionnaire result"  # NU47 #3
    quiet = await drlee.ok("sync")  # told once: the next sync brings nothing new
    assert "Safety:" not in quiet.stderr


async def test_a_flag_the_therapist_received_before_the_unshare_is_never_said_sent_too_late(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A flag that left and reached the therapist seconds before the client unshared: within
    the devices' clock skew (CLOCK_SKEW_MS) the one rule answers "may NOT have been
    delivered", so the words never say the share ended before the flag left."""
    lea, drlee = await opted_in(live_server, tmp_path)
    await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await lea.ok("sync")
    await drlee.ok("sync")
    [received] = (await drlee.json("safety", "flags"))["flags"]  # the therapist's device holds it
    await lea.ok("unshare", "Personal", "drlee", "--yes")
    synced = said((await lea.ok("sync")).stderr + (await lea.ok("sync")).stdout)
    flags = said((await lea.ok("safety", "flags")).stdout)
    for text in (synced, flags):
        assert "before it left" not in text and "before the flag left" not in text, text
        assert "at about the time" not in text, text
    assert "may NOT have been delivered to drlee" in flags
    assert "less than 15 minutes after the flag left the device of yours that sealed it" in flags
    [listed] = [
        f for f in (await lea.json("safety", "flags"))["flags"] if f["id"] == received["id"]
    ]
    assert listed["not_delivered"] == ["drlee"]
