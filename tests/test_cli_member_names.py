"""A member (a therapist) is named by the username of their verified identity on every device of
the client, never by an id, in tables and in --json (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device, Outage, laptop, outage, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device


async def test_the_therapists_name_shows_on_a_device_that_never_shared_with_them(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "Good progress.")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "7")

    for device in (laptop, phone):
        [note] = await device.json("notes")
        assert (note["text"], note["author"], note["by_therapist"]) == (
            "Good progress.",
            "drsmith",
            True,
        )
        # whole in its cell, however 80 columns break it (NU23 C4: "drsmith" / "(therapist)")
        assert column((await device.ok("notes")).stdout, "by") == ["drsmith (therapist)"]
        [assignment] = await device.json("assignments")
        assert assignment["assigned_by"] == "drsmith"

    await outage.begin()  # a client just opened, that reads the chains from its own store
    [note] = await phone.json("notes")
    assert note["author"] == "drsmith"
    assert column((await phone.ok("notes")).stdout, "by") == ["drsmith (therapist)"]
    [assignment] = await phone.json("assignments")
    assert assignment["assigned_by"] == "drsmith"
    async with await Client.open(phone.home) as client:  # an app just opened, no sync
        [listed] = await client.notes.list()
        [made] = await client.assignments.list()
    assert (listed.author, made.assigned_by) == ("drsmith", "drsmith")
