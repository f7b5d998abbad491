"""`tj journal rename` says when the name given was not kept (W4 of /work/REV-WN-FINDINGS.md,
protocol.md 4.14): another device's rename, signed with a higher `named_at`, took its place.
Real server on loopback, real crypto; the server that stores a held-back rename late is played
by a direct edit of its database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client.test_journal_name_races import replica_now, served, store_as_latest
from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    failed_with_one_line,
    laptop,
    phone,
)


async def test_tj_journal_rename_says_when_the_name_given_was_not_kept(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tj journal rename` on the phone while the server stores, just after it, the laptop's
    held-back rename to Work (signed with a higher `named_at`): one error line naming both
    names and the way on, exit 1; the journal list says Work."""
    from client_sdk import replica

    await laptop.ok("write", "Monday.")
    [listed] = await laptop.json("journal", "list")
    personal = bytes.fromhex(listed["id"])
    before, _ = served(live_server, personal)
    with monkeypatch.context() as ahead:
        ahead.setattr(replica, "now_ms", lambda: replica_now() + 60_000)
        await laptop.ok("journal", "rename", "Personal", "Work")
    held_back, _ = served(live_server, personal)
    store_as_latest(live_server, personal, before)
    await phone.ok("sync")
    real = replica.Replica._send_meta

    async def stored_late(self: replica.Replica, *args: Any) -> None:
        await real(self, *args)
        store_as_latest(live_server, personal, held_back)

    with monkeypatch.context() as late:
        late.setattr(replica.Replica, "_send_meta", stored_late)
        line = failed_with_one_line(await phone.tj("journal", "rename", "Personal", "Home"))
    assert "renamed 'Work' meanwhile on another device" in line
    assert "your name 'Home' was not kept" in line
    assert f"`{phone.command} journal rename JOURNAL NEW_NAME` names it again" in line
    assert [j["name"] for j in await phone.json("journal", "list")] == ["Work"]
