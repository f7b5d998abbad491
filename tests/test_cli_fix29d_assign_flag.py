"""`tj assign` syncs first and closes with a sync: a safety flag that arrives between the two
is said on a "Safety:" line, as one the first sync brings is, never only "Synced." (fix29d).
Real server on loopback, CliRunner; the therapist's device through a proxy that, as the
closing sync's push arrives, lets the client answer item 9 (through the SDK, at the real
server)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat


async def test_a_flag_arriving_during_assign_is_said_on_a_safety_line(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = Device(tmp_path / "drsmith", hostile.url)
    drsmith.signup = await drsmith.json("signup", hostile.url, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await drsmith.ok("sync")
    answered: list[str] = []

    async def answer_now() -> None:  # between the first sync and the closing one
        if answered:
            return
        async with await Client.open(ana.home) as client:
            taken = await client.measures.take("phq9", [0] * 8 + [2])
            flag_id = (await client.safety.respond(taken.result)).flag_id
            assert flag_id is not None
            await client.sync()
            answered.append(flag_id)

    hostile.holds["/v1/records/push"] = answer_now  # the assignment's push: the closing sync
    assigned = await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    said = flat(assigned.stderr)
    assert answered, said  # the client answered between the two syncs
    assert "Safety: 1 new safety flag from ana" in said, said
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["id"] == answered[0], flag
