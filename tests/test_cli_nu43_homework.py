"""NU43 #16: `tj homework add --assignment ID` for an assignment made since the client's
device synced (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Outage, outage  # noqa: F401 (the fixture)
from tests.test_cli_care import NIGHT
from tests.test_cli_insights import new_device


async def test_homework_for_an_assignment_made_since_the_last_sync_syncs_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Right after the therapist assigned it, `tj homework add sleep-diary --assignment cf94`
    said "no assignment cf94 on this device: try `tj sync`": it syncs, finds it and links the
    homework to it, with no `tj sync` of the client's in between."""
    carla = await new_device(live_server, tmp_path, "carla")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await carla.ok(
        "share", "Personal", "drruiz", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drruiz.ok("sync")
    made = await drruiz.json("assign", "carla/Personal", "homework", "sleep-diary")

    added = await carla.ok(
        "homework", "add", "sleep-diary", *NIGHT, "--assignment", made["id"][:4], "--json"
    )
    assert "try `tj sync`" not in added.stderr
    assert json.loads(added.stdout)["assignment_id"] == made["id"]
    [done] = await drruiz.json("homework", "list")  # it reached the therapist, linked
    assert done["assignment_id"] == made["id"]

    missing = await carla.tj("homework", "add", "sleep-diary", *NIGHT, "--assignment", "abcd")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (  # synced first: no "try `tj sync`" (NU33 #7)
        "Error: no assignment abcd on this device (it synced just now): check the id"
    )


async def test_offline_an_assignment_not_on_the_device_is_said_as_the_last_sync_had_it(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """With the server down, the quick sync fails and is said (`synced_first`); the id is
    then refused with the advice to sync, and nothing is written."""
    carla = await new_device(live_server, tmp_path, "carla")
    await carla.ok("sync")
    await outage.begin()
    missing = await carla.tj("homework", "add", "sleep-diary", *NIGHT, "--assignment", "abcd")
    assert missing.exit_code == 1
    said = " ".join(missing.stderr.split())
    assert (
        "Not synced (the server cannot be reached): looking for it in what this device had at its last sync"
        in said
    )
    tried = f"try `{carla.command} sync`"
    assert said.endswith(f"Error: no assignment abcd on this device: {tried}"), said
    assert await carla.json("homework", "list") == []
