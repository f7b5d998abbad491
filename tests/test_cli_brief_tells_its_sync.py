"""`tj brief`'s share syncs first (fix30e); what that sync tells once is shown by `tj brief`
and never recorded as told unsaid (rev30b F7): a safety flag ana's phone raised for drsmith
while her laptop ended his share, judged in the brief's own sync, is said by `tj brief`
("Safety: ... may NOT have been delivered to drsmith ..."). CLI through click's CliRunner against a real server
on loopback; the laptop's removal and the phone's answer made while `tj brief` asks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from cli import output
from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device


async def test_a_flag_judged_not_delivered_in_the_briefs_sync_is_said_by_tj_brief(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await laptop.ok(
        "share", "Personal", "drlee", "--full", "--fingerprint", drlee.signup["fingerprint"]
    )
    await laptop.ok("write", "--tag", "to-discuss", "The move next month.")
    await phone.ok("sync")
    asked = output.confirm

    def meanwhile(text: str, **options: Any) -> bool:
        async def elsewhere() -> None:
            async with await Client.open(laptop.home) as client:
                await client.shares.revoke("Personal", "drsmith")
                await client.sync()
            async with await Client.open(phone.home) as client:  # behind: drsmith still in
                taken = await client.measures.take("phq9", [0] * 8 + [2])
                await client.safety.respond(taken.result)

        asyncio.run(elsewhere())  # the command's own loop is not running while it asks
        return asked(text, **options)

    monkeypatch.setattr("cli.practice.output.confirm", meanwhile)
    shared = await phone.tj("brief", "drlee", input="y\n")
    said = " ".join(shared.stderr.split())
    assert shared.exit_code == 0, said
    assert "Shared the brief with drlee" in said, said
    assert "Safety: The safety flag of your PHQ-9" in said, said
    assert "may NOT have been delivered to drsmith" in said, said
