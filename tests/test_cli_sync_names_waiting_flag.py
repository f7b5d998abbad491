"""`tj sync` with the server down names each safety flag still on the device (it has not
left; its member cannot see it; where help is), and the first sync that sends it says it
left, as delivered to the server, never as seen (real server on loopback, CliRunner, the
server stopped with the `outage` fixture)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_an_offline_sync_names_the_waiting_flag_and_the_next_says_it_left(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    await laptop.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    offline = await laptop.tj("sync")
    text = said(offline.stderr)
    assert offline.exit_code != 0 and "cannot reach the server" in text, text
    assert "Safety: The safety flag of your PHQ-9 of " in text, text
    assert "for drsmith has NOT left this device: drsmith cannot see it" in text, text
    assert "Your safety plan: `tj safety plan`" in text, text
    again = said((await laptop.tj("sync")).stderr)  # said at every try: it still waits
    assert "for drsmith has NOT left this device" in again, again

    await outage.end()
    online = await laptop.tj("sync")
    text = said(online.stdout + online.stderr)
    assert online.exit_code == 0, text
    assert "Safety: The safety flag of your PHQ-9 of " in text, text
    assert "has now left this device: the server acknowledged it, so drsmith can get it at" in text
    assert "NOT left" not in text and "(sent, not seen:" in text, text
    later = said((await laptop.tj("sync")).stderr)  # said once: it left
    assert "has now left" not in later, later
    assert [f["measure"] for f in await drsmith.json("safety", "flags")] == ["phq9"]
