"""`tj set-aside move` of a questionnaire result whose safety item was answered above 0 into a
journal whose member gets safety flags: the flag is sealed for them (a clinician opted in), and
the command says so, naming them through its sync's line, never "raises no safety flag" (real
server on loopback, CliRunner; the result recorded through the SDK without a sync, as an
offline device records it, in a journal deleted on the laptop)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device


async def test_moving_a_result_with_item_9_tells_the_flag_its_sync_seals(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("journal", "create", "Work")  # read by no one else
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--safety-flags", "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Work", input="Work\n")
    offline = await Client.open(phone.home)  # offline: no sync, no response
    try:
        taken = await offline.measures.take("phq9", [1] * 8 + [2], journal="Work")
    finally:
        await offline.close()
    assert (await phone.tj("sync")).exit_code == 4  # set aside: Work is gone

    moved = await phone.ok(
        "set-aside", "move", taken.result.id[:12], "--journal", "Personal", "--yes"
    )  # drsmith reads Personal: asked without --yes
    said = " ".join(moved.output.split())
    assert "Moved it into Personal (read by drsmith) as PHQ-9 result" in said, said
    assert "Its safety item was answered above 0: a sync seals a safety flag" in said, said
    assert "Safety: A safety flag was made for drsmith for your PHQ-9 answer" in said, said
    assert "raises no safety flag" not in said, said
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["measure"], flag["item"], flag["answer"]) == ("phq9", 9, 2), flag
