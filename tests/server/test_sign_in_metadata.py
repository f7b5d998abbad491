"""The account's sign-in log (/v1/account/sign-ins, protocol.md) on SQLite and PostgreSQL:
every signup, login and recovery is a row numbered by the server, kept when its session is
signed out, said to be signed out then, with how it signed in; the times of the last password
and recovery-key changes go with it; rows are pruned by age and count, never the newest (numbers
are never reused), and go with the account's erasure. `/v1/devices/list` answers exactly as
before the log (old SDKs decode it strictly). Real server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from server.storage import postgres, sqlite
from server.storage.base import SIGN_INS_KEPT_MS
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.raw import RawClient

NEW_PASSWORD = PASSWORD + " and then some"


async def sign_ins(client: Client, after: int = 0) -> wire.SignInList:
    return await client.transport.call(
        "/v1/account/sign-ins", wire.SignInsRequest(after=after), wire.SignInList
    )


async def recovered(live_server: RunningServer, laptop: Client, name: str) -> Client:
    key = laptop.recovery_key
    assert key
    return await Client.recover(
        live_server.url,
        "ana",
        str(key),
        NEW_PASSWORD,
        home=laptop.home.parent / f"ana-{name}",
        device_name=name,
        kdf_cost=INSECURE_TEST_COST,
    )


async def test_the_sign_in_log_keeps_every_sign_in_and_how_also_signed_out_ones(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    before = await sign_ins(laptop)
    assert (before.password_changed_at, before.recovery_key_changed_at) == (0, 0)
    assert [(s.seq, s.name, s.current) for s in before.sign_ins] == [(1, "laptop", True)]
    phone = await login("ana", "phone")
    phone_id = phone.profile.device_id
    await phone.logout()
    tablet = await recovered(live_server, laptop, "tablet")
    try:
        log = await sign_ins(laptop)
        assert [
            (s.seq, s.name, s.by_recovery_key, s.signed_out, s.current) for s in log.sign_ins
        ] == [
            (1, "laptop", False, False, True),
            (2, "phone", False, True, False),  # signed out since: still in the log
            (3, "tablet", True, False, False),  # and still so after its password change
        ]
        assert log.sign_ins[1].device_id == phone_id
        assert not log.more
        assert log.password_changed_at > 0
        assert log.recovery_key_changed_at > 0
        assert [s.seq for s in (await sign_ins(laptop, after=2)).sign_ins] == [3]
        assert (await sign_ins(laptop, after=3)).sign_ins == []
        await laptop.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
        again = await sign_ins(tablet, after=3)
        assert again.recovery_key_changed_at >= log.recovery_key_changed_at
        assert again.password_changed_at == log.password_changed_at  # the key alone
    finally:
        await tablet.close()


async def test_the_log_is_pruned_by_age_and_count_never_reusing_a_number(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite, "SIGN_INS_KEPT", 3)
    monkeypatch.setattr(postgres, "SIGN_INS_KEPT", 3)
    laptop = await signup("ana")
    for n in range(4):  # sign-ins 2 to 5: 1 and 2 pruned by count
        await (await login("ana", f"x{n}")).logout()
    assert [s.seq for s in (await sign_ins(laptop)).sign_ins] == [3, 4, 5]
    live_server.clock.now += SIGN_INS_KEPT_MS + 1  # every row older than the bound
    late = await login("ana", "late")
    # the old rows go, the number goes on (the newest row was kept until this one)
    assert [(s.seq, s.name) for s in (await sign_ins(late)).sign_ins] == [(6, "late")]


async def test_the_log_goes_with_the_accounts_erasure(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await login("ana", "phone")
    assert len(await live_server.rows("SELECT 1 FROM sign_ins")) == 2
    await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await live_server.rows("SELECT 1 FROM sign_ins") == []


@dataclass(frozen=True)
class DeviceBefore:
    """`wire.Device` as SDKs before the sign-in log decode it (strictly, protocol.md 2.2)."""

    device_id: bytes = field(metadata=wire.ID)
    name: str = field(metadata=wire.limits(1, 100))
    created_at: int = field(metadata=wire.TIME)
    last_seen_at: int = field(metadata=wire.TIME)
    expires_at: int = field(metadata=wire.TIME)
    current: bool = field()


@dataclass(frozen=True)
class DeviceListBefore:
    devices: list[DeviceBefore] = field(metadata=wire.limits(0, 1000))
    next: bytes = field(default=b"", metadata=wire.PAGE_CURSOR)


async def test_the_device_list_is_as_before_also_after_a_recovery_and_a_password_change(
    live_server: RunningServer, raw: RawClient, signup: ClientFactory
) -> None:
    """After a recovery (a session opened with the recovery key, a new password and a new
    recovery key), an older SDK still reads `/v1/devices/list`: the reply has the fields it
    always had, and its strict decoder takes it."""
    laptop = await signup("ana")
    tablet = await recovered(live_server, laptop, "tablet")
    try:
        answer = await raw.call("/v1/devices/list", wire.ListRequest(), token=tablet.profile.token)
        assert answer.status == 200, answer.value()
        reply = msgpack.unpackb(answer.body, raw=False)
        assert set(reply) == {"devices"}  # `next` left out on the last page, as ever
        for device in reply["devices"]:
            assert set(device) == {
                "device_id",
                "name",
                "created_at",
                "last_seen_at",
                "expires_at",
                "current",
            }
        old = wire.decode(DeviceListBefore, answer.body)
        assert sorted(d.name for d in old.devices) == ["laptop", "tablet"]
    finally:
        await tablet.close()


async def test_a_logins_device_proof_is_kept_and_sent_only_with_keys(
    live_server: RunningServer, raw: RawClient, signup: ClientFactory, login: ClientFactory
) -> None:
    """A login's device key, challenge and signature (protocol.md 4.21) are kept in its row
    and sent to a request `with_keys`; without it the rows have the fields they always had
    (an older SDK's strict decoder takes them). A signup's row has none."""
    laptop = await signup("ana")
    phone = await login("ana", "phone")
    keyed = await laptop.transport.call(
        "/v1/account/sign-ins", wire.SignInsRequest(with_keys=True), wire.SignInList
    )
    [first, second] = keyed.sign_ins
    assert (first.device_key, first.challenge, first.device_signature) == (b"", b"", b"")
    assert second.device_id == phone.profile.device_id
    assert (len(second.device_key), len(second.challenge), len(second.device_signature)) == (
        32, 32, 64,
    )  # fmt: skip
    assert first.device_signed_at == 0 and second.device_signed_at > 0  # the phone's clock
    answer = await raw.call(
        "/v1/account/sign-ins", wire.SignInsRequest(), token=laptop.profile.token
    )
    assert answer.status == 200, answer.value()
    for row in msgpack.unpackb(answer.body, raw=False)["sign_ins"]:
        assert set(row) == {
            "seq", "device_id", "name", "at", "by_recovery_key", "signed_out", "current",
        }  # fmt: skip
