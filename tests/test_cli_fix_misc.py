"""Leftovers of NU24/NU25 (real server on loopback, real crypto, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device

COLS80: dict[str, str | None] = {"COLUMNS": "80"}


async def test_goal_delete_done_and_undo_on_a_device_that_has_not_synced_sync_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj goal delete ID` (asking first), `tj goal done ID` and `tj goal undo ID` for a goal
    made on the other device since this one synced said "no goal ... on this device: try `tj
    sync`", while `tj goal checkin ID` synced first (NU25 C8). They sync first now, as do
    `tj delete ID` and `tj measure delete ID` when they ask first; an id that is nowhere
    still fails, with the same error."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")

    done = (await laptop.ok("goal", "add", "Walk")).stdout.strip()
    marked = await phone.ok("goal", "done", done[:6])
    assert "try `tj sync`" not in marked.stderr
    # one line, as the other goal commands say it (NU48 #5: "Synced." was a line of its own)
    said = marked.stderr.splitlines()
    assert f"Goal {done[:12]} ('Walk') marked done (0 check-ins); synced." in said, said
    assert "Synced." not in said

    undone = (await laptop.ok("goal", "add", "Read", "--measure", "4 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", undone, "--note", "a chapter")
    undo = await phone.ok("goal", "undo", undone[:6], input="y\n")
    assert "try `tj sync`" not in undo.stderr
    assert "Delete the check-in" in undo.stderr and "'a chapter'" in undo.stderr
    assert undo.stdout.strip() == "'Read': 0/4 sessions ░░░░░░░░░░ 0%"

    gone = (await laptop.ok("goal", "add", "Swim")).stdout.strip()
    deleted = await phone.ok("goal", "delete", gone[:6], input="y\n")
    assert "Delete the goal 'Swim' and its 0 check-ins for good?" in deleted.stderr
    assert "Deleted the goal 'Swim'" in deleted.stderr

    entry = (await laptop.ok("write", "A day.")).stdout.strip()
    trashed = await phone.ok("delete", entry[:6], input="y\n")
    assert "try `tj sync`" not in trashed.stderr and "Moved" in trashed.stderr

    await laptop.ok("sync")
    goals = {g["title"]: g for g in await laptop.json("goal", "list")}
    assert set(goals) == {"Walk", "Read"}
    assert goals["Walk"]["done"] is True and goals["Read"]["checkins"] == []
    assert entry not in [e["id"] for e in await laptop.json("list")]

    for args in (("goal", "delete", "abcd"), ("goal", "done", "abcd"), ("goal", "undo", "abcd")):
        missing = await phone.tj(*args, input="y\n")
        assert missing.exit_code == 1, args
        assert missing.stderr.strip() == (  # synced first: no "try `tj sync`" (NU33 #7)
            "Error: no goal abcd on this device (it synced just now): check the id"
        )


async def test_the_safety_plan_says_plainly_that_flags_reach_no_one_after_only_then_full(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After `tj share --only` then `--full`, `tj safety plan` said "share flags: yes (flags
    reach no one; not drsmith, who also read it ...)": a "yes" that reaches no one, and
    drsmith's reason wrong (he was opted in, for an earlier share). It says now whom flags
    reach and why drsmith is not among them, as `tj shares` ("no (earlier share)") and
    `client.safety.flags_reach` ("earlier") do; opting him in again makes it "flags reach
    drsmith"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,scores", "--yes")
    await ana.ok("share", "Personal", "drsmith", "--full", "--yes")
    shown = (await ana.ok("safety", "plan")).stdout
    [line] = [line for line in unwrapped(shown).splitlines() if line.startswith("share flags:")]
    assert line == (
        "share flags:  yes, but flags reach no one now: not drsmith, who was opted in for an "
        "earlier share of Personal, which does not carry over to this one: `tj safety plan "
        "--journal Personal --share-flags` names whom it adds and asks"
    )
    plan = await ana.json("safety", "plan")
    assert (plan["flags_reach"], plan["not_opted_in"], plan["opted_in_earlier"]) == (
        [], ["drsmith"], ["drsmith"],
    )  # fmt: skip
    whole = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert [(s["member"], s["safety_flags"], s["safety_flags_earlier"]) for s in whole] == [
        ("drsmith", False, True)
    ]

    # tom, a member the opt-in never named, is told apart from drsmith
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", *fingerprint)
    shown = (await ana.ok("safety", "plan")).stdout
    [line] = [line for line in unwrapped(shown).splitlines() if line.startswith("share flags:")]
    assert line == (
        "share flags:  yes, but flags reach no one now: not drsmith, who was opted in for an "
        "earlier share of Personal, which does not carry over to this one: `tj safety plan "
        "--journal Personal --share-flags` names whom it adds and asks; not tom, who read it, but whom the "
        "opt-in does not name: `tj safety plan --journal Personal --share-flags` names whom it "
        "adds and asks"
    )

    # the command it names opts drsmith in again: flags reach him, and tom is still not
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    shown = (await ana.ok("safety", "plan")).stdout
    [line] = [line for line in unwrapped(shown).splitlines() if line.startswith("share flags:")]
    assert line == (
        "share flags:  yes (flags reach drsmith; not tom, who also read it: `tj safety plan "
        "--journal Personal --share-flags` names whom it adds and asks)"
    )
    plan = await ana.json("safety", "plan")
    assert (plan["flags_reach"], plan["opted_in_earlier"]) == (["drsmith"], [])


def test_records_gone_with_an_account_are_told_by_name_and_by_id_only_without_one() -> None:
    """The "records are gone" notice names the journal and the account as this device knows
    them (`SyncReport.erased_journals`, `erased_authors`, from verified data); an id it has
    no name for (another member, seen from a member's device: protocol.md 4.13) is told by
    its id."""
    from client_sdk.sync import erased_text

    journal, author = bytes(range(16)), bytes(range(16, 32))
    named = {journal: "ana/Personal"}, {author: "drsmith"}
    assert erased_text(journal, author, 2, *named) == (
        "2 record(s) by drsmith in ana/Personal are gone: the server says that account was deleted"
    )
    assert erased_text(journal, author, 1, {journal: "ana/Personal"}, {}) == (
        f"1 record(s) by account {author.hex()[:12]} in ana/Personal are gone: the server says "
        "that account was deleted"
    )
    assert erased_text(journal, author, 1, {}, {}) == (
        f"1 record(s) by account {author.hex()[:12]} in journal {journal.hex()[:12]} are gone: "
        "the server says that account was deleted"
    )


async def test_sharing_again_before_a_sync_saw_the_leave_is_a_new_share_told_to_both(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """drkim left (`tj leave`); ana's device, not synced since, gave new terms (`tj share
    --full`, `--role`): it signed a `changed` entry for the membership drkim had left, so the
    server served him again while his device kept it as left: he got no "shared with you
    again", nor a notice when that share ended; ana was never told he had left, and `tj
    shares` said he read every field. Now the leave is taken first (drkim off the chain, as a
    sync's check does): new terms alone are refused, saying he left; --full is a new share,
    said to ana, told to drkim as shared again, and its end told to him too."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("write", "An entry.")
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    await drkim.ok("leave", "ana/Personal", "--yes")

    refused = await ana.tj("share", "Personal", "drkim", "--role", "annotate")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: drkim no longer reads 'Personal': the server says they left the share (not "
        "signed by them), so this device removed them from the journal's access and nothing "
        f"else was changed. To share it with them again: `{ana.command} share Personal drkim --full "
        f"--role annotate --fingerprint '{drkim.signup['fingerprint']}'`"  # as asked (fix34b)
    )
    told = await ana.ok("sync")  # the refusal told it: not again (told once)
    assert "drkim" not in told.stdout + told.stderr and told.stdout.strip() == "nothing new"
    [row] = await ana.json("shares")
    assert (row["member"], row["expired"], row["dropped_at"] is not None) == ("drkim", True, True)

    for round in range(2):  # shared again, left again: each told
        await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
        said = await drkim.ok("sync")
        assert said.stderr.count("Notice: ana shared 'Personal' with you again (") == 1, round
        await drkim.ok("leave", "ana/Personal", "--yes")
        again = await ana.ok("share", "Personal", "drkim", "--full", *fingerprint, env=COLS80)
        # the notice wrapped under its label at the terminal's width (NU47 #14)
        notice = [line for line in again.stderr.splitlines() if line.startswith(("Notice", " "))]
        assert len(notice) > 1 and all(len(line) <= 80 for line in notice), again.stderr
        lines = unwrapped(again.stderr).splitlines()
        assert lines[0].startswith("Notice: drkim had stopped reading Personal ("), lines
        assert lines[0].endswith(
            "): the server says they left the share (not signed by them); this device removed "
            "them from the journal's access and changed its key first, so this is a new share "
            "with them, which their device tells them of."
        )
        assert lines[1].startswith("Shared Personal with drkim (read)")
        assert (await ana.ok("sync")).stdout.strip() == "nothing new"  # said once, above
        [row] = await ana.json("shares")
        assert (row["member"], row["expired"]) == ("drkim", False)
        said = await drkim.ok("sync")
        assert said.stderr.count("Notice: ana shared 'Personal' with you again (") == 1, round
        [mine] = await drkim.json("shared-with-me")
        assert mine["share_ended"] is False
        await ana.ok("unshare", "Personal", "drkim", "--yes")
        ended = await drkim.ok("sync")
        assert "Notice: ana's 'Personal' is no longer served to you (" in ended.stderr
        await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
        await drkim.ok("sync")
        await drkim.ok("leave", "ana/Personal", "--yes")
        await ana.ok("sync")
