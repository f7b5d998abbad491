"""`tj logout` never deletes, without --discard-unsynced or a question, what this device alone
holds: a kept draft (writing never saved) or the read-only copy of a journal of the account
the server no longer serves (deleted elsewhere, or withheld by a hostile server)."""

from __future__ import annotations

from pathlib import Path

from cli import editor
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_brief_read_only_copy import without_journal
from tests.test_cli_insights import new_device


async def test_logout_yes_refuses_to_delete_a_kept_draft(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.tj("write", input="y" * 100_001)  # refused as too long: kept as a draft
    assert editor.drafts_kept(ana.home)
    refused = await ana.tj("logout", "--yes")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0, said
    [draft] = editor.drafts_kept(ana.home)  # named by its path, with its own command
    assert f"1 draft never saved ({draft}) is on this device only" in said, said
    [default] = [
        j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"
    ]  # the journal it was written for; too long, its command alone fails (NU74 F4)
    shorten = "shorten it to 100,000 characters, then "
    assert f"Save it first ({shorten}`tj write --journal {default} --draft {draft}`)" in said
    assert "FILE" not in said and "would lose it for good" in said, said
    assert "--discard-unsynced" in said, said
    assert editor.drafts_kept(ana.home)
    done = await ana.tj("logout", "--yes", "--discard-unsynced")
    assert done.exit_code == 0, done.stderr
    assert "Deleted 1 draft never saved" in " ".join(done.stderr.split())
    assert not editor.drafts_kept(ana.home)


async def test_logout_keeps_the_only_copy_of_a_journal_the_server_withholds(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "A dream worth keeping.")
    await ana.ok("sync")
    [dreams] = [j for j in await ana.json("journal", "list") if j["name"] == "Dreams"]
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams["id"]))
    await ana.ok("journal", "create", "Later")  # a change: the list is read again
    await ana.tj("sync")
    assert [j["name"] for j in await ana.json("journal", "list") if j["read_only_copy"]] == [
        "Dreams"
    ]

    asked = await ana.tj("logout", input="n\n")
    said = " ".join(asked.stderr.split())
    assert asked.exit_code != 0, said
    assert (
        "journal 'Dreams' is no longer on the server" in said and "tj export --journal" in said
    ), said
    refused = await ana.tj("logout", "--yes")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0 and "'Dreams'" in said and "--discard-unsynced" in said, said
    assert [j["name"] for j in await ana.json("journal", "list") if j["read_only_copy"]] == [
        "Dreams"
    ]
    done = await ana.tj("logout", "--yes", "--discard-unsynced")
    assert done.exit_code == 0, done.stderr
