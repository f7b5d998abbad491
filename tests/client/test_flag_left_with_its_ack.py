"""The process dies right after the push's acknowledgement: the flag's `left` was noted in
that very transaction, so a delivered flag is never judged by a later sync's start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client
from client_sdk.pushing import Pusher
from tests.client.flag_judging import opted_in, seal_flag, shift_clock
from tests.conftest import ClientFactory


class Killed(Exception):
    """Stands for the process dying: nothing after it runs."""


async def test_a_kill_after_the_push_ack_does_not_make_a_delivered_flag_lost(
    signup: ClientFactory, login: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login, "tablet")
    flag_id = await seal_flag(tablet)

    acknowledge = Pusher._acknowledge

    async def killed(self: Pusher, *args: Any) -> None:
        await acknowledge(self, *args)
        raise Killed  # the process dies right after the push's acknowledgement

    monkeypatch.setattr(Pusher, "_acknowledge", killed)
    with pytest.raises(Killed):
        await tablet.sync()
    monkeypatch.undo()
    await tablet.close()
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
    await drsmith.safety.acknowledge(flag_id)  # the proof it reached him (rev32b F1)
    await drsmith.sync()
    shift_clock(monkeypatch, 2 * 3600 * 1000)  # two hours on
    await laptop.shares.revoke("Personal", "drsmith")
    again = await Client.open(tmp_path / "ana-tablet")
    try:
        assert not await again.safety.waiting(flag_id)
        report = await again.sync()
        print("told:", report.undelivered_flags)
        assert report.undelivered_flags == []
    finally:
        monkeypatch.undo()
        await again.close()
