"""fix30c item 1 (NU75): a journal is named by its name or by any unique start of its id of 4
hex digits or more, one rule for every command that takes a journal (README "Using the
CLI"): `tj export --journal`, `tj import --journal` and `tj share` took 8 where README says
4; only deleting, unsharing, leaving and forgetting ask for 8. A start several ids share
names none and lists each journal by name and id. Named so, a journal someone else reads is
named, with who reads it, before a command shares or writes there. Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.context import AMBIGUOUS_ID
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_four_hex_digits_name_a_journal_to_export_import_share_and_write(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("write", "--journal", "Work", "A line")
    [work] = [j for j in await ana.json("journal", "list") if j["name"] == "Work"]
    [mine] = [j for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    short = work["id"][:4]
    note = f"Note: '{short}' is the journal 'Work' (id {work['id'][:8]}), read by drlee."

    path = (await ana.ok("export", "--journal", short, "--out", str(tmp_path / "out"))).stdout
    assert "Exported 1 entry from 1 journal (Work)" in flat(
        (await ana.ok("export", "--journal", short, "--out", str(tmp_path / "again"))).stderr
    )
    imported = await ana.ok("import", path.strip(), "--journal", short)
    assert "1 entry already here (in 'Work')" in flat(imported.output), imported.output
    assert "Note:" not in imported.stderr  # no one else reads Work yet: nothing to say

    shared = await ana.ok("share", short, "drlee", TOFU)
    said = flat(shared.stderr)
    first = f"Note: '{short}' is the journal 'Work' (id {work['id'][:8]}), read by no one else yet."
    assert first in said and said.index(first) < said.index("Shared Work with drlee"), said
    assert said.count("Note: '") == 1, said  # once, however often the command looks it up
    again = flat((await ana.ok("share", short, "drlee", "--role", "annotate")).stderr)
    assert note in again and again.index(note) < again.index("Changed drlee's share"), again
    wrote = await ana.ok("write", "--journal", short, "Second line")
    assert note in flat(wrote.stderr), wrote.stderr
    assert flat(wrote.stderr).index(note) < flat(wrote.stderr).index("saved"), wrote.stderr
    for pasted in (f" {short}", f"{short}\n", f"\t{short} "):  # rev31a F2: said all the same
        wrote = await ana.ok("write", "--journal", pasted, "Pasted id")
        assert note in flat(wrote.stderr), (pasted, wrote.stderr)
    await ana.ok("write", "--journal", mine["id"][:4], "Private line")  # read by no one else
    assert "Note:" not in (await ana.ok("write", "--journal", mine["id"][:4], "Again")).stderr
    named = await ana.ok("write", "--journal", "Work", "By name")  # a name says nothing more
    assert "Note:" not in named.stderr
    read = await ana.ok("list", "--journal", short)  # a read names it in what it shows
    assert "Note:" not in read.stderr and "Second line" in read.stdout, read.output

    await drlee.ok("sync")
    theirs = await drlee.ok("note", short, "Seen it")  # a member writing there is told too
    assert f"'{short}' is the journal 'ana/Work' (id {work['id'][:8]}), read by ana." in flat(
        theirs.stderr
    ), theirs.stderr
    refused = await ana.tj("unshare", short, "drlee", "--yes")  # ending asks for 8 (README)
    assert refused.exit_code == 1 and "give at least 8 of its hex digits" in flat(refused.stderr)
    assert "'Work' (" + work["id"][:8] + ")" in flat(refused.stderr), refused.stderr


async def test_a_start_several_ids_share_names_none_and_lists_each_by_name_and_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Two journals whose ids share their first 9 hex digits (chosen through the SDK's
    replica): a start both share is refused for every command alike, listing each by name
    and as many digits of its id as tell them apart (8 at least); `--json` says it with the
    subject "ambiguous id"; a longer start names one."""
    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:
        for name, ident in (("Dreams", "abcdef0121"), ("Work", "abcdef0122")):
            made = bytes.fromhex(ident + "0" * 22)
            await client.replica.create_journal(name, journal_id=made)
        await client.sync()
        with pytest.raises(InvalidInput) as caught:
            await client.journals.get("ABCDEF01")
        assert caught.value.subject == AMBIGUOUS_ID
    listed = "'Dreams' (abcdef0121), 'Work' (abcdef0122)"
    for command in (
        ["write", "--journal", "abcd", "where?"],
        ["export", "--journal", "abcd", "--out", str(tmp_path / "out")],
        ["share", "abcdef01", "drlee", TOFU],
        ["journal", "default", "abcd", "--yes"],
    ):
        done = await ana.tj(*command)
        said = flat(done.stderr)
        assert done.exit_code == 1, (command, done.output)
        assert "2 journals on this device have an id starting" in said, (command, said)
        assert listed in said, (command, said)
    error = json.loads((await ana.tj("list", "--journal", "abcd", "--json")).stdout)["error"]
    assert error["subject"] == AMBIGUOUS_ID, error
    await ana.ok("write", "--journal", "abcdef0122", "work")
    [entry] = await ana.json("list", "--journal", "Work")
    assert entry["body"] == "work"
