"""A new user's review (NU51): sharing and everyday findings, against a real server on
loopback with real crypto (see tests/test_cli.py for the set-up).

- F5: `tj brief MEMBER` covered every journal owned; its "To discuss" list carried the text
  of an entry of a journal shared with that therapist as mood and tags only. It now covers
  what is shared with them, those fields only, and is refused when nothing is.
- F6: words appended offline to an entry another device deleted for good meanwhile were
  gone; they are kept as a draft, with the command that saves them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.practice import BRIEF_SCOPE
from tests.conftest import RunningServer
from tests.test_cli import Outage, outage, run_tj  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_nu22_merge_edges import two_devices

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_brief_covers_by_default_only_what_is_shared_with_that_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: Work is shared with drlee as mood and tags; Personal is private. The default
    brief covers Work's mood and tags only: the marked entry's text, the private entry and
    the private journal's mood are not in it; `--journal` still widens it."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags", TOFU)
    meeting = (
        await ana.ok("write", "--journal", "Work", "--mood", "3", "--tag", "work", "Bad meeting")
    ).stdout.strip()
    await ana.ok("discuss", meeting[:8])
    await ana.ok("write", "--mood", "9", "A private diary line")  # Personal: not shared
    await ana.ok(
        "write", "--journal", "Work", "--mood", "5", "--tag", "to-discuss", "Boss said things"
    )

    read = await ana.tj("brief", "drlee", input="n\n")
    assert read.exit_code == 0, read.output
    text = read.stdout
    assert "Bad meeting" not in text and "Boss said" not in text, text
    assert "private diary" not in text and "Personal" not in text, text
    lines = text.splitlines()
    assert lines[1] == "Covers: 'Work (mood, tags)'", lines
    assert "Entries: 2" in lines and "Mood: mean 4.0/10" in text, lines
    discussed = lines[lines.index("To discuss:") + 1 :]
    assert len(discussed) == 2 and all(
        line.startswith("- an entry of ") and line.endswith(" (text not shared)")
        for line in discussed
    ), discussed

    wide = await ana.tj("brief", "drlee", "--journal", "Work", "--journal", "Personal", input="n\n")
    assert "Bad meeting" in wide.stdout and "Entries: 3" in wide.stdout.splitlines()

    async with await Client.open(ana.home) as client:
        brief = await client.briefs.prepare(therapist="drlee")
        assert "Bad meeting" not in str(brief.to_dict())
        assert [i["text_shared"] for i in brief.to_discuss] == [False, False]
        with pytest.raises(InvalidInput) as refused:  # a brief for drlee is not for ben
            await client.briefs.share(brief, "ben", trust_on_first_use=True)
        assert refused.value.subject == BRIEF_SCOPE
        with pytest.raises(InvalidInput) as none:
            await client.briefs.prepare()
        assert none.value.subject == BRIEF_SCOPE


async def test_a_brief_says_no_text_for_an_entry_without_text_under_a_copy_sharing_text(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Work is shared with drlee as mood, title and body: a mood check-in marked to discuss
    has no text at all, so the brief says "(no text)"; "(text not shared)" would tell the
    client something of it was kept from the therapist. Under a mood-only copy the same
    blank stays "(text not shared)" (whether withheld text was empty is not told)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await new_device(live_server, tmp_path, "drkim")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,title,body", TOFU)
    await ana.ok("share", "Work", "drkim", "--only", "mood", TOFU)
    checkin = (await ana.ok("mood", "6", "--journal", "Work")).stdout.strip()
    await ana.ok("discuss", checkin[:8])

    for therapist, why in (("drlee", "(no text)"), ("drkim", "(text not shared)")):
        read = await ana.tj("brief", therapist, input="n\n")
        assert read.exit_code == 0, read.output
        lines = read.stdout.splitlines()
        assert "To discuss:" in lines, read.stdout
        discussed = lines[lines.index("To discuss:") + 1 :]
        assert len(discussed) == 1 and discussed[0].startswith("- an entry of "), discussed
        assert discussed[0].endswith(f" {why}"), (therapist, discussed)
    async with await Client.open(ana.home) as client:
        brief = await client.briefs.prepare(therapist="drlee")
        assert "text_shared" not in brief.to_discuss[0], brief.to_discuss


async def test_a_brief_for_a_therapist_shared_nothing_is_refused_naming_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: nothing shared with drlee: the brief is refused, naming --journal; with it, it
    covers what was named."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "--mood", "4", "Private day")
    refused = await ana.tj("brief", "drlee", TOFU, "--yes")
    assert refused.exit_code == 1 and refused.stdout == "", refused.output
    assert flat(refused.stderr) == (
        "Error: you share no journal with drlee: a brief covers what you share with them; "
        "name the journals it covers to share one anyway: "
        "`tj brief drlee --journal NAME` (repeatable) covers the journals you name"
    ), refused.stderr
    chosen = await ana.tj("brief", "drlee", "--journal", "Personal", TOFU, "--yes")
    assert chosen.exit_code == 0 and "Private day" not in chosen.stdout, chosen.output
    assert "Covers: 'Personal'" in chosen.stdout


async def test_words_appended_offline_to_an_entry_deleted_for_good_elsewhere_are_kept(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """F6: the server down, the laptop deletes an entry and empties the trash; the phone
    appends to it. The phone's sync says the edit went with it, and keeps the words it
    added as a draft in its drafts folder, naming the command that saves them; that command
    saves them as a new entry in the entry's journal (the deleted text is not in it)."""
    laptop, phone = await two_devices(live_server, tmp_path)
    await laptop.ok("journal", "create", "Work")
    entry = (await laptop.ok("write", "--journal", "Work", "Old text.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("delete", entry[:8], "--yes")
    await laptop.ok("trash", "empty", "--yes")
    await phone.ok("edit", entry[:8], "--append", " Phone addition after delete")
    await outage.end()
    await laptop.ok("sync")
    said = flat((await phone.ok("sync")).stderr)
    assert f"Deleted: entry {entry[:12]}, edited on this device at " in said, said
    assert "the edit went with it. The words this device added are kept: in " in said, said
    [draft] = sorted((phone.home / "drafts").glob("*.md"))
    assert draft.read_text().startswith("Phone addition after delete\n")
    save = f"{phone.command} write --journal Work --draft {draft}"
    assert f"`{save}` saves them as a new entry." in said, said
    assert "Deleted:" not in (await phone.ok("sync")).stderr  # told once, kept once
    assert len(list((phone.home / "drafts").glob("*.md"))) == 1
    saved = await phone.tj(*save.split()[1:])
    assert saved.exit_code == 0, saved.output
    [kept] = await phone.json("list", "--journal", "Work")
    assert kept["body"] == "Phone addition after delete" and kept["id"] != entry
    assert not draft.exists()  # saved: the draft goes


@pytest.mark.parametrize(
    "command",
    [
        ["set-aside", "retry"],
        ["verify-head", "Work"],
        ["note", "ben/Personal", "A note"],
        ["logout"],
    ],
    ids=["set-aside-retry", "verify-head", "note", "logout"],
)
async def test_commands_that_sync_without_their_report_keep_words_added_to_a_deleted_entry(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
    command: list[str],
) -> None:
    """F6's rest: the same words appended offline to an entry deleted for good elsewhere,
    met by the sync of a command that does not print a sync report (`tj set-aside retry`,
    `tj verify-head`, `tj note` on a journal shared with this account a moment ago, `tj
    logout`): the draft
    is kept all the same and named, with the command that saves it; `tj logout` then asks
    before deleting it with the device's data. These syncs settled the edit and said
    nothing, so the words were gone."""
    laptop, phone = await two_devices(live_server, tmp_path)
    await new_device(live_server, tmp_path, "drlee")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("share", "Work", "drlee", TOFU)
    entry = (await laptop.ok("write", "--journal", "Work", "Old text.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("delete", entry[:8], "--yes")
    await laptop.ok("trash", "empty", "--yes")
    await phone.ok("edit", entry[:8], "--append", " Phone addition after delete")
    await outage.end()
    await laptop.ok("sync")
    if command[0] == "note":  # shared a moment ago: the phone syncs to find it
        ben = await new_device(live_server, tmp_path, "ben")
        await ben.ok("share", "Personal", "ana", "--role", "annotate", TOFU)
    ran = await phone.tj(*command, input="n\n")
    said = flat(ran.stderr)
    assert "the edit went with it. The words this device added are kept: in " in said, said
    [draft] = sorted((phone.home / "drafts").glob("*.md"))
    assert draft.read_text().startswith("Phone addition after delete\n")
    assert f"write --journal Work --draft {draft}` saves them as a new entry." in said, said
    if command == ["logout"]:
        assert ran.exit_code == 1 and "1 draft never saved" in said, said
        assert "Log out anyway?" in said, said


async def test_unshare_names_everything_else_still_shared_with_that_member(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F7: after `tj unshare Personal drlee`, the single entries of 'Shared with drlee' and
    the mood/tags copy of Work are still shared with drlee: each is named, with the command
    that ends it; that command ends it."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Personal", "drlee", TOFU)
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags")
    one = (await ana.ok("write", "--journal", "Work", "One entry")).stdout.strip()
    await ana.ok("share-entry", one[:8], "drlee")

    ended = flat((await ana.ok("unshare", "Personal", "drlee", "--yes")).stderr)
    assert (
        "drlee still reads 'Shared with drlee' (what you shared with them one item at a "
        "time); this ends it: `tj unshare 'Shared with drlee' drlee`"
    ) in ended, ended
    assert (
        "drlee still reads 'Work (mood, tags) for drlee' (a copy with mood, tags of 'Work'); "
        "this ends it: `tj unshare 'Work (mood, tags) for drlee' drlee`"
    ) in ended, ended
    assert "still reads 'Personal'" not in ended
    await ana.ok("unshare", "Shared with drlee", "drlee", "--yes")
    last = flat((await ana.ok("unshare", "Work (mood, tags) for drlee", "drlee", "--yes")).stderr)
    assert "still reads" not in last, last
    assert all(s["expired"] for s in await ana.json("shares") if s["member"] == "drlee")


async def test_leaving_a_mood_and_tags_copy_does_not_speak_of_safety_flags(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F16: `tj leave` of a copy said "safety flags included": a copy never carries them."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags", TOFU)
    await ana.ok("share", "Personal", "drlee")
    await drlee.ok("sync")
    copy = "ana/Work (mood, tags) for drlee"
    asked = await drlee.tj("leave", copy, input="n\n")
    assert asked.exit_code == 1, asked.output
    assert "safety flags included" not in flat(asked.stderr), asked.stderr
    assert flat(asked.stderr).startswith(
        f"Leave '{copy}'? Nothing more of what ana writes reaches you through it (a copy ana "
        "keeps for you, never with safety flags), and only ana can share it with you again."
    ), asked.stderr
    whole = await drlee.tj("leave", "ana/Personal", input="n\n")  # a whole journal: as before
    assert "safety flags included" in flat(whole.stderr), whole.stderr


async def test_ctrl_c_stops_a_command_saying_nothing_was_lost_with_exit_130(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F15: Ctrl-C during `tj sync` printed click's bare "Aborted!", exit 1."""
    ana = await new_device(live_server, tmp_path, "ana")

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.client.Client.sync", stopped)
    sync = await ana.tj("sync")
    assert sync.exit_code == 130, sync.output
    assert "Aborted" not in sync.output
    assert sync.stderr.strip().splitlines()[-1] == (
        f"Stopped: nothing was lost; run `{ana.command} sync` again."
    ), sync.stderr
    write = await ana.tj("write", "Saved before the sync")  # its sync stopped: the entry kept
    assert write.exit_code == 130 and "Aborted" not in write.output, write.output
    assert "Stopped: what this device had saved is kept;" in write.stderr, write.stderr
    monkeypatch.undo()
    [entry] = await ana.json("list")
    assert entry["body"] == "Saved before the sync"


async def test_a_brief_row_of_tj_shares_has_a_footnote_for_a_brief(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F17: under a brief's row, `tj shares` explained field copies and suggested a share
    command that does not fit a brief."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", TOFU)
    await ana.ok("write", "--mood", "5", "A day")
    await ana.ok("brief", "drlee", "--yes")
    listed = await ana.ok("shares", env={"COLUMNS": "200"})
    [row] = [line for line in listed.stdout.splitlines() if line.startswith("Brief ")]
    assert row.rstrip().endswith("no (a brief)"), row
    told = flat(listed.stdout + listed.stderr)
    assert 'flags "no (a brief)": a pre-session brief is the digest you read' in told, told
    assert "holds some fields of each entry" not in told and "--safety-flags" not in told, told


async def test_a_therapist_reads_no_text_shared_for_a_mood_and_tags_copy_entry(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F18: drlee saw "mood check-in" for an entry ana wrote "Bad meeting" in, shared with
    him as mood and tags only; ana's own mood check-in stays one for her."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--journal", "Work", "--mood", "3", "--tag", "meeting", "Bad meeting")
    await ana.ok("mood", "6", "--journal", "Work")
    await drlee.ok("sync")
    listed = (
        await drlee.ok(
            "list", "--journal", "ana/Work (mood, tags) for drlee", env={"COLUMNS": "120"}
        )
    ).stdout
    assert listed.count("(no text shared)") == 2 and "mood check-in" not in listed, listed
    assert "Bad meeting" not in listed
    own = (await ana.ok("list", "--journal", "Work", env={"COLUMNS": "120"})).stdout
    assert "mood check-in" in own and "Bad meeting" in own, own


def test_a_caseload_flag_for_ended_journals_reads_as_theirs_not_the_clients() -> None:
    """F12: ana's row read "share ended" while her main journal was shared again: two old
    copies had ended. The flag and its table label name those journals."""
    from cli.practice import flag_label

    flag = "ended: ana/Work (mood, tags), ana/Dreams (mood)"
    assert flag_label(flag) == flag
    assert not flag_label(flag).startswith("share ended")


async def test_ctrl_c_in_an_unshare_says_it_may_not_have_been_done(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NU52 F2: Ctrl-C while `tj unshare` waited on the server said "what this device had
    saved is kept; `tj sync` sends what waits", and that sync said "nothing new" while the
    share went on. A command whose change is made on the server says it may not have been
    done, to run it again, and where to see who reads the journal."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", TOFU)

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.shares.Shares.revoke", stopped)
    unshare = await ana.tj("unshare", "Personal", "drlee", "--yes")
    assert unshare.exit_code == 130, unshare.output
    said = flat(unshare.stderr)
    assert "may not have been done; run it again to be sure" in said, said
    assert f"`{ana.command} shares` says who reads your journals now" in said, said
    assert "sends what waits" not in said
    monkeypatch.undo()
    assert [s["member"] for s in await ana.json("shares")] == ["drlee"]  # it still goes on


async def test_a_default_brief_says_to_the_client_what_it_leaves_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU52 F3: with only Work's mood and tags shared, the default brief dropped a PHQ-9 with
    item 9 above 0 (taken in Personal) and an entry marked to discuss there, and said nothing
    of it. The client is told, below the brief and before the question, what it leaves out
    and how to cover more; the brief's text (what the therapist reads) says nothing of it."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--journal", "Work", "--mood", "4", "A day at work")
    private = (await ana.ok("write", "A private worry")).stdout.strip()
    await ana.ok("discuss", private[:8])
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    read = await ana.tj("brief", "drlee", input="n\n")
    assert read.exit_code == 0, read.output
    told = flat(read.stderr)
    assert "Not in this brief (not shared with drlee): PHQ-9 of " in told, told
    assert "1 safety item answered above 0, 1 item to discuss;" in told, told
    assert f"`{ana.command} brief drlee --journal NAME` (repeatable)" in told, told
    assert "PHQ-9" not in read.stdout and "private worry" not in read.stdout, read.stdout
    wide = await ana.tj("brief", "drlee", "--journal", "Work", "--journal", "Personal", input="n\n")
    assert "Not in this brief" not in wide.stderr and "PHQ-9" in wide.stdout


async def test_safety_flags_on_a_share_that_already_annotates_need_no_role_again(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU52 F9: `tj share Personal drlee --safety-flags` on a share whose role is annotate
    asked for `--role annotate` again, though the role stays without `--role`. A share that
    only reads (or none) is still refused."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await new_device(live_server, tmp_path, "ben")
    await ana.ok("share", "Personal", "drlee", "--role", "annotate", TOFU)
    await ana.ok("share", "Personal", "drlee", "--safety-flags")
    plan = await ana.json("safety", "plan")
    assert plan["flags_reach"] == ["drlee"], plan
    await ana.ok("share", "Personal", "ben", TOFU)  # read
    refused = await ana.tj("share", "Personal", "ben", "--safety-flags")
    assert refused.exit_code == 2 and "--safety-flags needs --role annotate" in refused.stderr
