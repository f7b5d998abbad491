"""A new user's review (NU52) and a read-back of the CLI, against a real server on loopback
with real crypto (see tests/test_cli.py for the set-up; these tests read the output as
printed, `raw_stderr`, where --home matters).

- F1: the commands in notices, hints and success lines left out the profile's --home (a
  `tj forget` pasted from `tj --home ~/tj-drsmith sync` ran against the default profile).
  Every command printed for this profile names it; another person's command (`tj share` on
  the owner's device) never does.
- Read-back: a refused withdrawal's `tj set-aside retry` (this user's) got no --home while
  the owner's `tj notes withdraw` must get none; hints named `tj signup`, `tj journal delete`
  and `tj forget` without what they need; an unexpected error's text was printed unescaped.
- F11: small wording (an assignment done before the share ended was called "no longer
  due"; "sister.; Scary").
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
from click.testing import CliRunner

from cli import output
from cli.main import TJGroup
from cli.terminal import PROFILE
from client_sdk.withdrawals import RefusedWithdrawal
from tests.conftest import RunningServer
from tests.test_cli import Device, run_tj
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
SPANS = re.compile(r"`([^`]*)`")


def flat(text: str) -> str:
    return " ".join(text.split())


def tj_spans(text: str) -> list[str]:
    """Every command span in `text` (as printed, its lines joined) that runs `tj`."""
    return [s for s in SPANS.findall(flat(text)) if s.split(" ", 1)[0] == "tj"]


def named(device: Device, text: str, *theirs: str) -> None:
    """Every `tj` command printed in `text` names `device`'s profile, but `theirs` (another
    person's commands, printed bare)."""
    for span in tj_spans(text):
        if span in theirs:
            continue
        assert span.startswith(device.printed + " "), (span, text)


async def test_every_command_printed_for_this_profile_names_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1, the review's own steps: the share notice and the fingerprint warning of
    drsmith's first sync, the `tj forget` line after the unshare (pasted: it discards
    drsmith's copy, not another profile's), the client's unshare of a mood-only copy, the
    share's `tj share-entry` line, `tj edit --no-mood`'s undo, an empty copy's `tj sync`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    other = await new_device(live_server, tmp_path, "other")  # a second profile, not drsmith's
    entry = (await ana.ok("write", "--mood", "9", "A good day")).stdout.strip()
    await ana.ok("share", "Personal", "drsmith", TOFU)
    shared = await ana.ok("journal", "create", "Work")
    named(ana, shared.raw_stderr)
    only = await ana.ok("share", "Work", "drsmith", "--only", "mood,tags")
    assert f"`{ana.printed} share-entry ID drsmith` sends an entry" in flat(only.raw_stderr)
    named(ana, only.raw_stderr, "tj sync")  # "after their next `tj sync`": drsmith's

    first = await drsmith.ok("list")
    said = flat(first.raw_stderr)
    assert f"read it with `{drsmith.printed} list --journal ana/Personal`" in said, said
    assert f"then run `{drsmith.printed} verify ana FINGERPRINT`" in said, said
    named(drsmith, first.raw_stderr, "tj fingerprint")  # read out on ana's device
    empty = await drsmith.ok("list", "--journal", "ana/Work (mood, tags) for drsmith")
    # its own sync just ran: no `tj sync` to name (NU62 F11); any command it names, named so
    assert "ana shares none there now (as of a sync just now)" in flat(empty.raw_stderr)
    named(drsmith, empty.raw_stderr)

    undone = await ana.ok("edit", entry[:12], "--no-mood")
    assert f"`{ana.printed} edit {entry[:12]} --mood 9` puts it back" in flat(undone.raw_stderr)
    ended = await ana.ok("unshare", "Work (mood, tags) for drsmith", "drsmith", "--yes")
    assert f"`{ana.printed} journal delete 'Work (mood, tags) for drsmith'`" in flat(
        ended.raw_stderr
    ), ended.raw_stderr
    named(ana, ended.raw_stderr)
    await ana.ok("unshare", "Personal", "drsmith", "--yes")

    synced = await drsmith.ok("sync")
    named(drsmith, synced.raw_stderr)
    [forget] = [s for s in tj_spans(synced.raw_stderr) if " forget " in s and "Personal" in s]
    listed = await drsmith.ok("shared-with-me")
    # its table's lines print the command once; the warning below points to it (NU60 #12)
    assert forget in tj_spans(listed.raw_stdout), listed.raw_stdout
    assert forget not in tj_spans(listed.raw_stderr), listed.raw_stderr
    named(drsmith, listed.raw_stdout)
    named(drsmith, listed.raw_stderr)
    pasted = await run_tj(shlex.split(forget)[1:] + ["--yes"])  # exactly as printed
    assert pasted.exit_code == 0, pasted.output
    assert "ana/Personal" not in {j["name"] for j in await drsmith.json("journal", "list")}
    assert (await other.tj("list")).exit_code == 0  # the other profile is untouched


async def test_another_persons_command_never_names_this_profile(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: a note refused in a journal shared read-only names the owner's command, which
    they run on their own device: no --home of this profile in it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await drsmith.ok("sync")
    refused = await drsmith.tj("note", "ana/Personal", "How was the week?")
    assert refused.exit_code == 1, refused.output
    said = flat(refused.raw_stderr)
    assert "(on their device: `tj share Personal drsmith --role annotate`)" in said, said
    assert drsmith.printed not in said, said


def test_a_refused_withdrawal_names_the_profile_in_this_users_command_only() -> None:
    """Read-back B8: `tj set-aside retry` is this user's command, `tj notes withdraw` the
    owner's: the profile's --home goes into the first only (it went into neither)."""
    refused = RefusedWithdrawal("note", "ab" * 16, "june", "Personal", "read-only", retry=True)
    token = PROFILE.set("tj --home /tmp/dr")
    try:
        said = output.shown(output.withdrawal_words(refused), prose=True)
    finally:
        PROFILE.reset(token)
    assert "`tj --home /tmp/dr set-aside retry` sends it again" in said, said
    assert f"ask june to run `tj notes withdraw {'ab' * 6}`" in said, said


async def test_hints_name_what_their_command_needs(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Read-back B9: with no account, `tj signup URL USERNAME` (not a bare `tj signup`);
    `tj forget` of one's own journal names `tj journal delete` with the journal."""
    empty = tmp_path / "empty"
    none = await run_tj(["--home", str(empty), "list"])
    home = shlex.join(["tj", "--home", str(empty)])
    assert none.stderr.strip().endswith(
        f"run `{home} signup URL USERNAME` or `{home} login URL USERNAME`"
    ), none.stderr
    ana = await new_device(live_server, tmp_path, "ana")
    own = await ana.tj("forget", "Personal", "--yes")
    assert own.exit_code == 1
    assert f"(`{ana.printed} journal delete Personal`)" in own.raw_stderr, own.raw_stderr


def test_an_unexpected_errors_text_is_shown_escaped() -> None:
    """Read-back B10: a bug's error text (which may hold another account's data) is shown as
    every other error: a control character escaped, a backtick never a command."""

    @click.group(cls=TJGroup)
    def group() -> None:
        pass

    @group.command()
    def boom() -> None:
        raise ValueError("\x1b[2J`tj journal delete Personal --yes`")

    result = CliRunner().invoke(group, ["boom"])
    assert result.exit_code == 1
    assert "\x1b" not in result.output, result.output
    assert "\\x1b[2J\\x60tj journal delete Personal --yes\\x60" in result.output, result.output


async def test_an_assignment_done_before_the_unshare_is_not_called_no_longer_due(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F11: a PHQ-9 assigned once and taken, then the share ended: the unshare does not say
    "it is no longer due" of it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9")
    await ana.ok("sync")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    ended = await ana.ok("unshare", "Personal", "drsmith", "--yes")
    assert "no longer due" not in flat(ended.stderr), ended.stderr


async def test_discuss_lists_tagged_entries_without_a_stop_before_a_semicolon(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F11: "I want to talk about my sister.; Scary thoughts last night." read ".;"."""
    dee = await new_device(live_server, tmp_path, "dee")
    await dee.ok("write", "--tag", "to-discuss", "I want to talk about my sister.")
    await dee.ok("write", "--tag", "to-discuss", "Scary thoughts last night.")
    said = flat((await dee.ok("discuss")).stderr)
    assert ".;" not in said, said
    assert '2 entries tagged "to-discuss": ' in said, said


async def test_a_share_the_server_no_longer_serves_is_said_calmly_after_the_safety_signal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: after ana's `tj unshare` (whose signed end drsmith's device is never served), the
    caseload put "no longer served" before "PHQ-9 item 9 above 0", read as the client's
    decision ("the client ended the share") and said no time; `tj safety flags` said "share
    ended", and a journal ended beside one still shared read "ended: ana/Personal". Now:
    the safety signal first, "share no longer served" as the server's word, once below the
    table with the time of the last sync, and the same words in `tj safety flags`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(  # a new member: asked
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", TOFU, input="y\n"
    )
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drsmith")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")

    [row] = await drsmith.json("caseload")  # Work still shared: Personal's end is said alone
    assert "no longer served: ana/Personal" in row["flags"], row["flags"]
    assert not any(f.startswith("ended: ") for f in row["flags"]), row["flags"]

    await ana.ok("unshare", "Work", "drsmith", "--yes")
    [row] = await drsmith.json("caseload")
    assert row["flags"][0].startswith("safety flag"), row["flags"]
    tag = next(f for f in row["flags"] if "no longer served" in f)
    assert row["flags"].index(tag) > 0 and tag.startswith("share no longer served (")
    assert "the client ended the share" not in tag, tag
    shown = await drsmith.ok("caseload", env={"COLUMNS": "200"})
    line = next(x for x in shown.stdout.splitlines() if x.startswith("ana "))  # its row
    cell = line.removeprefix("ana").removeprefix(" (?)").strip()  # (?): not verified
    assert cell.startswith("safety flag (1); PHQ-9 item 9 above 0; share no longer served"), line
    assert cell.index("share no longer served") > cell.index("above 0"), line
    below = flat(shown.stdout)
    assert below.count("share no longer served as of the last sync (") == 1, below
    assert (
        "this device holds no signed end of the share: the client may have ended it, or the "
        "server may be holding it back" in below
    ), below
    flags = await drsmith.ok("safety", "flags", env={"COLUMNS": "200"})
    assert "ana (unserved)" in flags.stdout, flags.stdout  # a short mark (NU64 F17), said below:
    assert "(unserved): share no longer served: the server no longer serves ana's share" in flat(
        flags.stdout
    ), flags.stdout


async def test_an_owner_named_by_account_is_explained_once_in_shared_with_me(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: after ana's unshare of Personal (her Work still shared), `tj shared-with-me`
    listed "ana/Work" beside "ana (account 4b090da1)/Personal" with no word on who that is."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await ana.ok("share", "Work", "drsmith")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    listed = await drsmith.ok("shared-with-me", env={"COLUMNS": "200"})
    label = re.findall(r"ana \(account [0-9a-f]+\)", listed.stdout)[0]  # the first: its row
    said = flat(listed.stdout)
    assert "ana/Work" in said, said
    assert (
        f"{label}: ana, named by account in the commands above because that share is no "
        "longer served to you, so that they act on that account only, even if the name is "
        "later given to someone else."
    ) in said, said  # the server's silence only (no end signed for this device): not "ended"
    # the row names the copy as every list does: by account only in the commands
    row = next(x for x in listed.stdout.splitlines() if x.startswith("ana/Personal"))
    assert (
        re.search(r"no longer served( \(read-only copy\))? +unknown$", row.rstrip())
        and "ended" not in row
    ), row
    assert said.count("named by account") == 1, said


async def test_assigning_a_measure_the_client_took_within_its_recall_period_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: cara took a PHQ-9, drsmith assigned one minutes later: neither side said so. Now
    `tj assign` names the result, what the form asks about, and the commands that ask for it
    once that period is over (pasted, they do)."""
    cara = await new_device(live_server, tmp_path, "cara")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cara.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await cara.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    assigned = await drsmith.ok("assign", "cara/Personal", "measure", "phq9")
    said = flat(assigned.stderr)
    assert "Note: the client took a PHQ-9 on " in said, said
    assert "(5, Mild); it asks about the last 2 weeks, so this one may repeat it" in said, said
    [cancel, again] = [s for s in SPANS.findall(said) if "assign" in s][-2:]
    assert cancel.startswith("tj assignments cancel ") and again.startswith(
        "tj assign cara/Personal measure phq9 --starts "
    ), said
    await drsmith.ok(*shlex.split(cancel)[1:], "--yes")  # it asks first
    await drsmith.ok(*shlex.split(again)[1:])
    [left] = await drsmith.json("assignments")
    assert left["starts_at"][:10] == again.rsplit(" ", 1)[1], left

    quiet = await drsmith.ok("assign", "cara/Personal", "measure", "gad7")
    assert "Note: the client took" not in quiet.stderr  # no GAD-7 taken


async def test_names_in_sentences_are_quoted_to_type_back_and_commands_name_the_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: "Created journal Work \\x60x\\x60" (neither the name nor a shell word); "Shared
    Work \\x60x\\x60 with drsmith"; a refused note's owner command said `tj share JOURNAL ...`;
    a brief's "Covers:" put a name holding "'" in plain '...'."""
    name = "Work `x`"
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    created = await ana.ok("journal", "create", name)
    assert "Created journal $'Work \\x60x\\x60'; " in created.stderr, created.stderr
    ident = next(j["id"] for j in await ana.json("journal", "list") if j["name"] == name)
    shared = await ana.ok("share", name, "drsmith", TOFU)
    assert "Shared $'Work \\x60x\\x60' with drsmith" in flat(shared.stderr), shared.stderr
    plain = await ana.ok("journal", "create", "Dreams")
    assert "Created journal Dreams; " in plain.stderr  # a plain name as it is
    await drsmith.ok("sync")
    refused = await drsmith.tj("note", ident[:12], "Hello")
    assert refused.exit_code == 1
    said = flat(refused.stderr)
    assert f"(on their device: `BARE tj share {ident[:12]} drsmith --role annotate`)" in said
    await ana.ok("journal", "create", "Ana's day")
    await ana.ok("write", "--journal", "Ana's day", "--mood", "5", "Fine")
    brief = await ana.tj("brief", "drsmith", "--journal", "Ana's day", input="n\n")
    assert 'Covers: "Ana\'s day"' in brief.stdout, brief.stdout  # as a shell reads it


async def test_a_therapists_default_report_says_how_to_report_a_clients_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: `tj report --html` wrote an empty "All your journals" page for a therapist and
    did not point to the journals shared with them; the command it names writes one."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "4", "A day")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await drsmith.ok("sync")
    page = tmp_path / "dr-all.html"
    wrote = await drsmith.ok("report", "--html", str(page))
    said = flat(wrote.stderr)
    one = f"tj report --html {page} --journal ana/Personal"
    assert f"not those shared with you (ana/Personal): `{one}` writes a report" in said, said
    assert "ana/Personal" not in page.read_text()
    await drsmith.ok(*shlex.split(one)[1:])
    assert "ana/Personal" in page.read_text()  # the client's journal, as pasted
    own = await ana.ok("report", "--html", str(tmp_path / "ana.html"))
    assert "shared with you" not in own.stderr  # nothing shared with ana
