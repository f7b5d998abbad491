"""NU43: a therapist with many clients, through the CLI (real server on loopback)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_many_unverified_clients_are_warned_of_in_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #7: one wrapped warning per client whose fingerprint was never compared (eleven
    of them) buried the one line about a safety flag: from three such clients, one line
    names them all; one or two keep their own line each."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for name in ("ana", "ben", "cyd"):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")
        await client.ok("write", f"{name}'s first entry.")
    await drsmith.ok("sync")
    listed = await drsmith.ok("list")
    lines = [line for line in listed.stderr.splitlines() if "fingerprint" in line]
    said = " ".join(listed.stderr.split())
    assert (
        "Warning: 3 accounts' fingerprints not compared: ana, ben and cyd, so the server could "
        "have made up their journals" in said
    )
    assert not any("compared ana's fingerprint" in line for line in lines)


async def test_shared_with_me_lists_by_owner_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #11: `tj shared-with-me` listed journals in no order a therapist can scan (joan
    after kimb, carla before ben): by owner, then journal."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for name in ("zoe", "carla", "ben"):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    listed = await drsmith.json("shared-with-me")
    assert [row["owner"] for row in listed] == ["ben", "carla", "zoe"]
