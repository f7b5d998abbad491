"""The recovery keys a home keeps sealed, never shown (pending_signup.py), and when they go.

- A login never makes an account: on an unfinished signup whose account the server does not
  have (deleted on another device; or a server saying so), `login` raises AuthError (subject
  "signup not on server"), sends no signup and keeps the copy; an explicit `signup` makes it
  again.
- A copy set aside (`pending_signup.<account id>`) goes back to its place when this home signs
  in to its account again, and is then shown once the server confirms it; nothing a server
  says drops it.
- `Client.forget_kept_recovery_keys` drops kept keys by hand (the CLI asks first).

Real server on 127.0.0.1, real crypto; the hostile server is the proxy of
tests/client/hostile.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client_sdk import (
    INSECURE_TEST_COST,
    AuthError,
    Client,
    InvalidInput,
    NetworkError,
    crypto,
    keys,
    wire,
)
from client_sdk.pending_signup import PENDING_FILE, aside_path
from tests.client.hostile import HostileServer
from tests.client.test_r27_attacks import KEY_IN_FORCE, finished_unconfirmed
from tests.client.test_signup_failures import NOT_MSGPACK, sign_up
from tests.conftest import PASSWORD, RunningServer


async def login(url: str, home: Path, username: str = "ana") -> Client:
    return await Client.login(
        url, username, PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip


async def reply_lost(hostile: HostileServer, home: Path) -> None:
    """ana's signup reaches the server (the account is made), its reply is lost: the home
    keeps the unfinished signup."""
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]


async def deleted_on_the_phone(live_server: RunningServer, tmp_path: Path) -> None:
    phone = await login(live_server.url, tmp_path / "phone")
    await phone.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)


def kept_files(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir() if p.name.startswith(PENDING_FILE))


async def test_a_login_never_makes_again_an_account_deleted_elsewhere(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The laptop's signup reply was lost; on the phone ana logs in and deletes the account.
    A plain login on the laptop must not sign up again under the same name: it says the
    account is not on the server (AuthError, subject "signup not on server"), sends no
    signup, keeps the copy as it was. Asked for (`signup`), the account is made again with
    the kept request and key."""
    home = tmp_path / "laptop"
    await reply_lost(hostile, home)
    await deleted_on_the_phone(live_server, tmp_path)
    before = (home / PENDING_FILE).read_bytes()
    sent = hostile.paths.count("/v1/auth/signup")

    with pytest.raises(AuthError, match="deleted since") as refused:
        await login(hostile.url, home)
    assert refused.value.subject == "signup not on server"
    assert "sign up again" in str(refused.value) and PENDING_FILE in str(refused.value)
    assert hostile.paths.count("/v1/auth/signup") == sent  # on integ4: sent again, account made
    assert await live_server.rows("SELECT username FROM accounts") == []
    assert (home / PENDING_FILE).read_bytes() == before
    assert Client.unfinished_signup(home) == (hostile.url, "ana")

    again = await sign_up(hostile.url, home)  # asked for
    try:
        assert again.recovery_key is not None, again.recovery_key_not_shown
        assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]
    finally:
        again.recovery_key_shown()
        await again.close()


async def test_a_server_saying_an_unfinished_signups_account_is_gone_gets_nothing(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """Hostile server: the account exists, but /v1/auth/prelogin answers another salt (what
    it says of a name it does not know). The login refuses, sends nothing more (no signup,
    no login signature), and the copy stays as it was; once the server tells the truth, the
    login finishes the signup and shows the key."""
    home = tmp_path / "laptop"
    await reply_lost(hostile, home)
    before = (home / PENDING_FILE).read_bytes()

    def other_salt(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.PreloginReply, reply)
        return wire.encode(
            wire.PreloginReply(crypto.random_bytes(len(real.salt)), real.opslimit, real.memlimit)
        )

    hostile.replies["/v1/auth/prelogin"] = other_salt
    seen = len(hostile.paths)
    with pytest.raises(AuthError) as refused:
        await login(hostile.url, home)
    assert refused.value.subject == "signup not on server"
    assert hostile.paths[seen:] == ["/v1/auth/prelogin"]  # on integ4: a signup followed
    assert (home / PENDING_FILE).read_bytes() == before

    del hostile.replies["/v1/auth/prelogin"]
    finished = await login(hostile.url, home)
    try:
        assert finished.recovery_key is not None, finished.recovery_key_not_shown
    finally:
        finished.recovery_key_shown()
        await finished.close()
    assert kept_files(home) == []


async def test_a_copy_set_aside_goes_back_when_this_home_signs_in_to_its_account_again(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """A hostile server refuses the laptop's login to ana (the key kept there is the key in
    force, unconfirmed, its only copy) as if the account were gone; `signup` again sets the
    copy aside and starts a new signup, interrupted (Ctrl-C, request never forwarded). The
    user gives the new signup up by hand. Once the server lets the laptop in to the account
    again, the copy set aside goes back to its place and, confirmed, is shown; after that
    nothing is kept."""
    home = tmp_path / "laptop"
    laptop = await finished_unconfirmed(hostile, home)
    old = laptop.profile.account_id
    await laptop.logout()
    [(in_force,)] = await live_server.rows(KEY_IN_FORCE)

    def forged(body: bytes) -> bytes:
        request = wire.decode(wire.LoginRequest, body)
        bad = bytes([request.signature[0] ^ 1]) + request.signature[1:]
        return wire.encode(wire.LoginRequest(
            request.username, request.challenge, bad, request.device_name, request.ticket
        ))  # fmt: skip

    reached = asyncio.Event()

    async def hold() -> None:
        reached.set()
        await asyncio.Event().wait()  # never forwarded

    hostile.requests["/v1/auth/login"] = forged
    hostile.holds["/v1/auth/signup"] = hold
    signing_up = asyncio.ensure_future(sign_up(hostile.url, home))
    await reached.wait()
    signing_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await signing_up
    hostile.requests.clear()
    hostile.holds.clear()
    kept = Client.kept_recovery_keys(home)
    assert [(k.state, k.username) for k in kept] == [("unfinished", "ana"), ("set aside", "ana")]
    assert kept[1].account_id == old.hex() and kept[1].path == aside_path(home, old)
    new = kept[0].account_id
    assert new is not None and new != old.hex()

    assert Client.forget_kept_recovery_keys(home, new[:8]) == [kept[0]]  # given up by hand
    client = await login(hostile.url, home)
    try:
        # on integ4: None (the copy stayed aside, unseen, for ever)
        assert client.recovery_key is not None, client.recovery_key_not_shown
        raw = keys.parse_recovery_key(client.recovery_key)
        assert bytes(keys.recovery_login_key(raw).verify_key) == in_force
    finally:
        client.recovery_key_shown()
        await client.close()
    assert kept_files(home) == []


async def test_a_copy_set_aside_is_never_dropped_on_the_servers_word(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The R27 F2 setting (the account deleted on the phone; `signup` again on the laptop
    makes a new one and sets the old copy aside). Signing the new account in and out, and
    its key shown, leave the old copy as it was: it belongs to another account; only the
    user drops it (by its account id)."""
    home = tmp_path / "laptop"
    laptop = await finished_unconfirmed(hostile, home)
    old = laptop.profile.account_id
    await laptop.close()
    await deleted_on_the_phone(live_server, tmp_path)
    laptop = await Client.open(home)
    await laptop.logout()
    before = (home / PENDING_FILE).read_bytes()
    again = await sign_up(hostile.url, home)
    again.recovery_key_shown()
    await again.logout()
    back = await login(hostile.url, home)
    assert back.recovery_key is None and back.recovery_key_not_shown is None
    await back.close()
    assert aside_path(home, old).read_bytes() == before
    [aside] = Client.kept_recovery_keys(home)
    assert (aside.state, aside.account_id) == ("set aside", old.hex())

    with pytest.raises(InvalidInput):
        Client.forget_kept_recovery_keys(
            home, "ffff" if not old.hex().startswith("ffff") else "0000"
        )
    assert Client.forget_kept_recovery_keys(home, old.hex()) == [aside]
    assert kept_files(home) == []
    with pytest.raises(InvalidInput, match="keeps no recovery key"):
        Client.forget_kept_recovery_keys(home)


async def test_forgetting_an_unfinished_signup_frees_the_home(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """An unfinished signup holds its home for its account (any other is refused); dropping
    its kept key by hand (before: only by deleting a file) gives it up: the home then takes
    another account."""
    home = tmp_path / "laptop"
    await reply_lost(hostile, home)
    await (await sign_up(live_server.url, tmp_path / "ben-home", "ben")).close()
    with pytest.raises(InvalidInput, match="unfinished signup"):
        await login(live_server.url, home, "ben")
    [kept] = Client.forget_kept_recovery_keys(home)
    assert (kept.state, kept.username) == ("unfinished", "ana")
    ben = await login(live_server.url, home, "ben")
    await ben.close()
    assert kept_files(home) == []


def test_damaged_kept_copies_are_listed_and_can_be_dropped(tmp_path: Path) -> None:
    """A kept file that does not read is listed as damaged (its account id from its name when
    set aside), never taken for nothing, and can be dropped by hand; a temporary file left by
    an interrupted write is no kept key."""
    home = tmp_path / "laptop"
    home.mkdir()
    account_id = "0123456789abcdef0123456789abcdef"
    (home / PENDING_FILE).write_bytes(NOT_MSGPACK)
    (home / f"{PENDING_FILE}.{account_id}").write_bytes(b"")
    (home / f"{PENDING_FILE}.tmp").write_bytes(b"")
    kept = Client.kept_recovery_keys(home)
    assert [(k.state, k.username, k.account_id) for k in kept] == [
        ("damaged", None, None),
        ("damaged", None, account_id),
    ]
    assert Client.forget_kept_recovery_keys(home, account_id[:4]) == kept[1:]
    assert Client.forget_kept_recovery_keys(home) == kept[:1]
    assert kept_files(home) == [f"{PENDING_FILE}.tmp"]
