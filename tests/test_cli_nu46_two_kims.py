"""NU46 #1, #2, #7: client kim erases her account, a new person signs up as "kim" and shares
with the therapist drlee, who verifies her. The two kims' journals are told apart in every
command, by the account id of the one that no longer holds the name (real server on
loopback, CliRunner)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_care import NIGHT
from tests.test_cli_insights import new_device


@dataclass
class TwoKims:
    drlee: Device
    new_kim: Device
    old_account: str
    """The erased kim's account id (hex)."""
    synced: str
    """The stderr of drlee's `tj sync` right after the new kim shared (before the verify: exit
    1, a share this device does not open)."""
    after_verify: str
    """The stdout of drlee's `tj sync` after the verify."""

    @property
    def old(self) -> str:
        """The erased kim's journal, as drlee's device names it now."""
        return f"kim (account {self.old_account[:8]})/Personal"


async def two_kims(
    server: RunningServer, tmp_path: Path, *, sync_before_verify: bool = True
) -> TwoKims:
    """The walkthrough of NU46 #1: kim shares Personal with drlee (annotate, safety flags),
    takes a PHQ-9 with item 9 above 0 and does an assigned sleep diary; drlee verifies her and
    files a private note about her; kim erases her account, and drlee's device learns it by a
    command's quick sync (`tj caseload`); another person signs up as "kim" and shares Personal
    with drlee, who syncs (unless not `sync_before_verify`: the end of the erased kim's share
    is then still to be told "Earlier"), verifies the new kim and syncs again."""
    kim = await new_device(server, tmp_path, "kim")
    drlee = await new_device(server, tmp_path, "drlee")
    await kim.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await kim.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    await drlee.ok("sync")
    await drlee.ok("assign", "kim/Personal", "homework", "sleep-diary", "--note", "Mornings")
    await kim.ok("sync")
    await kim.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await kim.ok("homework", "add", "sleep-diary", *NIGHT, "--completion", "partly")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "kim/Personal", "About the earlier kim.")
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == "kim/Personal"]
    await kim.ok("account", "delete", "--yes")
    await drlee.ok("caseload")  # its quick sync tells the end: `tj sync` says it "Earlier"
    new_kim = Device(tmp_path / "kim2", server.url)
    new_kim.signup = await new_kim.json("signup", server.url, "kim")
    await new_kim.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await new_kim.ok("write", "--mood", "9", "I'm the new kim.")
    synced = await drlee.tj("sync" if sync_before_verify else "shared-with-me")
    assert synced.exit_code == (1 if sync_before_verify else 0), synced.output
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    after = await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "kim/Personal", "New client intake.")
    return TwoKims(drlee, new_kim, journal["owner_id"], synced.stderr, after.stdout)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_shared_with_me_tells_the_two_kims_apart_and_its_forget_command_discards_the_old_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #1: two identical "kim/Personal" rows, and the printed `tj forget kim/Personal
    --unlisted` named the new kim's live share (whose error then said to `tj leave` it). The
    erased kim's copy is now "kim (account 1a2b3c4d)/Personal" in the table, the JSON and the
    command below it, which discards that copy and leaves the new kim's share alone."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    rows = {row["name"]: row for row in await drlee.json("shared-with-me")}
    assert set(rows) == {"kim/Personal", kims.old}
    assert rows["kim/Personal"]["read_only_copy"] is False
    old = rows[kims.old]
    assert (old["read_only_copy"], old["owner_id"]) == (True, kims.old_account)
    assert rows[kims.old]["owner"] == "kim"  # the username, as before; the account beside it

    listed = await drlee.ok("shared-with-me")
    table = listed.stdout
    assert "kim/Personal" in table and f"kim (account {kims.old_account[:8]})/" in table
    command = f"tj forget {shlex.quote(kims.old)} --unlisted"
    assert f"`{command}`" in flat(table)
    assert "tj forget kim/Personal" not in table

    forgot = await drlee.ok(*shlex.split(command)[1:], "--yes")
    assert "Traceback" not in forgot.output
    journals = {j["name"]: j for j in await drlee.json("journal", "list")}
    assert kims.old not in journals and "kim/Personal" in journals
    assert journals["kim/Personal"]["read_only_copy"] is False  # the new kim's share, untouched
    [entry] = await drlee.json("list", "--journal", "kim/Personal")
    assert entry["body"] == "I'm the new kim."


async def test_forgetting_the_plain_name_names_the_old_copys_command_before_leave(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #1: a `tj forget kim/Personal --unlisted` printed before the name was taken again
    names the new kim's live share now; its refusal names the erased kim's copy and the
    command that discards it, before telling how to leave this one."""
    kims = await two_kims(live_server, tmp_path)
    said = failed_with_one_line(await kims.drlee.tj("forget", "kim/Personal", "--unlisted"))
    tj = kims.drlee.command
    command = f"`{tj} forget {shlex.quote(kims.old)} --unlisted`"
    assert said == (
        "Error: 'kim/Personal' is the journal kim shares with you now. If you meant the "
        "read-only copy kept of another account once named kim (an account erased, its "
        f"username taken again), {command} discards it. This one's share is still active: "
        f"leave it first (`{tj} leave kim/Personal`), then forget its copy"
    )


async def test_list_measures_flags_homework_and_show_name_the_earlier_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #2: outside `tj caseload` the erased kim's records read "kim", as the new kim's:
    her entries, PHQ-9 (item 9 above 0), safety flag, homework and assignment now name her
    account, and her journal is named so by `--journal`."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    entries = {e["body"]: e for e in await drlee.json("list")}
    assert entries["The first kim's words."]["journal"] == kims.old
    assert entries["I'm the new kim."]["journal"] == "kim/Personal"
    listed = (await drlee.ok("list")).stdout
    assert f"kim (account {kims.old_account[:8]})/" in listed
    [old_entry] = await drlee.json("list", "--journal", kims.old)
    assert old_entry["body"] == "The first kim's words."
    shown = await drlee.ok("show", old_entry["id"][:12])
    assert f"journal: {kims.old}" in flat(shown.stdout)

    [result] = await drlee.json("measure", "list")
    assert result["journal"] == kims.old
    assert f"kim (account {kims.old_account[:8]})/" in (await drlee.ok("measure", "list")).stdout
    [flag] = (await drlee.json("safety", "flags"))["flags"]
    assert flag["owner"] == f"kim (account {kims.old_account[:8]})"
    assert f"kim (account {kims.old_account[:8]})" in (await drlee.ok("safety", "flags")).stdout
    [homework] = await drlee.json("homework", "list")
    assert homework["journal"] == kims.old
    [assignment] = await drlee.json("assignments", "--all")
    assert assignment["journal"] == kims.old


async def test_private_notes_of_one_kim_never_list_the_others(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #2: `tj private-notes --client kim` listed the note filed about the erased kim
    beside the new kim's intake, both under "kim/Personal". "kim" now names the kim who
    shares with drlee now, "kim (account 1a2b3c4d)" the earlier one."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    earlier = f"kim (account {kims.old_account[:8]})"
    new = await drlee.json("private-notes", "--client", "kim")
    assert [(n["text"], n["client"], n["journal"]) for n in new] == [
        ("New client intake.", "kim", "kim/Personal")
    ]
    old = await drlee.json("private-notes", "--client", earlier)
    assert [(n["text"], n["client"], n["journal"]) for n in old] == [
        ("About the earlier kim.", earlier, kims.old)
    ]
    assert [n["text"] for n in await drlee.json("private-notes", "--client", kims.old)] == [
        "About the earlier kim."
    ]
    table = (await drlee.ok("private-notes")).stdout
    assert "kim (account" in table and "New client intake." in table


async def test_the_therapists_sync_says_the_new_kims_share_waits_for_a_verify(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #7: the sync said the new kim's share was "a changed key: nothing was shared";
    it now says, in `tj verify`'s words, that the name may have been freed by an erased
    account, and that nothing of it is shown until the verify."""
    kims = await two_kims(live_server, tmp_path)
    said = flat(kims.synced)
    assert (
        "Warning: kim shares a journal with you that this device does not open: the server "
        "now gives the name kim to another account than the one pinned on this device, "
        "possibly a different person using a name freed when an account was erased (or kim "
        "again, under a new account): compare fingerprints in person, then accept the new "
        "keys (`tj verify kim FINGERPRINT`). Until then nothing of it is shown here"
    ) in said
    assert "nothing was shared" not in said and "a changed key" not in said


async def test_the_earlier_line_after_the_verify_names_the_erased_kims_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #7: after the verify, `tj sync` said "Notice: kim shared 'Personal' with you",
    then "Earlier ...: kim's 'Personal' is no longer served to you", with nothing to say
    which kim is which. The earlier line names the erased kim's account."""
    kims = await two_kims(live_server, tmp_path, sync_before_verify=False)
    earlier = flat(kims.after_verify)
    assert (
        f"Earlier, fetched by other commands since your last `tj sync` or sign-in: kim (account "
        f"{kims.old_account[:8]})'s 'Personal' is no longer served to you"
    ) in earlier, earlier


async def test_exports_name_the_earlier_kim_by_her_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #2: the JSON export listed two journals "kim/Personal" with owner "kim" and no
    account id; the Markdown one put them in folders kim-personal and kim-personal-2, and
    private-notes.md had two "## kim/Personal" headings. Each now names its account."""
    kims = await two_kims(live_server, tmp_path)
    done = await kims.drlee.ok("export", "--out", str(tmp_path / "json"))
    data = json.loads(Path(done.stdout.strip()).read_text())
    theirs = {j["name"]: j for j in data["journals"] if j["owner"] == "kim"}
    assert set(theirs) == {"kim/Personal", kims.old}
    assert theirs[kims.old]["owner_id"] == kims.old_account
    assert theirs["kim/Personal"]["owner_id"] not in ("", kims.old_account)

    markdown = tmp_path / "md"
    await kims.drlee.ok("export", "--format", "markdown", "--out", str(markdown))
    folders = {p.name for p in markdown.iterdir() if p.is_dir()}
    assert "kim-personal-2" not in folders
    assert any(kims.old_account[:8] in name for name in folders), folders
    notes = " ".join((markdown / "private-notes" / "private-notes.md").read_text().split())
    assert kims.old in notes and "About the earlier kim." in notes
