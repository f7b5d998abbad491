"""Lists of several clients' journals and goals are in the order `tj shared-with-me` uses: by
the owner's name (ignoring case), then by journal; `tj goal list` by client, then open goals
first (NU47 #13: `tj journal list` put "ana/" after "ana-b/" and "ana.b/", comparing the
whole "owner/name"; `tj goal list` followed neither client nor status). Real server on
loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

CLIENTS = ("anna", "ana.b", "ana", "ana-b")  # written in this order: newest last
IN_ORDER = ["ana", "ana-b", "ana.b", "anna"]


async def test_journals_and_goals_of_similar_names_list_by_owner_then_status(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await drsmith.ok("goal", "add", "Supervision monthly")  # the therapist's own: first
    for name in CLIENTS:
        client = await new_device(live_server, tmp_path, name)
        await client.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
        await client.ok("goal", "add", f"{name}: walk daily")
        if name == "ana":
            done = (await client.ok("goal", "add", "ana: sleep by eleven")).stdout.strip()
            await client.ok("goal", "done", done)
    await drsmith.ok("sync")

    journals = [j["name"] for j in await drsmith.json("journal", "list")]
    assert journals == ["Personal", *(f"{name}/Personal" for name in IN_ORDER)]
    shared = [row["owner"] for row in await drsmith.json("shared-with-me")]
    assert shared == IN_ORDER  # the same order

    goals = [(g["journal"], g["title"]) for g in await drsmith.json("goal", "list")]
    assert goals == [
        ("Personal", "Supervision monthly"),
        ("ana/Personal", "ana: walk daily"),
        ("ana/Personal", "ana: sleep by eleven"),  # done: after ana's open one
        ("ana-b/Personal", "ana-b: walk daily"),
        ("ana.b/Personal", "ana.b: walk daily"),
        ("anna/Personal", "anna: walk daily"),
    ]
    table = (await drsmith.ok("goal", "list", env={"COLUMNS": "200"})).stdout
    at = [table.index(title) for _, title in goals]
    assert at == sorted(at)
