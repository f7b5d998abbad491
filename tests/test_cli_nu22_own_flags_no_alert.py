"""NU22 C13 through the CLI: a client's new device, signing in, received the client's own
safety flags from her other device and was told "Safety: 1 new safety flag from laptop: see
`tj safety flags` and `tj caseload`" (a therapist's command). Only a member reading flags is
alerted; the therapist still is (real server on loopback, real crypto)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_a_clients_own_flags_are_no_alert_on_her_new_device_but_are_for_her_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    taken = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    assert "made for drsmith" in taken.stderr

    phone = Device(tmp_path / "ana-phone", live_server.url)
    signed_in = await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    said = " ".join(signed_in.stderr.split())
    # told as news, plainly, one line per source when long (NU47 #3); the laptop bears the
    # default device name: "another device (ID)", not "your device"
    assert re.search(
        r"Synced: on another device \([0-9a-f]{12}\): 1 new safety plan or safety-flag choice, 1 new questionnaire "
        r"result, 1 new safety flag( |$)",
        said,
    ), said
    assert "Safety:" not in said and "caseload" not in said
    [flag] = (await phone.json("safety", "flags"))["flags"]
    assert flag["answer"] == 2  # the flag itself is there
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    synced = await phone.ok("sync")
    assert "Safety:" not in synced.stderr and "caseload" not in synced.stderr
    assert re.search(r"on another device \([0-9a-f]{12}\): .*1 new safety flag", synced.stdout)

    therapist = await drsmith.ok("sync")
    assert (
        "Safety: 2 new safety flags from ana: see `tj safety flags` and `tj caseload`."
    ) in therapist.stderr  # a member reading flags is alerted
    first = await drsmith.ok("sync")
    assert "Safety:" not in first.stderr  # once
