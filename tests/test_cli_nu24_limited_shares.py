"""NU24: a new user's findings on field-level shares (`tj share J MEMBER --only FIELDS`) and
safety flags: C13 (narrowing stopped safety flags unsaid), C15 (`--share-flags` opted in a
member who only reads), C11 (the therapist was not told they read a narrowed copy), C8
(sharing one item into the journal of single items gave again what it held). Real server on
loopback, real crypto, CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import NOTICE_TIME, unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


UNANSWERED = (  # a question left unanswered by a stdin that ended (NU32 #5)
    "Error: this needs confirming and standard input ended with no answer: pass --yes to "
    "skip the question"
)


def asked(question: str, answer: str | None) -> str:
    """What `question` shows: asked when an answer is piped; else not printed, but named at
    the end of the one line that says it was left unanswered (NU33 #2)."""
    return f"{question} [y/N]:" if answer else f"{UNANSWERED}. The question: {question}"


def said(text: str) -> str:
    return " ".join(text.split())  # a message wraps on a narrow terminal


async def opted_in_therapist(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """ana shares Personal with drsmith (annotate) and opts her in to safety flags."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU, "--safety-flags"
    )
    await drsmith.ok("sync")
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith"]
    return ana, drsmith


FLAGS_STOP = (
    "Safety flags of Personal go to drsmith now. A share of only some fields carries none: "
    "once you narrow their share to some fields, a PHQ-9 item 9 answered above 0 in "
    "Personal seals no safety flag for drsmith. To send them flags again later: `tj share "
    "Personal drsmith --full --role annotate --safety-flags`"
)


async def test_narrowing_a_share_that_gets_safety_flags_says_they_stop_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C13: `tj share Personal drsmith --only mood,tags` ended drsmith's safety flags
    without a word."""
    ana, _drsmith = await opted_in_therapist(live_server, tmp_path)
    for answer in (None, "n\n"):  # a script without --yes, then "no"
        refused = await ana.tj("share", "Personal", "drsmith", "--only", "mood,tags", input=answer)
        assert refused.exit_code == 1, refused.output
        question = "Stop safety flags to drsmith and share only some fields of Personal with them?"
        assert said(refused.stderr).startswith(f"{FLAGS_STOP} {asked(question, answer)}"), (
            refused.stderr
        )
        [share] = await ana.json("shares")
        assert (share["journal"], share["fields"]) == ("Personal", None)  # nothing changed
        assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith"]

    agreed = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", input="y\n")
    assert said(agreed.stderr).startswith(FLAGS_STOP + " Stop safety flags to drsmith")
    assert (await ana.json("safety", "plan"))["flags_reach"] == []
    [share] = await ana.json("shares")
    assert share["journal"] == "Personal (mood, tags) for drsmith"


async def test_narrowing_with_yes_says_flags_stop_without_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, _drsmith = await opted_in_therapist(live_server, tmp_path)
    done = await ana.ok("share", "Personal", "drsmith", "--only", "mood", "--yes")
    assert said(done.stderr).startswith(FLAGS_STOP + " Shared only the mood")
    assert "[y/N]" not in done.stderr


async def test_narrowing_a_share_without_flags_asks_nothing_about_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    done = await ana.ok("share", "Personal", "drsmith", "--only", "mood")  # no terminal
    assert "Safety flags" not in done.stderr and "[y/N]" not in done.stderr


async def annotate_and_read_only(
    live_server: RunningServer, tmp_path: Path
) -> tuple[Device, Device, Device]:
    """ana shares Personal with drsmith (annotate) and tom (read only); no opt-in yet."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await ana.ok("share", "Personal", "tom", "--full", TOFU)
    return ana, drsmith, tom


READS_ONLY = (
    "--share-flags does not opt in tom, who only read Personal: a member who only reads could "
    "never mark a safety flag as read, so none is made for tom. To send flags to one of "
    "them: `tj share Personal tom --full --role annotate --safety-flags`"
)


async def test_share_flags_never_opts_in_a_member_who_only_reads(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C15: `tj safety plan --share-flags --yes` opted in tom, who reads Personal with
    the read role (`tj share ... --safety-flags` refuses that role: he could never mark a
    flag as read), and said "flags reach drsmith, tom"."""
    ana, _drsmith, _tom = await annotate_and_read_only(live_server, tmp_path)
    refused = await ana.tj("safety", "plan", "--share-flags")  # a script: asks, refused
    assert refused.exit_code == 1
    assert said(refused.stderr).startswith(
        READS_ONLY + " --share-flags opts in drsmith, who read Personal now: when a PHQ-9 item "
        "9 is answered above 0 in Personal, an encrypted safety flag is made for drsmith. "
        f"{asked('Send safety flags to drsmith?', None)}"
    ), refused.stderr
    done = await ana.ok("safety", "plan", "--share-flags", "--yes")
    assert said(done.stderr).startswith(READS_ONLY + " --share-flags opts in drsmith, who")
    assert (
        "share flags:  yes (flags reach drsmith; not tom, who only read it: a flag needs the "
        "annotate role)" in said(done.stdout).replace("share flags: yes", "share flags:  yes")
    ), done.stdout
    plan = await ana.json("safety", "plan")
    assert (plan["flags_reach"], plan["not_opted_in"], plan["reads_only"]) == (
        ["drsmith"], ["tom"], ["tom"],
    )  # fmt: skip
    # Asked again: tom is still never added, and nothing is asked (no one to add).
    again = await ana.ok("safety", "plan", "--share-flags")
    assert said(again.stderr) == READS_ONLY + " Synced."
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith"]


async def test_the_sdk_refuses_to_name_a_member_who_only_reads(
    live_server: RunningServer, tmp_path: Path
) -> None:
    from client_sdk import Client
    from client_sdk.errors import InvalidInput

    ana, _drsmith, _tom = await annotate_and_read_only(live_server, tmp_path)
    async with await Client.open(ana.home) as client:
        assert await client.safety.would_opt_in() == ["drsmith"]
        try:
            await client.safety.set_plan(share_flags=True, flags_for=["drsmith", "tom"])
        except InvalidInput as refused:
            assert str(refused) == (
                "tom only reads Personal: a member who only reads could never mark a safety "
                "flag as read, so none is sealed for them; share with them with the annotate "
                "role first (nothing was changed)"
            )
        else:
            raise AssertionError("tom, who only reads, was opted in")
        assert (await client.safety.plan()).share_flags is False
        await client.safety.set_plan(share_flags=True)  # a first plain opt-in
        assert (await client.safety.plan()).flags_reach == ("drsmith",)


async def test_the_therapist_is_told_once_that_they_read_the_narrowed_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C11: after `tj share Personal drsmith --only mood,tags`, drsmith's sync said only
    that ana's Personal was no longer served ("ana stopped sharing it or now shares less of
    it"), never that drsmith still reads the copy 'Personal (mood, tags) for drsmith'."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags")
    await ana.ok("write", "--mood", "6", "--tag", "sleep", "Private words.")

    told = await drsmith.ok("sync")
    copy = "Personal (mood, tags) for drsmith"
    time = rf"\(({NOTICE_TIME})\)"
    assert told.stdout == "1 new entry from ana, 1 share change (below)\n", told.stdout
    [notice] = [line for line in unwrapped(told.stderr).splitlines() if line.startswith("Notice:")]
    assert re.fullmatch(
        rf"Notice: ana's 'Personal' is no longer served to you {time}: ana most likely "
        r"narrowed your share to some of its fields, which you read in "
        rf"'{re.escape(copy)}' \(a copy ana keeps for you: `tj shared-with-me`\), or the "
        r"server is withholding 'Personal'\. What you downloaded of 'Personal' stays on this "
        r"device, read-only\. Once you know the share ended, discard its copy from this "
        r"device with `tj forget 'ana \(account [0-9a-f]{8}\)/Personal' --unlisted` \(keep "
        r"what you need first: `tj export --client 'ana \(account [0-9a-f]{8}\)' --out "
        r"DIR`\)\. 'ana \(account [0-9a-f]{8}\)' is ana, named by account in these commands "
        r"because that share is no longer served to you, so that they act on that account "
        r"only, even if the name is later given to someone else\.",  # REV-S9B S9B-1, NU74 F11
        notice,
    ), notice
    report = await drsmith.json("sync")
    assert report["departures"] == []  # once
    [row] = await drsmith.json("caseload")
    # the whole share's end is not served to drsmith: the server's word (NU52 F4)
    assert f"no longer served: ana/Personal (now read as ana/{copy})" in row["flags"], row
    shared = await drsmith.json("shared-with-me")
    assert copy in [s["journal"] for s in shared] or f"ana/{copy}" in [
        s["journal"] for s in shared
    ], shared


async def test_a_therapist_whose_share_simply_ended_is_told_no_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The copy is named only when the owner-signed chain of a journal kept for this member
    grants it now: after a plain unshare, the notice is as before."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood", TOFU)
    await ana.ok("share", "Personal", "drsmith", "--full", "--yes")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    told = await drsmith.ok("sync")
    assert "you still read" not in told.output and "most likely narrowed" not in told.output
    assert "Notice:" in told.stderr


async def items_shared_then_unshared(
    live_server: RunningServer, tmp_path: Path
) -> tuple[Device, Device, str, str]:
    """ana shares one entry with drsmith (`tj share-entry`), then ends that share before
    drsmith ever syncs; returns both devices, the entry's copy id and a new entry's id."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    first = (await ana.ok("write", "First secret about the accident.")).stdout.strip()
    await ana.ok("share-entry", first[:8], "drsmith", TOFU)
    [copy] = await ana.json("list", "--journal", "Shared with drsmith", "--all")
    await ana.ok("unshare", "Shared with drsmith", "drsmith")
    second = (await ana.ok("write", "Second, about work.")).stdout.strip()
    return ana, drsmith, copy["id"], second


async def test_sharing_one_entry_again_names_what_the_ended_share_held_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C8: after `tj unshare "Shared with drsmith" drsmith`, `tj share-entry NEW
    drsmith` shared that journal again, and with it the first entry, which drsmith had never
    downloaded, without a word: "Shared entry ... with drsmith"."""
    ana, drsmith, copy, second = await items_shared_then_unshared(live_server, tmp_path)
    said_first = (
        "drsmith's share of 'Shared with drsmith' ended. Sharing entry "
        f"{second[:8]} with them shares that journal again, and they would also read the 1 "
        f"item it still holds (shared with them before): - your entry {copy[:12]} of WHEN "
        "(First secret about the accident.) "
        f"To share entry {second[:8]} alone, move those to the trash first (`tj delete ID`; a "
        "result: `tj measure delete ID`), then share it again. "
    )
    told = re.escape(said_first).replace("WHEN", r"\d{4}-\d\d-\d\d \d\d:\d\d")
    question = f"Share it with drsmith again too, with entry {second[:8]}?"
    for answer in (None, "n\n"):  # a script without --yes; then "no"
        refused = await ana.tj("share-entry", second[:8], "drsmith", input=answer)
        assert refused.exit_code == 1, refused.output
        # no stdin: how to skip it (NU32 #5), in one line naming the question (NU33 #2)
        declined = f' n Not done: you answered no to "{question}".'
        after = asked(question, answer) + (declined if answer else "")
        assert re.fullmatch(told + re.escape(after), said(refused.stderr)), refused.stderr
        assert [s for s in await ana.json("shares") if not s["expired"]] == []
        assert len(await ana.json("list", "--journal", "Shared with drsmith", "--all")) == 1

    agreed = await ana.ok("share-entry", second[:8], "drsmith", input="y\n")
    assert re.match(
        told + re.escape(question) + r" \[y/N\]: y Shared entry",
        said(agreed.stderr + agreed.stdout),
    ), agreed.output
    await drsmith.ok("sync")
    bodies = {e["body"] for e in await drsmith.json("list", "--all")}
    assert bodies == {"First secret about the accident.", "Second, about work."}


async def test_an_entry_moved_to_the_trash_is_not_shared_again_nor_asked_about(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith, copy, second = await items_shared_then_unshared(live_server, tmp_path)
    await ana.ok("delete", copy[:12], "--yes")
    shared = await ana.ok("share-entry", second[:8], "drsmith")  # no terminal: not asked
    assert "[y/N]" not in shared.stderr and "would also read" not in shared.stderr
    await drsmith.ok("sync")
    assert [e["body"] for e in await drsmith.json("list", "--all")] == ["Second, about work."]


async def test_sharing_a_result_with_yes_names_what_goes_again_without_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith, copy, _second = await items_shared_then_unshared(live_server, tmp_path)
    taken = await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    done = await ana.ok("measure", "share", taken["id"][:8], "drsmith", "--yes")
    assert (
        f"would also read the 1 item it still holds (shared with them before): - your entry {copy[:12]} of "
        in said(done.stderr)
    )
    assert "[y/N]" not in done.stderr
    await drsmith.ok("sync")
    assert [e["body"] for e in await drsmith.json("list", "--all")] == [
        "First secret about the accident."
    ]


async def test_sharing_fields_again_names_what_the_kept_copy_holds_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C8 for a field-level copy: after `tj unshare "Personal (mood, tags) for drsmith"
    drsmith`, `tj share Personal drsmith --only mood,tags` said "Shared only the mood and
    tags of entries you write in Personal from now on (nothing from before)" and gave
    drsmith the mood and tags of an entry the copy held from the ended share, which drsmith
    had never downloaded."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--mood", "2", "--tag", "relapse", "Words one.")
    copy = "Personal (mood, tags) for drsmith"
    [held] = await ana.json("list", "--journal", copy, "--all")
    await ana.ok("unshare", copy, "drsmith")

    refused = await ana.tj("share", "Personal", "drsmith", "--only", "mood,tags")
    assert refused.exit_code == 1, refused.output
    expected = (
        f"drsmith's share of '{copy}' ended. Sharing the mood and tags of Personal with "
        "them shares that journal again, and they would also read the 1 item it still holds "
        f"(shared with them before): - your entry {held['id'][:12]} of WHEN (mood 2, "
        "relapse) To share only what is dated from now on, move those to the trash first "
        "(`tj delete ID`; a result: `tj measure delete ID`), then share it again. "
        + asked("Share it with drsmith again too, with the mood and tags of Personal?", None)
    )
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"  # local time
    assert re.fullmatch(re.escape(expected).replace("WHEN", when), said(refused.stderr)), (
        refused.stderr
    )
    assert [s for s in await ana.json("shares") if not s["expired"]] == []

    await ana.ok("delete", held["id"][:12], "--yes")  # the way to share only what comes
    shared = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags")
    assert "would also read" not in shared.stderr and "reads again" not in shared.stderr
    await ana.ok("write", "--mood", "7", "--tag", "walk", "Words two.")
    await drsmith.ok("sync")
    seen = await drsmith.json("list", "--all")
    assert [(e["mood"], e["tags"]) for e in seen] == [(7, ["walk"])]


async def test_share_safety_flags_names_everyone_flags_reach_now(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C15: `tj share Personal drsmith --role annotate --safety-flags` said flags go to
    "drsmith and those you opted in before", also after the client withdrew every opt-in:
    the opt-in now names exactly whom it reaches."""
    ana = await new_device(live_server, tmp_path, "ana")
    for name in ("drsmith", "bob", "tom"):
        await new_device(live_server, tmp_path, name)
    await ana.ok("share", "Personal", "bob", "--full", "--role", "annotate", TOFU)
    await ana.ok("share", "Personal", "tom", "--full", TOFU)  # reads only
    await ana.ok("safety", "plan", "--share-flags", "--yes")  # bob (not tom)
    reached = (
        "When a PHQ-9 item 9 is answered above 0 in Personal, a safety flag is made for "
        "{}, no one else; drsmith sees it"
    )
    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU, "--safety-flags"
    )
    assert "Safety flags: on for drsmith. " + reached.format("bob and drsmith") in said(
        shared.stderr
    ), shared.stderr
    await ana.ok("safety", "plan", "--no-share-flags")
    again = await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    assert reached.format("drsmith") in said(again.stderr), again.stderr
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith"]
