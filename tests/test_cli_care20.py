"""A client who shares PHQ-9 scores without their answers, and their therapist, as a new user
met them: the client is told once per journal (not at every PHQ-9) that the therapist sees
the score only, and told when one result is shared without its answers; the brief marks
every PHQ-9 of its period as its latest score is marked; an export's folder names a copy
as every view does; `tj unshare` suggests a close name as the other commands do; and a
check-in another command of this device made is never said to come from another device,
also when another device's arrives in the same sync. Real server on 127.0.0.1, through
the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_nu63b_findings import another_command_checks_in
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

SCORE_ONLY = "tom sees only the score of this PHQ-9, not your answers (so not item 9)"
NO_ITEM_9 = "0,1,0,1,0,1,0,1,0"


def flat(text: str) -> str:
    return " ".join(text.split())


async def share_scores(ana: Device, member: Device, name: str = "tom") -> None:
    await ana.ok(
        "share", "Personal", name, "--only", "mood,scores", "--role", "annotate",
        "--fingerprint", member.signup["fingerprint"],
    )  # fmt: skip


async def test_the_score_only_note_is_said_once_per_journal_and_again_when_the_sharing_changes(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    await share_scores(ana, tom)
    first = flat((await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)).stderr)
    assert first.count(SCORE_ONLY) == 1, first
    for _ in range(2):  # said: not again at each PHQ-9 of that journal
        again = flat((await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)).stderr)
        assert "sees only the score" not in again, again
    # item 9 answered above 0: whom it does not reach is said then, whatever was said before
    concern = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    assert SCORE_ONLY in flat(concern.stderr), concern.stderr
    quiet = flat((await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)).stderr)
    assert "sees only the score" not in quiet, quiet

    # the sharing changes: someone new reads the scores that way, so it is said again, once
    kim = Device(tmp_path / "kim", live_server.url)
    kim.signup = await kim.json("signup", live_server.url, "kim")
    await share_scores(ana, kim, "kim")
    changed = flat((await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)).stderr)
    assert "kim and tom see only the score of this PHQ-9" in changed, changed
    after = flat((await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)).stderr)
    assert "see only the score" not in after, after

    # kept in this device's store, never on the server: another device says it once too
    client = await Client.open(ana.home)
    try:
        assert await client.measures.score_only_news("Personal") == []
        assert await client.measures.score_only_readers("Personal") == ["kim", "tom"]
    finally:
        await client.close()


async def test_one_phq9_shared_without_its_answers_says_item_9_does_not_reach_them(
    ana: Device, tom: Device
) -> None:
    taken = await ana.json("measure", "take", "phq9", "--answers", NO_ITEM_9)
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    shared = await ana.ok(
        "measure", "share", taken["id"][:8], "tom", "--without-answers", *fingerprint
    )
    said = flat(shared.stderr)
    assert SCORE_ONLY in said, said
    assert "you shared it without its answers, and no safety flag can reach them" in said
    whole = await ana.json("measure", "take", "phq9", "--answers", NO_ITEM_9)
    shared = await ana.ok("measure", "share", whole["id"][:8], "tom", *fingerprint)
    assert "sees only the score" not in flat(shared.stderr)  # with its answers: nothing
    gad = await ana.json("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    shared = await ana.ok(
        "measure", "share", gad["id"][:8], "tom", "--without-answers", *fingerprint
    )
    assert "sees only the score" not in flat(shared.stderr)  # no item 9 to miss


async def brief_as_tom_reads_it(ana: Device, tom: Device, *options: str) -> str:
    await ana.ok("brief", "tom", *options, "--yes")
    await tom.ok("sync")
    [newest, *_] = await tom.json("briefs")
    return flat((await tom.ok("show", newest["id"][:8], env={"COLUMNS": "400"})).stdout)


async def test_every_phq9_of_a_brief_is_marked_as_its_latest_score_is(
    ana: Device, tom: Device
) -> None:
    """The latest PHQ-9 read "(None-minimal; item 9 not shared)", the older ones in "All
    results in the period" nothing: each says whether item 9 was answered above 0, or that
    it is not shared, from the brief's own data."""
    await share_scores(ana, tom)
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    await ana.ok("measure", "take", "phq9", "--answers", "1,0,0,0,0,0,0,0,0")
    copy = await brief_as_tom_reads_it(ana, tom)
    assert "PHQ-9: 1 (None-minimal; item 9 not shared)" in copy, copy
    listed = copy.split("All results in the period: ")[1]
    assert listed.count("(item 9 not shared)") == 2, copy
    assert "item 9 answered" not in copy  # the copy carries no answers: none in the brief

    whole = await brief_as_tom_reads_it(ana, tom, "--journal", "Personal")
    assert "Safety: PHQ-9 item 9 answered 3 (Nearly every day)" in whole, whole
    listed = whole.split("All results in the period: ")[1]
    assert "PHQ-9 11 " in listed and "(item 9 answered 3); PHQ-9 1 " in listed, whole
    assert "not shared" not in listed, whole


async def test_an_export_folder_names_a_copy_no_longer_served_as_every_view_does(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("write", "Before the end.")
    await tom.ok("sync")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await tom.ok("sync")  # the server stops serving it: tom's device holds no signed end
    out = tmp_path / "md"
    done = await tom.ok("export", "--client", "ana", "--format", "markdown", "--out", str(out))
    assert "ana/Personal (no longer served)" in flat(done.stderr + done.stdout)
    assert sorted(p.name for p in (out / "ana").iterdir()) == ["personal (no longer served)"]


async def test_unshare_suggests_a_close_name_as_the_other_commands_do(
    ana: Device, tom: Device
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    refused = await ana.tj("unshare", "Personal", "tomm", "--yes")
    assert refused.exit_code == 1
    said = flat(refused.stderr)
    assert "'Personal' is not shared with tomm (did you mean 'tom'?): nothing" in said, said


async def test_another_devices_check_in_and_this_devices_other_one_in_one_sync_are_told_apart(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone's check-in arrives in the very sync in which another command of the laptop
    made one: only the phone's is said to come from another device (each check-in this
    device makes is marked in its own store; the records name no device)."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    await phone.ok("sync")
    await phone.ok("goal", "checkin", goal, "--note", "from the phone")
    another_command_checks_in(monkeypatch, laptop.home, goal, "other command")
    done = await laptop.ok("goal", "checkin", goal, "--note", "this command")
    assert done.stdout.strip() == "'Walk': 3/12 sessions ██░░░░░░░░ 25%"
    said = flat(done.stderr)
    assert (
        "Note: 1 check-in on 'Walk' from another device arrived in this sync (counted above)."
        in said
    ), said
