"""NU59 #10: the owner's other device, told that a member was dropped on the server's word,
offered "To share with them again: `tj share Personal drsmith --full`" for a member whose
account was erased, a username anyone may take since. Where the server says that account
no longer exists, the line says so (and names the account that holds the name now) and the
command it gives compares the fingerprint first (real server on loopback, CliRunner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def dropped_after_erasure(
    live_server: RunningServer, tmp_path: Path, taken: bool
) -> tuple[Device, str, str]:
    """ana shares with drsmith from her laptop; drsmith erases his account; ana's phone
    drops him (the server no longer serves him); with `taken`, someone new signs up as
    drsmith. Returns (the laptop, what its next sync said, "taken" when the name was)."""
    laptop = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await laptop.ok("sync")
    await phone.ok("sync")
    await drsmith.ok("account", "delete", "--yes")
    await phone.ok("sync")  # this device drops drsmith, told "account deleted"
    other = ""
    if taken:
        new = Device(tmp_path / "drsmith2", live_server.url)
        new.signup = await new.json("signup", live_server.url, "drsmith")
        other = "taken"
    shown = await laptop.ok("sync")
    return laptop, unwrapped(shown.stderr), other


@pytest.mark.parametrize("taken", [False, True])
async def test_a_member_whose_account_was_erased_is_not_offered_again_unchecked(
    live_server: RunningServer, tmp_path: Path, taken: bool
) -> None:
    laptop, said, _ = await dropped_after_erasure(live_server, tmp_path, taken)
    assert "Notice: drsmith no longer reads Personal" in said, said
    assert "another of your devices removed them" in said, said
    assert "To share with them again: `tj share Personal drsmith --full`" not in said, said
    assert "The server says drsmith's account was erased" in said, said
    if taken:
        found = re.search(
            r"the name drsmith is now another account's \(account ([0-9a-f]{8})\), not the "
            r"one that read it \(account ([0-9a-f]{8})\)",
            said,
        )
        assert found is not None and found[1] != found[2], said
    else:
        assert "the name drsmith is free, and anyone may take it" in said, said
    assert "`tj share Personal drsmith --full --fingerprint FINGERPRINT`" in said, said
    again = await laptop.ok("sync")
    assert "drsmith" not in unwrapped(again.stderr) + again.stdout
