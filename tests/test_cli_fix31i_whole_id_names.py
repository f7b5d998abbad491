"""A journal name of 32 hex digits looks like a journal's whole id, which names its journal
before any name does; journal ids are chosen by the account that makes the journal, so a
member removed from a journal so named could make one whose id it is, after the name was
chosen (rev31d F3). Such names are refused at create, rename and import, and words that are
both a whole id here and a name here (one made before) name neither."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
NAME = "0123456789abcdef0123456789abcdef"


async def test_a_name_of_32_hex_digits_is_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    for args in (("journal", "create", NAME.upper()), ("journal", "rename", "Personal", NAME)):
        done = await ana.tj(*args)
        assert done.exit_code == 2, done.output
        assert "looks like an id" in done.output, done.output
    await ana.ok("write", "--journal", "Personal", "A hard week.")
    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    data = json.loads(path.read_text())
    for journal in data["journals"]:
        journal["name"] = NAME
    path.write_text(json.dumps(data))
    bob = await new_device(live_server, tmp_path, "bob")
    done = await bob.tj("import", str(path))
    assert done.exit_code != 0, done.output
    assert "looks like an id" in done.output, done.output
    # the way out, as import has no option naming a journal's new name (nu79 F3)
    told = " ".join(done.output.split())
    assert "choose another name" not in told, told
    assert "nothing was imported" in told, told
    assert (
        "name one of your journals to import the whole file into, or give that journal "
        "another name in the file"
    ) in told, told
    # and the command that does it, with her file's path (fix32a 4)
    assert f"(`tj import {path} --journal NAME`)" in told, told
    refused = await bob.tj("import", str(path), "--json")
    assert refused.exit_code != 0
    error = json.loads(refused.stdout)["error"]
    assert f"`tj import {path} --journal NAME`" in error["message"], error
    spaced = tmp_path / "my backups" / "ana's export.json"  # quoted as a shell reads it back
    spaced.parent.mkdir()
    spaced.write_text(path.read_text())
    done = await bob.tj("import", str(spaced))
    told = " ".join(done.output.split())
    assert f"""(`tj import "{spaced}" --journal NAME`)""" in told, told
    await bob.ok("import", str(spaced), "--journal", "Personal")  # the command works
    names = {j["name"] for j in await ana.json("journal", "list")}
    names |= {j["name"] for j in await bob.json("journal", "list")}
    assert NAME not in names and NAME.upper() not in names, names


async def test_a_removed_member_cannot_take_words_naming_her_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    mal = await new_device(live_server, tmp_path, "mal")
    async with await Client.open(ana.home) as client:  # named so before names were refused
        await client.replica.create_journal(NAME)
        await client.sync()
    await ana.ok("share", NAME, "mal", "--role", "annotate", TOFU)
    await mal.ok("sync")  # mal sees the journal's name
    await ana.ok("unshare", NAME, "mal", "--yes")
    async with await Client.open(mal.home) as client:  # a hostile member's own client
        await client.replica.create_journal("Decoy", journal_id=bytes.fromhex(NAME))
        await client.sync()
    await mal.ok("share", "Decoy", "ana", "--role", "annotate", TOFU)
    await ana.ok("sync")
    done = await ana.tj("note", NAME, "my private thought")  # meant for her own journal
    assert done.exit_code == 1, done.output
    assert "so it names none of them" in done.output, done.output
    await mal.ok("sync")
    texts = [n["text"] for n in await mal.json("notes")]
    assert "my private thought" not in texts, texts
