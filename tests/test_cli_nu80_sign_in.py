"""nu80's sign-in findings, against a real server on loopback with real crypto (see
tests/test_cli.py for the set-up): a `tj login` stopped by Ctrl-C after the server opened its
session (F10), a server address where another web server answers (F3), a forgotten `tj lock`
passphrase (F2) and a signup on a home that holds an account (F13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_ctrl_c_while_login_reads_its_journal_list_leaves_the_home_signed_out(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F10: Ctrl-C after the server opened the login's session, while its journal list is
    read (the profile saved): the SDK ends that session, so the home keeps no profile, and
    the stop line names `tj login` again (not `tj sync`, which could only fail as "signed
    out"); that command then signs the device in."""
    await Device(tmp_path / "laptop", live_server.url).ok("signup", live_server.url, "ana")
    phone = Device(tmp_path / "phone", live_server.url)

    async def ctrl_c(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.replica.Replica.refresh_journals", ctrl_c)
    stopped = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert stopped.exit_code == 130, stopped.output
    login = f"`tj login {live_server.url} ana --device-name phone`"
    assert stopped.stderr.strip() == (
        f"Stopped: this device is not signed in to an account; {login} signs it in."
    ), stopped.stderr
    monkeypatch.undo()
    synced = await phone.tj("sync")
    assert synced.exit_code != 0 and "signed out" not in synced.output, synced.output
    assert "no account on this device" in flat(synced.stderr), synced.stderr
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("sync")
