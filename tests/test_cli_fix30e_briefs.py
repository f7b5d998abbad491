"""`tj brief --json` not shared (declined, not asked, a fingerprint still to compare) gives
the brief read, as `brief` and `text`, as when shared (fix30e item 4); a share ended on
another device while `tj brief` asked refuses the brief (fix30e item 3)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from cli import output
from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device


async def test_brief_json_not_shared_gives_the_brief_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--tag", "to-discuss", "The move next month.")
    unknown = await ana.tj("brief", "drsmith", "--journal", "Personal", "--json")
    assert unknown.exit_code == 1, unknown.output
    error = json.loads(unknown.raw_stdout)["error"]
    assert error["subject"] == "fingerprint", error
    assert "--trust-on-first-use" in error["message"], error
    assert error["brief"]["entries"] == 1, error
    assert "The move next month." in error["text"], error
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok("share", "Personal", "drsmith", "--full", "--fingerprint", fingerprint)
    shared = json.loads((await ana.ok("brief", "drsmith", "--json", "--yes")).raw_stdout)
    # declined; stdin ended unanswered (a confirmation's subject names what it confirms)
    for answer, subject in (("n\n", "declined"), ("", "confirm brief")):
        refused = await ana.tj("brief", "drsmith", "--json", input=answer)
        assert refused.exit_code == 1, refused.output
        error = json.loads(refused.raw_stdout)["error"]
        assert error["subject"] == subject, error
        # the same brief but for its first line's time (prepared a moment later)
        assert error["text"].split("\n")[1:] == shared["text"].split("\n")[1:], error
        assert set(error["brief"]) == set(shared["brief"]), error
        assert error["brief"]["to_discuss"] == shared["brief"]["to_discuss"], error
        assert error["not_in_brief"] == [], error


async def test_a_share_ended_on_another_device_while_asked_refuses_the_brief(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tj brief drsmith` read on the laptop while the phone ends the share of "Dreams"
    before the answer: the share syncs first and refuses the brief that still covers
    Dreams, naming the command that prepares it again (fix30e item 3); drsmith gets none."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "--tag", "to-discuss", "Flying again.")
    for journal in ("Personal", "Dreams"):
        await laptop.ok("share", journal, "drsmith", "--full", "--fingerprint", fingerprint)
    await phone.ok("sync")
    asked = output.confirm

    def ended_meanwhile(text: str, **options: Any) -> bool:
        async def unshare() -> None:
            async with await Client.open(phone.home) as client:
                await client.shares.revoke("Dreams", "drsmith")
                await client.sync()

        asyncio.run(unshare())  # the command's own loop is not running while it asks
        return asked(text, **options)

    monkeypatch.setattr("cli.practice.output.confirm", ended_meanwhile)
    refused = await laptop.tj("brief", "drsmith", input="y\n")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1, said
    assert (
        "Error: what you share with drsmith changed since this brief was prepared (on another "
        "device: it covered "
    ) in said and "nothing was shared: `tj brief drsmith` prepares it again" in said, said
    await drsmith.ok("sync")
    assert await drsmith.json("briefs") == []
