"""NU45 #4, the recovery-key texts: the SDK's words for a kept recovery key name no `tj`
command nor flag (an app embedding the SDK has no `tj`); the error's `subject` and `names`
give the CLI what it needs to say its own command, so `tj`'s lines are as they were.

Real server on 127.0.0.1; `tj` runs in click's CliRunner as in tests/test_cli.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cli.main import with_hint
from cli.output import shown
from client_sdk import Client, IntegrityError, InvalidInput
from client_sdk.pending_signup import PENDING_FILE, load_pending, save_pending
from tests.client.test_kept_recovery_keys_damaged import damaged_copy
from tests.client.test_signup_failures import sign_up
from tests.conftest import RunningServer
from tests.test_cli import Device


async def test_a_damaged_kept_key_names_no_command_and_tj_names_its_own(tmp_path: Path) -> None:
    laptop = Device(tmp_path / "laptop", "http://127.0.0.1:1")
    laptop.home.mkdir()
    kept = laptop.home / PENDING_FILE
    damaged_copy(kept)
    with pytest.raises(IntegrityError) as damaged:
        Client.unfinished_signup(laptop.home)
    said = str(damaged.value)
    assert damaged.value.subject == "damaged kept key"
    assert said.endswith("restore it from a backup, or give it up by hand") and "tj " not in said
    synced = await laptop.tj("sync")
    assert synced.exit_code == 1
    assert synced.stderr.strip() == (
        f"Error: the kept recovery key file {kept} is damaged: it may be the only copy of a "
        "recovery key; restore it from a backup, or give it up by hand "
        f"(`{laptop.command} recovery-key forget-kept --damaged`)"
    )
    kept.unlink()
    kept.mkdir()  # does not read
    synced = await laptop.tj("sync")
    assert synced.stderr.strip() == (
        f"Error: the kept recovery key file {kept} does not read (Is a directory): it may be "
        "the only copy of a recovery key; repair it, or give it up by hand "
        f"(`{laptop.command} recovery-key forget-kept --damaged`)"
    )


async def test_a_home_keeping_another_signups_key_names_no_command_and_tj_names_its_own(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    ana = await sign_up(live_server.url, laptop.home)
    account = ana.profile.account_id.hex()
    await ana.logout()  # the copy stays (kept until shown): mark it finished, unconfirmed
    pending = load_pending(laptop.home)
    assert pending is not None
    save_pending(laptop.home, dataclasses.replace(pending, finished=True))

    with pytest.raises(InvalidInput) as refused:
        await sign_up(live_server.url, laptop.home, "ben")
    said = str(refused.value)
    assert refused.value.subject == "kept recovery key" and "tj " not in said
    assert said.endswith(
        "to give it up instead, after making sure it is not needed, drop it (SDK: "
        "Client.forget_kept_recovery_keys)"
    )
    assert refused.value.names == {
        "home": str(laptop.home),
        "username": "ana",
        "server": live_server.url,
        "account": account,
    }
    cli = (
        f"{laptop.home} keeps the recovery key of the signup of ana at {live_server.url} "
        f"(account {account}), never shown: log in there as ana to check it again, or use "
        "another home; to give it up instead, after making sure it is not needed, `tj "
        f"recovery-key forget-kept --account {account}` (SDK: Client.forget_kept_recovery_keys)"
    )
    assert shown(with_hint(refused.value)) == cli  # as printed
    made = await laptop.tj("signup", live_server.url, "ben")
    here = cli.replace("`tj ", f"`{laptop.command} ")  # the CLI's advice names this profile
    assert made.exit_code == 1 and made.stderr.strip() == f"Error: {here}"
