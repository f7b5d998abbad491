"""`tj measure take` whose quick sync pushes the safety flag it sealed, then is cut off by
the quick-sync limit (the server holds the hourly look for sign-ins): take says the flag
has NOT left (its report never came), and the next `tj sync` says it has now left (rev29a
F4). Real server on 127.0.0.1, a loopback proxy (tests/client/hostile.py) for ana only."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_take_whose_quick_sync_is_cut_after_the_push_is_followed_by_has_now_left(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reviewer's test (tests/test_cli_rev29a.py on branch rev29a), to the fixed
    outcome."""
    monkeypatch.setattr("cli.main.QUICK_SYNC_S", 3.0)
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    release = asyncio.Event()

    async def stall() -> None:
        await release.wait()

    with sqlite3.connect(tmp_path / "ana" / "store.db") as db:  # the hourly look is due
        row = db.execute("SELECT value FROM settings WHERE name = 'sign_ins_seen'").fetchone()
        assert row is not None
        seen = json.loads(row[0])
        seen["at"] = 1
        db.execute(
            "UPDATE settings SET value = ? WHERE name = 'sign_ins_seen'", (json.dumps(seen),)
        )
    hostile.holds["/v1/account/sign-ins"] = stall
    taken = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    text = said(taken.stdout + taken.stderr)
    assert "has NOT left this device yet" in text, text
    assert "did not finish the sync within 3 s" in text, text
    release.set()
    del hostile.holds["/v1/account/sign-ins"]
    flags = (await drsmith.json("safety", "flags"))["flags"]
    assert [f["status"] for f in flags] == ["sent"], flags  # it did leave
    nxt = await ana.tj("sync")
    text = said(nxt.stdout + nxt.stderr)
    assert nxt.exit_code == 0, text
    assert "has now left this device" in text, text
    again = await ana.tj("sync")
    assert "has now left" not in said(again.stdout + again.stderr)  # said once
