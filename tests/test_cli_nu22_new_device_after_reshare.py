"""NU22 C7 through the CLI, as the tester ran it: a therapist acknowledges a flag and writes a
note, the client ends the share and shares the journal again, and the therapist signs in on a
new device. A new share's key opens nothing written before it (protocol.md 4.19), so the new
device cannot read the acknowledgement or the note of the earlier share. R46 F5 changed what
it says of that flag: no acknowledgement of it verifies on this device (and "earlier share"
was read from clocks), so it is unacknowledged here, with the true context said (raised
before this share; acknowledgements from then are on the devices that synced then); it must
say where the notes are (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_a_new_device_after_a_reshare_tells_a_flag_it_holds_no_acknowledgement_of(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"])
    await drsmith.ok("note", "ana/Personal", "See you Thursday.")
    await ana.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags")
    taken = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert "made for drsmith" in taken.stderr  # a flag of the new share: truly unread

    tablet = Device(tmp_path / "drsmith-tablet", live_server.url)
    await tablet.ok("login", live_server.url, "drsmith", "--device-name", "tablet")
    await tablet.ok("verify", "ana", ana.signup["fingerprint"])
    await tablet.ok("sync")
    flags = {f["answer"]: f for f in (await tablet.json("safety", "flags"))["flags"]}
    assert set(flags) == {1, 2}
    old, new = flags[2], flags[1]
    assert old["id"] == flag["id"]
    assert (old["acknowledged"], old["before_share"]) == ([], True)
    assert (new["acknowledged"], new["before_share"]) == ([], False)
    table = await tablet.ok("safety", "flags")
    text = " ".join(table.stdout.split())
    assert "NOT YET (before this share)" in text
    assert "your acknowledgements (and notes) from then are on your devices that synced then" in (
        text
    )
    assert text.count("NOT YET") == 2  # R46 F5: both unacknowledged on this device
    [row] = await tablet.json("caseload")
    reasons = " ".join(row["flags"])
    assert (
        "safety flag (2 unacknowledged, 1 raised before this share: earlier share not held "
        "on this device)"
    ) in reasons
    listed = await tablet.ok("notes")
    notes = " ".join((listed.stdout + listed.stderr).split())
    assert "No notes yet." in notes
    assert (
        "ana/Personal was shared with you before: the notes and prompts you wrote during that "
        "earlier share are on your devices that synced then"
    ) in notes

    # The first device read the earlier share: the acknowledgement and the note are there,
    # and nothing is said of other devices.
    await drsmith.ok("sync")
    first = {f["answer"]: f for f in (await drsmith.json("safety", "flags"))["flags"]}
    assert [a["by"] for a in first[2]["acknowledged"]] == ["drsmith"]
    assert first[2]["before_share"] is False
    first_notes = " ".join((await drsmith.ok("notes")).stdout.split())
    assert "See you Thursday." in first_notes and "shared with you before" not in first_notes

    # Acknowledged again on the tablet, under the new share: every device agrees.
    await tablet.ok("safety", "ack", flag["id"])
    after = {f["answer"]: f for f in (await tablet.json("safety", "flags"))["flags"]}
    assert [a["by"] for a in after[2]["acknowledged"]] == ["drsmith"]
    [row] = await tablet.json("caseload")
    assert not any("earlier share" in reason for reason in row["flags"])
    assert any("safety flag (1 unacknowledged)" in reason for reason in row["flags"])
    await ana.ok("sync")
    [client_flag] = [f for f in (await ana.json("safety", "flags"))["flags"] if f["answer"] == 2]
    assert [a["by"] for a in client_flag["acknowledged"]] == ["drsmith"]  # one a member
