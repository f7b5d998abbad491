"""rev31b item 3 (suspected, checked): a device that re-saves exactly the plan it received
from another device, or writes another text and then that same text again, merged nothing:
the other device's next sync says no "Merged:" (the re-save of the same text changes no text:
`replace_whole`; and `merged_text` tells only a text unlike the one written). Real server on
127.0.0.1, CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device

PLAN = "B: walk, then call Dr Lee."


@pytest.mark.parametrize("between", [(), ("C: breathe.",)])
async def test_the_same_plan_saved_again_on_another_device_is_no_merge(
    live_server: RunningServer, tmp_path: Path, between: tuple[str, ...]
) -> None:
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("safety", "plan", "--text", PLAN)
    await laptop.ok("sync")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    for text in (*between, PLAN):
        await phone.ok("safety", "plan", "--text", text)
        await phone.ok("sync")
    said = " ".join((await laptop.ok("sync")).stderr.split())
    assert "Merged:" not in said, said
    assert (await laptop.json("safety", "plan"))["plan"] == PLAN
