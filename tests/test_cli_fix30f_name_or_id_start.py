"""fix30f (rev30b F3), in the CLI: an account whose username is the start of one of the
user's journal ids, sharing a journal with her, no longer takes what she gives by that start
(`tj note 6a6305ab ...` saved in that account's journal, with no word). Such words name
neither journal, for every command alike: the error lists each by name and id, with the
words that name it alone. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk.context import AMBIGUOUS_ID
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_an_id_start_that_is_also_a_members_username_names_neither(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    [work] = [j for j in await ana.json("journal", "list") if j["name"] == "Work"]
    start = work["id"][:8]
    member = await new_device(live_server, tmp_path, start)
    await member.ok("share", "Personal", "ana", "--role", "annotate", TOFU)
    await ana.ok("sync")
    [theirs] = [j for j in await ana.json("journal", "list") if j["owner"] == start]
    for command in (
        ["note", start, "Private thought about Work"],
        ["write", "--journal", start, "A line about work"],
        ["export", "--journal", start, "--out", str(tmp_path / "out")],
        ["share", start, "drlee", TOFU],
        ["journal", "delete", start, "--yes"],
        ["list", "--journal", start],
    ):
        done = await ana.tj(*command)
        said = flat(done.stderr)
        assert done.exit_code == 1, (command, done.output)
        assert f"'{start}' names more than one journal on this device" in said, (command, said)
        assert f"for 'Work' ({start}) give 'Work' or {work['id'][:12]}" in said, (command, said)
        assert (
            f"for '{start}/Personal' ({theirs['id'][:8]}) give '{start}/Personal' or "
            f"{theirs['id'][:12]}" in said
        ), (command, said)
        assert "saved" not in said and "Note:" not in said, (command, said)
    error = json.loads((await ana.tj("note", start, "again", "--json")).stdout)["error"]
    assert error["subject"] == AMBIGUOUS_ID, error
    await member.ok("sync")
    assert "Private thought" not in (await member.ok("notes", "--journal", "Personal")).output

    mine = await ana.ok("note", "Work", "By its name")  # named as the error says
    assert "in Work saved" in flat(mine.stderr), mine.stderr
    shared = await ana.ok("note", theirs["id"][:12], "For them")  # by id: named, with reader
    said = flat(shared.stderr)
    note = f"Note: '{theirs['id'][:12]}' is the journal '{start}/Personal' (id {theirs['id'][:8]}), read by {start}."
    assert note in said and said.index(note) < said.index("saved"), said
    await member.ok("sync")
    seen = (await member.ok("notes", "--journal", "Personal")).output
    assert "For them" in seen and "By its name" not in seen and "Private thought" not in seen
