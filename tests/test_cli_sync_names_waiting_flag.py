"""`tj sync` with the server down names each safety flag still on the device (it has not
left; its member cannot see it; where help is), and the first sync that sends it says it
left, as delivered to the server, never as seen (real server on loopback, CliRunner, the
server stopped with the `outage` fixture; a hostile proxy that acknowledges the flag's push
and withholds it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
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
    assert [f["measure"] for f in (await drsmith.json("safety", "flags"))["flags"]] == ["phq9"]


async def test_a_flag_acknowledged_then_withheld_is_never_said_to_reach_them(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A server that acknowledges the flag's push and then never serves it back: the sync's
    withholding check warns (exit 3), and the flag's line says drsmith cannot see it, that
    this device sends it again (tell them yourself), never that they can get it at their
    next sync."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    offline = await Client.open(ana.home)  # recorded with no sync, as offline
    try:
        taken = await offline.measures.take("phq9", [1] * 9)
        assert (await offline.safety.respond(taken.result)).flag_id is not None
    finally:
        await offline.close()

    dropped: set[int] = set()

    def drop_after_acknowledging(request: bytes, reply: bytes) -> bytes:
        dropped.update(a.seq for a in wire.decode(wire.PushReply, reply).accepted)
        return reply

    def serve_without_dropped(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in dropped])
            for page in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/records/push"] = drop_after_acknowledging
    hostile.replies["/v1/sync"] = serve_without_dropped
    synced = await ana.tj("sync")
    text = said(synced.stdout + synced.stderr)
    assert synced.exit_code == 3, text
    assert "Warning: the server is withholding records" in text, text
    # told once as withheld (fix30a: sent again at every sync), never also as left
    assert (
        "for drsmith may NOT have reached drsmith: the server acknowledged storing it but has "
        "not served it back to this device (it may have dropped it, or be withholding it), so "
        "drsmith may not be able to see it; this device sends it again at every sync until "
        "the server serves it back" in text
    ), text
    assert "has now left this device" not in text, text
    assert "back. If you want them to know, tell them yourself" in text, text
    assert "can get it at their next sync" not in text, text
