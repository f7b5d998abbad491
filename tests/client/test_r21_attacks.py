"""R21 hostile review of integ4 (13cab27): attacks on the client side of the three s8
changes (a failed sign-in ends its session; the new-password rule) and on journal metadata,
which the in-transaction epoch check did not cover then.

Real server on loopback, real crypto; the hostile server is tests/client/hostile.py's proxy.
The holes these tests showed on 13cab27 (strict xfails then) are fixed: metadata is checked
against the current epoch (s8-r21fix), the password rule counts typed characters, and a
signup that fails after the account exists is finished by running it again (resumable
signup); each test now asserts the fix.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from client_sdk import (
    INSECURE_TEST_COST,
    AuthError,
    Client,
    IntegrityError,
    InvalidInput,
    NetworkError,
    keys,
    wire,
)
from client_sdk.passwords import check_password
from client_sdk.transport import Transport
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def session_alive(server: RunningServer, token: str) -> bool:
    """Whether the real server still accepts `token` (an authenticated read)."""
    transport = Transport(server.url, token)
    try:
        await transport.call("/v1/devices/list", wire.ListRequest(), wire.DeviceList)
        return True
    except AuthError:
        return False
    finally:
        await transport.close()


def never_msgpack(request: bytes, reply: bytes) -> bytes:
    return b"\xc1"


async def test_a_signup_that_fails_after_the_account_exists_is_finished_by_running_it_again(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """R21 F2: signup creates the account and its first session in one reply, then reads the
    journal list; a hostile (or just failing) server made that fail, and the recovery key,
    which only ever existed on the device, was lost with the session left signed in. Now the
    device keeps the profile (this device's session, its token in the profile, as after any
    signup) and the recovery key sealed under the password, and running signup again
    finishes it and shows the key (the resumable signup of client_sdk/pending_signup.py);
    a failure before the profile is saved ends the session (tests/client/
    test_signup_failures.py)."""
    home = tmp_path / "ana"
    hostile.replies["/v1/journals/list"] = never_msgpack
    with pytest.raises(NetworkError):
        await Client.signup(
            hostile.url,
            "ana",
            PASSWORD,
            home=home,
            device_name="laptop",
            kdf_cost=INSECURE_TEST_COST,
        )
    [reply] = hostile.replies_to("/v1/auth/signup")
    token = wire.decode(wire.SessionReply, reply).token
    assert await session_alive(live_server, token)  # this device's own, kept for the retry
    assert Client.unfinished_signup(home) is not None
    del hostile.replies["/v1/journals/list"]
    client = await Client.signup(
        hostile.url, "ana", PASSWORD, home=home, device_name="laptop", kdf_cost=INSECURE_TEST_COST
    )
    try:
        assert client.recovery_key is not None
        assert [j.name for j in await client.journals.list()] == ["Personal"]
    finally:
        await client.close()
    assert Client.unfinished_signup(home) is None
    recovered = await Client.recover(
        live_server.url,
        "ana",
        client.recovery_key,
        "a new password for ana 42",
        home=tmp_path / "recovered",
        kdf_cost=INSECURE_TEST_COST,
    )
    await recovered.close()


async def test_a_failed_login_sends_its_logout_to_the_login_url_only(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """Held: the logout of a failed login goes to the base URL the login used (never a URL
    from a reply), and only once."""
    await signup("ana")
    hostile.replies["/v1/journals/list"] = never_msgpack
    with pytest.raises(NetworkError):
        await Client.login(
            hostile.url,
            "ana",
            PASSWORD,
            home=tmp_path / "phone",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
    assert hostile.paths.count("/v1/auth/logout") == 1
    [reply] = hostile.replies_to("/v1/auth/login")
    assert not await session_alive(live_server, wire.decode(wire.SessionReply, reply).token)


async def test_a_rename_from_a_stale_device_is_not_stored_under_the_revoked_key(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """ana's laptop shares Personal with ben, her phone syncs, the laptop revokes ben (a
    rotation to a new epoch). The phone, which has not synced since, renames the journal.
    Pushes sealed under the old epoch are refused (409 stale_epoch, checked in the insert's
    transaction); the metadata, sealed under the same old key, is stored as sent. ben kept
    that key: with the server's data (a hostile or breached server) he reads the new name."""
    laptop = await signup("ana")
    ben = await signup("ben", device="ben-laptop")
    await laptop.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
    phone = await login("ana", device="phone")
    await phone.sync()
    await ben.sync()
    [journal] = [j for j in await phone.replica.store.journals() if j.name == "Personal"]
    old_epoch = journal.epoch
    old_key = await ben.replica.journal_key(
        [j for j in await ben.replica.store.journals() if j.journal_id == journal.journal_id][0],
        old_epoch,
    )
    await laptop.shares.revoke("Personal", "ben")

    try:
        await phone.journals.rename("Personal", "Divorce and custody")
    except Exception:  # refused: what a fixed server does
        pass
    [(meta, epoch)] = await live_server.rows(
        "SELECT meta, epoch FROM journals WHERE journal_id = ?", journal.journal_id
    )
    assert epoch == old_epoch + 1
    if keys.meta_epoch(bytes(meta)) == old_epoch:
        opened = keys.open_journal_meta(old_key, journal.journal_id, bytes(meta))
        assert b"Divorce" not in opened, "the revoked member's key opens the new name"


async def test_a_rename_from_a_stale_device_is_sealed_again_under_the_new_epoch(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """The client side of F1: the stale phone's rename is refused (409 `stale_epoch`); the
    phone refreshes its journal list (the rotation, verified against the chain, and the new
    key) and seals the name again under the new epoch. The rename succeeds, every device of
    the owner reads it, and ben's key of the old epoch does not open it."""
    laptop = await signup("ana")
    ben = await signup("ben", device="ben-laptop")
    await laptop.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
    phone = await login("ana", device="phone")
    await phone.sync()
    await ben.sync()
    [journal] = [j for j in await phone.replica.store.journals() if j.name == "Personal"]
    [bens] = [j for j in await ben.replica.store.journals() if j.journal_id == journal.journal_id]
    old_key = await ben.replica.journal_key(bens, journal.epoch)

    transport = phone.replica.transport
    call = transport.call
    paths: list[str] = []

    async def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        paths.append(path)
        if path == "/v1/journals/meta" and paths.count(path) == 1:
            # After the phone read the journal list (a rename reads it first, W4 of rev-wn),
            # just before its metadata reaches the server: the phone is stale again.
            await laptop.shares.revoke("Personal", "ben")
        return await call(path, *args, **kwargs)

    setattr(transport, "call", counted)  # noqa: B010 (one instance)
    try:
        renamed = await phone.journals.rename("Personal", "Divorce and custody")
    finally:
        delattr(transport, "call")

    assert renamed.name == "Divorce and custody"
    [held] = [j for j in await phone.replica.store.journals() if j.journal_id == journal.journal_id]
    assert (held.name, held.epoch) == ("Divorce and custody", journal.epoch + 1)
    assert paths.count("/v1/journals/meta") == 2  # refused once (stale), then stored
    [(meta, epoch)] = await live_server.rows(
        "SELECT meta, epoch FROM journals WHERE journal_id = ?", journal.journal_id
    )
    assert keys.meta_epoch(bytes(meta)) == epoch == journal.epoch + 1
    with pytest.raises(IntegrityError):
        keys.open_journal_meta(old_key, journal.journal_id, bytes(meta))
    await laptop.sync()
    assert "Divorce and custody" in [j.name for j in await laptop.journals.list()]


@pytest.mark.parametrize("password", ["\ufdfa", "\ufdfa\ufdfa", "\u3316\u3317"])
def test_a_password_of_one_or_two_code_points_is_refused(password: str) -> None:
    """The rule counts and scores the NFKC form that goes into the KDF. A guesser does not
    enumerate NFKC forms but what people type: about 150,000 single code points in all. One
    code point (U+FDFA), the same one twice, or two squared katakana an IME offers (U+3316,
    U+3317) expand to 11 to 36 characters zxcvbn knows no word of, and are accepted."""
    with pytest.raises(InvalidInput):
        check_password(password, ["ana"])


@pytest.mark.parametrize(
    "password",
    [
        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13",  # full-width
        "pa\u0073\u0073word123",
        "\ufb01rst\ufb01rst1",  # ligatures: "firstfirst1"
        "ANA2026!",
    ],
)
def test_compatibility_forms_of_a_weak_password_are_refused(password: str) -> None:
    """Held: the rule scores the NFKC form, so full-width or ligature spellings of a weak
    password, and the username with digits, are refused, and the message never echoes it."""
    with pytest.raises(InvalidInput) as refused:
        check_password(password, ["ana"])
    assert password not in str(refused.value)
    assert unicodedata.normalize("NFKC", password) not in str(refused.value)
