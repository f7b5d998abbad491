"""A new user's review (names and quoting), CLI, real server on 127.0.0.1, real crypto.

- Every name a message quotes is quoted as a shell quotes a word (`quoted_name`): what is
  shown can be typed back, into a command too, a "did you mean" suggestion included; a
  backtick in a name is written \\x60 inside the shell's $'...' form, which a shell reads
  back as the backtick, and never shows as the edge of a command.
- A journal name is stored with each run of whitespace one space (as messages show it), and
  looked up so (a name stored before with a run of spaces is found by what is shown).
- A taken name is refused naming the journal that bears it, and how names compare.
- A journal is named by any unique start of its id of 4 hex digits or more, as an entry is;
  a start several ids share is refused listing them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli import output
from client_sdk.models import quoted_name
from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device

NAMES = [
    "Personal",
    "Ana's day",
    'Ana\'s "big" day',
    'say "hi"',
    "Work `stuff` 🧠 (mood, tags) for drlee",
    "back\\slash",
    "it's $5!",
    "tab\there",
    "\ue000forged\ue001",
]
BASH = shutil.which("bash")
"""Debian's shell, on every machine the project runs on: a name is typed back through it."""


def typed_back(shown: str) -> str:
    """What a shell (bash) makes of `shown` typed as one word of a command."""
    assert BASH is not None
    done = subprocess.run(
        [BASH, "-c", f"printf %s {shown}"], capture_output=True, text=True, check=True
    )
    return done.stdout


def said_name(line: str, before: str) -> str:
    """The quoted name right after `before` in a printed line ('...', "..." or $'...')."""
    found = re.search(re.escape(before) + r"(\$'(?:[^'\\]|\\.)*'|'[^']*'|\"[^\"]*\")", line)
    assert found, line
    return found.group(1)


@pytest.mark.parametrize("name", NAMES)
def test_a_quoted_name_is_typed_back_exactly_and_has_no_backtick(name: str) -> None:
    shown = output.quoted(name)
    printed = output.shown(output.one_line(f"no journal {shown} here"), prose=True)
    assert printed == f"no journal {shown} here"  # nothing left for the choke point to escape
    assert "`" not in shown and "\ue000" not in shown
    assert typed_back(shown) == name


def test_plain_names_keep_their_plain_quotes() -> None:
    assert quoted_name("Personal") == "'Personal'"
    assert quoted_name("Ana's day") == '"Ana\'s day"'
    assert quoted_name('Ana\'s "big" day') == "$'Ana\\'s \"big\" day'"
    assert quoted_name("Work `stuff`") == "$'Work \\x60stuff\\x60'"


async def test_names_in_errors_and_suggestions_are_typed_back(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    big, ticks = 'Ana\'s "big" day', "Work `stuff` 🧠"
    for name in (big, ticks):
        await ana.ok("journal", "create", name)
        line = failed_with_one_line(await ana.tj("journal", "create", name))
        shown = said_name(line, "a journal named ")
        assert "\\'" in shown or "\\x60" in shown, line  # not Python's repr
        assert typed_back(shown) == name
    for typo, meant in (("Ana's big day", big), ("Work stuff 🧠", ticks)):
        line = failed_with_one_line(await ana.tj("list", "--journal", typo))
        shown = said_name(line, "did you mean ")
        assert "`" not in shown, line
        assert shown == quoted_name(meant), line
        await ana.ok("list", "--journal", typed_back(shown))


async def test_a_name_is_stored_squeezed_and_found_by_what_is_shown(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "  spaced  out  ")
    names = {j["name"] for j in await ana.json("journal", "list")}
    assert "spaced out" in names and "spaced  out" not in names
    await ana.ok("write", "--journal", "spaced out", "x")
    await ana.ok("write", "--journal", "Spaced   Out", "y")  # case and runs ignored
    line = failed_with_one_line(await ana.tj("journal", "create", "spaced\tout"))
    assert "'spaced out' already exists" in line, line
    await ana.ok("journal", "rename", "spaced out", "far   away")
    names = {j["name"] for j in await ana.json("journal", "list")}
    assert "far away" in names


async def test_a_name_stored_with_a_run_of_spaces_is_found_by_its_shown_form(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A journal named before names were squeezed (through the SDK's replica: the public
    calls squeeze now)."""
    from client_sdk import Client

    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:
        await client.replica.create_journal("old  name")
        await client.sync()
    assert "old  name" in {j["name"] for j in await ana.json("journal", "list")}
    await ana.ok("write", "--journal", "old name", "found")
    [entry] = await ana.json("list", "--journal", "old name")
    assert entry["body"] == "found"
    line = failed_with_one_line(await ana.tj("journal", "create", "Old Name"))
    # shown as one line shows it, runs of spaces made one (the name as it is found), with
    # its id and why it looks alike
    ident = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "old  name"][0]
    said = f"a journal named 'old name' already exists (id {ident[:12]}; its name holds a run"
    assert said in line, line


async def test_a_taken_name_names_the_journal_and_how_names_compare(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    line = failed_with_one_line(await ana.tj("journal", "create", "personal"))
    assert "a journal named 'Personal' already exists" in line, line
    assert "ignoring case" in line and "'personal' names it too" in line, line
    same = failed_with_one_line(await ana.tj("journal", "create", "Personal"))
    assert same == "Error: a journal named 'Personal' already exists", same
    await ana.ok("journal", "create", "Dreams")
    renamed = failed_with_one_line(await ana.tj("journal", "rename", "Dreams", "PERSONAL"))
    assert "a journal named 'Personal' already exists" in renamed, renamed


async def test_a_journal_is_named_by_a_unique_start_of_its_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Any unique start of 4 hex digits or more, as an entry's id; a start two ids share is
    refused listing both (their ids chosen through the SDK's replica)."""
    from client_sdk import Client

    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:
        for name, first in (("Dreams", "abcd1"), ("Work", "abcd2")):
            ident = bytes.fromhex(first + "0" * 27)
            await client.replica.create_journal(name, journal_id=ident)
        await client.sync()
    await ana.ok("write", "--journal", "abcd1", "dream")
    await ana.ok("write", "--journal", "ABCD2", "work")
    [dream] = await ana.json("list", "--journal", "abcd10")
    assert dream["body"] == "dream"
    line = failed_with_one_line(await ana.tj("write", "--journal", "abcd", "where?"))
    assert "2 journals on this device have an id starting 'abcd'" in line, line
    assert "'Dreams' (abcd1000), 'Work' (abcd2000)" in line, line  # 8 digits (fix30c)
    line = failed_with_one_line(await ana.tj("write", "--journal", "abc", "short"))
    assert "no journal named 'abc'" in line, line  # 3 digits: too short for an id


TOFU = "--trust-on-first-use"
TICKS = "Work `stuff` 🧠"


async def test_a_left_copy_of_a_journal_with_a_backtick_is_shared_again_by_its_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The source of a field-level copy has its id in the copy's owner-sealed disclosure
    settings: the command after a member left names it by that id, not JOURNAL."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", TICKS)
    [source] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == TICKS]
    await ana.ok("share", TICKS, "drlee", "--only", "mood,tags", TOFU)
    await drlee.ok("sync")
    await drlee.ok("leave", f"ana/{TICKS} (mood, tags) for drlee", "--yes")
    synced = await ana.ok("sync")
    said = " ".join(synced.stderr.split())
    fingerprint = drlee.signup["fingerprint"]  # as the chain holds it (nu84 F5, fix34b)
    again = f"`tj share {source[:12]} drlee --only mood,tags --fingerprint '{fingerprint}'`"
    assert f"If they did not mean to leave, share again: {again}" in said, said
    assert "JOURNAL" not in said, said
    await ana.ok("share", source[:12], "drlee", "--only", "mood,tags", "--yes")  # it works


async def test_rename_names_the_old_name_when_given_an_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Dreams")
    [ident] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Dreams"]
    renamed = await ana.ok("journal", "rename", ident[:12], "Spaced")
    assert renamed.stderr.strip() == "Renamed journal Dreams to Spaced; synced."


async def test_due_says_the_command_that_does_each_item(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await drlee.ok("sync")
    await drlee.ok("assign", "ana", "measure", "gad7")
    await drlee.ok("assign", "ana", "homework", "sleep-diary")
    [homework] = [
        a["id"]
        for a in await drlee.json("assignments", "--journal", "ana/Personal")
        if a["type"] == "homework"
    ]
    due = await ana.ok("due")
    said = " ".join(due.stderr.split())
    short = homework[:12]
    assert f"`tj homework add sleep-diary --assignment {short}`" in said, said
    assert "`tj measure take gad7`" in said, said
    await ana.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    left = " ".join((await ana.ok("due")).stderr.split())
    assert f"To do it: `tj homework add sleep-diary --assignment {short}`." in left, left
    theirs = await drlee.ok("due", "--journal", "ana/Personal", "--all")
    assert "To do" not in theirs.stderr  # the client's to do, not the therapist's


async def test_a_password_too_short_is_a_value_refused_exit_2(
    live_server: RunningServer, tmp_path: Path
) -> None:
    from tests.test_cli import run_tj

    refused = await run_tj(
        ["--home", str(tmp_path / "carla"), "signup", live_server.url, "carla"],
        env={"TJ_PASSWORD": "short", "TJ_NEW_PASSWORD": "short"},
    )
    assert "at least 8 characters" in failed_with_one_line(refused, 2)


async def test_account_delete_names_tj_export_before_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    asked = await ana.tj("account", "delete", input="\n")
    said = " ".join(asked.stderr.split())
    assert f"run `{ana.command} export --out DIR` first" in said, said
    assert "nothing was deleted" in said and asked.exit_code == 1
    await ana.ok("list")  # still there


def test_the_safety_messages_share_commands_name_an_unpasteable_journal_by_its_id() -> None:
    from cli.safety import CLI_HINTS
    from client_sdk.safety import reads_only_line, withheld_line

    ident = "ab" * 16
    for line in (
        withheld_line(TICKS, ["drlee"], CLI_HINTS, ident),
        reads_only_line(TICKS, ["drlee"], CLI_HINTS, ident),
    ):
        said = output.shown(output.one_line(line), prose=True)
        assert f"`tj share {ident[:12]} drlee --role annotate" in said, said
        assert "JOURNAL" not in said, said
    plain = output.shown(withheld_line("Dreams", ["drlee"], CLI_HINTS, ident), prose=True)
    assert "`tj share Dreams drlee --role annotate --safety-flags`" in plain, plain
