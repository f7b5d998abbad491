"""Commands that show data (entries, goals, results, homework, notes, safety flags, briefs,
prompts, assignments, due) sync first when the server answers, and say when this device last
synced when it does not, without a long wait; an offline write says "saved locally" at once
(real server on loopback, CliRunner)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from tenacity import RetryCallState

from client_sdk.transport import RetryPolicy
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401 (the outage fixture)
from tests.test_cli_insights import new_device

NOT_SYNCED = "Not synced (the server cannot be reached): showing what this device had"


async def test_a_therapist_sees_a_new_flag_brief_and_note_without_running_sync_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await drsmith.ok("sync")
    assert "No safety flags." in (await drsmith.ok("safety", "flags")).stderr

    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    await ana.ok("brief", "drsmith", "--yes")
    await ana.ok("note", "Personal", "Ask about sleep.")

    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["item"]) == ("ana", 9)
    [brief] = await drsmith.json("briefs")
    assert brief["client"] == "ana"
    notes = await drsmith.json("notes")
    assert [n["text"] for n in notes] == ["Ask about sleep."]


async def test_a_second_device_sees_the_therapists_note_and_prompt_without_running_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "Good progress.")
    await drsmith.ok("note", "ana/Personal", "--prompt", "What helped this week?")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "7")

    notes = await ana.json("notes")
    assert {(n["kind"], n["text"], n["author"]) for n in notes} == {
        ("note", "Good progress.", "drsmith"),
        ("prompt", "What helped this week?", "drsmith"),
    }
    prompts = await ana.json("prompt", "list")
    assert prompts[0]["text"] == "What helped this week?"
    assert [a["target_id"] for a in await ana.json("assignments")] == ["phq9"]


async def test_a_prompt_sent_in_session_comes_first_in_tj_prompt_and_can_be_answered_at_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C27: the client told in session "I've sent you a prompt, run `tj prompt`" got a
    library prompt, and `tj write --prompt ID` said there was no such prompt, until `tj sync`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    sent = await drsmith.ok("note", "ana/Personal", "--prompt", "What would you tell a friend?")
    prompt_id = sent.stdout.strip()

    suggested = await ana.json("prompt")
    assert (suggested["text"], suggested["id"]) == ("What would you tell a friend?", prompt_id)

    bob = await new_device(live_server, tmp_path, "bob")  # bob's own journal, shared with ana
    await bob.ok("share", "Personal", "ana", "--full", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("sync")
    answer = await ana.json("note", "bob/Personal", "--prompt", "And to yourself?")
    written = await bob.json("write", "--prompt", answer["id"][:8], "That it will pass.")
    assert (written["prompt_id"], written["title"]) == (answer["id"], "And to yourself?")


async def test_a_therapists_notes_name_each_clients_journal_and_the_therapist_as_you(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C19: the therapist's `tj notes` named every client's journal just "Personal" and
    called the therapist "drsmith (therapist)" to themself."""
    ana = await new_device(live_server, tmp_path, "ana")
    bob = await new_device(live_server, tmp_path, "bob")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for client in (ana, bob):
        await client.ok(
            "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
        )
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "For ana.")
    await drsmith.ok("note", "bob/Personal", "For bob.")
    notes = await drsmith.json("notes")
    assert {(n["journal"], n["text"]) for n in notes} == {
        ("ana/Personal", "For ana."),
        ("bob/Personal", "For bob."),
    }
    table = (await drsmith.ok("notes")).stdout
    assert "ana/Personal" in table and "bob/Personal" in table
    assert "you" in table and "drsmith (therapist)" not in table
    [mine] = await ana.json("notes")  # the client sees her own journal's name and who wrote it
    assert (mine["journal"], mine["author"], mine["by_therapist"]) == ("Personal", "drsmith", True)
    assert "drsmith (therapist)" in (await ana.ok("notes")).stdout


def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits before a retry (`RetryPolicy.wait`, transport.DEFAULT_RETRY: at least
    0.25 s each, three per call) that commands run from now on draw: counted, not timed, so
    that a loaded machine does not fail the test (speed is measured in bench/)."""
    waits: list[float] = []
    real = RetryPolicy.wait

    def counting(policy: RetryPolicy, state: RetryCallState) -> float:
        waits.append(real(policy, state))
        return waits[-1]

    monkeypatch.setattr(RetryPolicy, "wait", counting)
    return waits


async def test_offline_a_read_command_says_when_the_device_last_synced_and_does_not_wait(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("note", "Personal", "Ask about sleep.")
    entry = (await ana.ok("write", "--mood", "5", "Slept well.")).stdout.strip()
    goal = (await ana.ok("goal", "add", "Walk")).stdout.strip()
    before = datetime.now().replace(second=0, microsecond=0)  # local, to the minute shown
    await ana.ok("sync")
    after = datetime.now()
    await outage.begin()
    waits = retry_waits(monkeypatch)
    for command in (
        ("notes",), ("safety", "flags"), ("briefs",), ("prompt", "list"), ("assignments",),
        ("due",), ("caseload",), ("list",), ("show", entry), ("search", "slept"),
        ("on-this-day",), ("insights",), ("goal", "list"), ("goal", "show", goal),
        ("measure", "list"), ("homework", "list"), ("journal", "list"), ("trash",),
        ("shared-with-me",), ("prompt",),
    ):  # fmt: skip
        shown = await ana.ok(*command)
        assert waits == [], (command, waits)  # one quick try, no retry waited for
        said = " ".join(shown.stderr.split())
        assert f"{NOT_SYNCED} at its last sync, " in said, (command, said)
        shown_sync = re.search(r"its last sync, (\d{4}-\d\d-\d\d \d\d:\d\d)\b", said)
        assert shown_sync, (command, said)  # the sync's own time, whatever hour it crossed
        assert before <= datetime.fromisoformat(shown_sync.group(1)) <= after, (command, said)
    assert "Ask about sleep." in (await ana.ok("notes")).stdout


async def test_a_device_that_never_synced_says_so_offline(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ben = Device(tmp_path / "ben", live_server.url)
    await ben.json("signup", live_server.url, "ben")
    await outage.begin()
    said = " ".join((await ben.ok("notes")).stderr.split())
    assert f"{NOT_SYNCED.removesuffix(' had')} holds: its first sync has not finished." in said


async def test_a_second_device_shows_new_entries_goals_and_results_without_running_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    entry = (await ana.ok("write", "--mood", "6", "--tag", "walk", "By the river.")).stdout
    goal = (await ana.ok("goal", "add", "Walk twice a week")).stdout.strip()
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")

    listed = await phone.ok("list", "--json")
    assert not listed.stderr.strip()  # synced quietly
    assert [e["body"] for e in json.loads(listed.stdout)] == ["By the river."]
    assert (await phone.json("show", entry.strip()[:8]))["mood"] == 6
    assert [h["entry"]["body"] for h in await phone.json("search", "river")] == ["By the river."]
    assert [g["id"] for g in await phone.json("goal", "list")] == [goal]
    assert [r["measure"] for r in await phone.json("measure", "list")] == ["gad7"]
    assert (await phone.json("insights"))["entries"] == 1


async def test_an_offline_write_is_saved_at_once_without_waiting_for_retries(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await outage.begin()
    waits = retry_waits(monkeypatch)
    for command in (
        ("write", "--mood", "4", "Offline."), ("mood", "5"), ("goal", "add", "Rest"),
        ("note", "Personal", "Remember."),
    ):  # fmt: skip
        said = " ".join((await ana.ok(*command)).stderr.split())
        assert "saved locally; will sync when the server is reachable" in said, (command, said)
    # Retrying (transport.DEFAULT_RETRY) sleeps at least 0.25 s three times per command: 3 s
    # for the four; one quick try waits for none.
    assert waits == [], waits
    await outage.end()
    await ana.ok("sync")
    assert [e["body"] for e in await ana.json("list")] == ["", "Offline."]


async def test_a_second_devices_brief_carries_a_phq9_item_9_and_its_flag_without_running_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    # The phone synced before the laptop took a PHQ-9 with item 9 above 0: `tj brief` on the
    # phone syncs first, so the brief it shows (and would share) has the score, the item-9
    # line and the unacknowledged flag, as the laptop's does; offline it says how old it is.
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("write", "--mood", "6", "Slept badly.")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")

    shown = await phone.tj("brief", "drsmith", input="n\n")
    brief = " ".join(shown.stdout.split())
    assert "Covers: 'Personal'" in brief, brief
    assert "PHQ-9: 9 (Mild)" in brief, brief
    assert "Safety: PHQ-9 item 9 answered 1 (Several days)" in brief, brief
    assert "not acknowledged yet" in brief, brief
    assert NOT_SYNCED not in " ".join(shown.stderr.split()), shown.stderr


async def test_offline_a_brief_says_when_the_device_last_synced(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await ana.ok("sync")
    await outage.begin()
    shown = await ana.tj("brief", "drsmith", input="n\n")
    assert "Covers: 'Personal'" in shown.stdout, shown.output
    assert f"{NOT_SYNCED} at its last sync, " in " ".join(shown.stderr.split()), shown.stderr
