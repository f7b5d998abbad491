"""NU41 (a new user's walkthrough of the README), fixed: Ctrl-C during `tj login`'s first
sync said click's "Aborted!" (exit 1) though the device was signed in (#5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_ctrl_c_during_the_first_sync_of_a_login_says_the_device_is_signed_in(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.main.sync_once", stopped)
    result = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert result.exit_code == 6, result.output
    assert "Aborted" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "Signed in as ana on this device, but the first sync was stopped; your journals are "
        f"not on this device yet: run `tj --home {phone.home} sync`."
    ), last
    monkeypatch.undo()
    assert (await phone.json("whoami"))["username"] == "ana"  # signed in, as said
    await phone.ok("sync")
