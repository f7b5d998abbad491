"""The read-only copy of a share that ended is marked where its entries are read (NU42 #6:
`tj list` and `tj search` showed them like live ones, and after the client shared an entry
again, the same entry twice with diverging text)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_insights import new_device


async def test_entries_of_an_ended_share_say_so_in_list_search_and_json(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    ben = await new_device(live_server, tmp_path, "ben")
    okafor = await new_device(live_server, tmp_path, "okafor")
    for client in (maya, ben):
        await client.ok("share", "Personal", "okafor", "--trust-on-first-use")
    await maya.ok("write", "--title", "River walk", "Walked by the river at dawn.")
    await ben.ok("write", "--title", "River swim", "Swam in the river.")
    await okafor.ok("sync")
    listed = await okafor.json("list")
    assert [e["share_ended"] for e in listed] == [False, False]

    await maya.ok("unshare", "Personal", "okafor", "--yes")
    await okafor.ok("sync")
    rows = {e["journal"]: (e["share_ended"], e["unlisted"]) for e in await okafor.json("list")}
    # okafor's device holds no chain entry that ends it: the server's word, said as such
    assert rows == {"maya/Personal": (False, True), "ben/Personal": (False, False)}
    table = (await okafor.ok("list", env={"COLUMNS": "120"})).stdout
    ended = "maya/Personal (no longer served)"
    assert sorted(column(table, "journal")) == ["ben/Personal", ended]
    found = (await okafor.ok("search", "river", env={"COLUMNS": "120"})).stdout
    assert sorted(column(found, "journal")) == ["ben/Personal", ended]
    one = await okafor.ok("list", "--journal", "maya/Personal")
    assert "maya/Personal is no longer served to you (the share ended, or the server" in one.stderr
    live = await okafor.ok("list", "--journal", "ben/Personal")
    assert "read-only copy" not in live.stderr
