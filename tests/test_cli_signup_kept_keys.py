"""`tj login`, `tj signup` and `tj recovery-key forget-kept` with recovery keys a home keeps.

- `tj login` on an unfinished signup whose account was deleted on another device makes no
  account: one `Error:` line that says so and names `tj signup`, exit status 5.
- `tj signup` over a finished signup's kept key says beforehand that it may make a new
  account, and afterwards which it did (and where the earlier key was set aside).
- `tj recovery-key forget-kept` lists what the home keeps, asks, and drops it.

Real server on 127.0.0.1 behind the loopback proxy of tests/client/hostile.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.pending_signup import PENDING_FILE, load_pending
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device
from tests.test_cli_signup_interrupted import KEY_LINE, NOT_MSGPACK


async def deleted_on_the_phone(live_server: RunningServer, tmp_path: Path) -> None:
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await phone.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)


async def test_tj_login_never_makes_again_an_account_deleted_elsewhere(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    assert (await laptop.tj("signup", hostile.url, "ana")).exit_code == 1
    del hostile.replies["/v1/auth/signup"]
    await deleted_on_the_phone(live_server, tmp_path)
    before = (laptop.home / PENDING_FILE).read_bytes()

    refused = await laptop.tj("login", hostile.url, "ana")
    assert refused.exit_code == 5, refused.output  # on integ4: 0, the account made again
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "deleted since" in line
    assert "makes no account" in line and f"`{laptop.command} signup {hostile.url} ana`" in line
    ident = load_pending(laptop.home)
    assert ident is not None
    assert f"`{laptop.command} recovery-key forget-kept --account {ident.account_id.hex()}`" in line
    assert "Traceback" not in refused.output
    assert await live_server.rows("SELECT username FROM accounts") == []
    assert (laptop.home / PENDING_FILE).read_bytes() == before

    made = await laptop.ok("signup", hostile.url, "ana")  # asked for
    # NU21 C6: it says the account was made again, and why that may be
    assert "The server did not have the account ana" in made.stderr
    assert "deleted since (from another device?). Made it now" in made.stderr
    assert "Finished the signup" not in made.stderr
    assert KEY_LINE.findall(made.stdout)
    assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]


@pytest.mark.parametrize("as_json", [False, True])
async def test_tj_signup_over_a_kept_key_says_it_may_make_a_new_account_and_what_it_did(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    as_json: bool,
) -> None:
    """The laptop finished ana's signup without the key confirmed; the account is deleted on
    the phone; `tj logout` then `tj signup URL ana` on the laptop. Before the run it says it
    signs in *or* makes a new account; after, that it made a new one and where the earlier
    key was set aside."""
    laptop = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    assert (await laptop.tj("signup", hostile.url, "ana")).exit_code == 1
    del hostile.replies["/v1/auth/signup"]
    hostile.replies["/v1/account/recovery-key/current"] = lambda request, reply: NOT_MSGPACK
    unconfirmed = await laptop.ok("signup", hostile.url, "ana")
    del hostile.replies["/v1/account/recovery-key/current"]
    assert not KEY_LINE.search(unconfirmed.stdout)
    await deleted_on_the_phone(live_server, tmp_path)
    await laptop.ok("logout", "--yes")

    made = await laptop.ok("signup", hostile.url, "ana", *(["--json"] if as_json else []))
    [aside] = [p for p in laptop.home.iterdir() if p.name.startswith(f"{PENDING_FILE}.")]
    if as_json:
        account = json.loads(made.stdout)
        assert account["recovery_key_set_aside"] == [str(aside)]
        assert account["recovery_key"] is not None
        assert account["created"] is True
        assert "a new account ana is made with this password instead" in made.stderr
        return
    # on integ4: "finished earlier on this device: signing in, and checking the recovery
    # key it kept then." -- and then it made a new account, saying "Signed in as ana."
    assert "a new account ana is made with this password instead" in made.stderr
    assert "The server no longer knew the account ana" in made.stderr
    assert "or the server lost or hides it): account ana created anew" in made.stderr
    assert "Signed in as ana" not in made.stderr
    assert str(aside) in made.stderr and "tj recovery-key forget-kept" in made.stderr
    assert KEY_LINE.findall(made.stdout)


async def test_tj_recovery_key_forget_kept_lists_asks_and_drops(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """An unfinished signup (reply lost) holds the home; `tj recovery-key forget-kept` lists
    it, drops nothing when the answer is no, drops it when yes; then the home keeps nothing
    and takes another account."""
    laptop = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    assert (await laptop.tj("signup", hostile.url, "ana")).exit_code == 1
    del hostile.replies["/v1/auth/signup"]
    [account_id] = [k.account_id for k in Client.kept_recovery_keys(laptop.home)]
    assert account_id is not None

    kept = await laptop.ok("recovery-key", "forget-kept", input="n\n")  # NU21 C5: exit 0
    assert kept.stderr.strip().endswith("Nothing dropped.")
    assert "Aborted" not in kept.stderr
    assert f"ana at {hostile.url} (account {account_id}): its signup did not finish" in (
        kept.stderr
    )
    assert "only copy" in kept.stderr
    assert (laptop.home / PENDING_FILE).exists()
    other = await laptop.tj("recovery-key", "forget-kept", "--account", "zz", "--yes")
    assert other.exit_code == 1 and "keeps no recovery key" in other.stderr
    assert (laptop.home / PENDING_FILE).exists()

    dropped = await laptop.ok(
        "recovery-key", "forget-kept", "--account", account_id[:6], input="y\n"
    )
    assert "Dropped 1 kept recovery key." in dropped.stderr
    assert not (laptop.home / PENDING_FILE).exists()
    for asked in (["--yes"], [], ["--account", account_id[:6]]):  # NU21 C5: said, exit 0
        none = await laptop.ok("recovery-key", "forget-kept", *asked)
        assert none.stderr == "This device keeps no recovery key: nothing to drop.\n"
    await laptop.ok("signup", hostile.url, "ben")  # the home is free again
