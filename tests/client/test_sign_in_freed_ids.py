"""A home's own sessions since its last look are recognised by the number of their row in the
account's sign-in log, read when the home signed in (`SIGN_INS` "own_seqs"), never by their
device id alone: device ids are chosen by the device that signs in, and the server frees a
signed-out id once `max_devices` newer signed-out sessions exist, so a password thief may
sign in under an id this home used; his live session is told to the home all the same, also
when the home's own row under that id is no longer in the log.

Real server on 127.0.0.1 (`max_devices` 4 here, 100 by default); the thief's own client picks
his device id (he controls it); real crypto."""

from __future__ import annotations

import dataclasses
import json
import types
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, crypto
from client_sdk import account as account_module
from client_sdk.devices import SIGN_INS, _own_rows
from client_sdk.wire import SignIn
from server.service import Settings
from server.storage import sqlite as sqlite_storage
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, RunningServer

MAX_DEVICES = 4


@pytest.fixture
def server_settings() -> Settings:
    return dataclasses.replace(TEST_SETTINGS, max_devices=MAX_DEVICES)


@pytest.mark.parametrize("log_kept", ["whole", "without the home's own rows"])
async def test_a_thief_signed_in_under_an_id_of_this_homes_earlier_session_is_told(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    log_kept: str,
) -> None:
    """The thief signs the laptop out twice (it signs in again: ids `first`, then another),
    then has `first` freed (signed-out sessions past `max_devices`) and signs in under it,
    named "laptop". The home's next look tells his sign-in, live, with the others; when the
    server keeps too few sign-ins to hold the home's own rows, it is told all the same."""
    if log_kept != "whole":  # the newest 6: x0..x4 and the thief's
        monkeypatch.setattr(sqlite_storage, "SIGN_INS_KEPT", MAX_DEVICES + 2)
    laptop = await signup("ana")
    laptop.devices.sign_ins_interval_ms = 0
    await laptop.sync()  # the baseline
    thief = await login("ana", "thief")
    await thief.devices.revoke(laptop.profile.device_id.hex())
    await laptop.close()
    live_server.clock.now += 1000
    again = await login("ana", "laptop")  # the user signs in again on the same home
    first = again.profile.device_id
    await thief.devices.revoke(first.hex())  # and once more
    await again.close()
    live_server.clock.now += 1000
    home = await login("ana", "laptop")
    home.devices.sign_ins_interval_ms = 0
    looked = json.loads(await home.replica.store.setting(SIGN_INS) or "{}")
    assert set(looked["own_seqs"]) == {first.hex(), home.profile.device_id.hex()}
    for n in range(MAX_DEVICES + 1):  # newer signed-out sessions: `first` is freed
        live_server.clock.now += 1000
        await (await login("ana", f"x{n}")).logout()

    real = crypto.random_bytes
    chosen = types.SimpleNamespace(
        **{k: getattr(crypto, k) for k in dir(crypto) if not k.startswith("__")}
    )
    chosen.random_bytes = lambda n: first if n == 16 else real(n)
    monkeypatch.setattr(account_module, "crypto", chosen)
    hidden = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "thief2", device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    monkeypatch.setattr(account_module, "crypto", crypto)
    try:
        assert hidden.profile.device_id == first
        report = await home.sync()
        told = [d for d in report.new_devices if d.id == first.hex()]
        assert len(told) == 1 and not told[0].signed_out
        assert told[0].name == "laptop"
        assert all(d.id != home.profile.device_id.hex() for d in report.new_devices)
    finally:
        await hidden.close()
        await thief.close()
        await home.close()


def row(seq: int, device: bytes) -> SignIn:
    return SignIn(seq, device, "laptop", 1000 * seq, False, False, False)


def test_own_rows_are_the_numbered_ones_else_the_first_with_the_id() -> None:
    b, c = bytes(16), bytes([1]) * 16
    rows = [row(5, b), row(6, c), row(9, b)]
    assert _own_rows(rows, {b.hex(), c.hex()}, {b.hex(): 5, c.hex(): 6}) == {5, 6}
    assert _own_rows(rows, {b.hex(), c.hex()}, {}) == {5, 6}  # no numbers: the first only
    # The home's own row is no longer in the log: a later one under its id is not its own.
    assert _own_rows(rows[1:], {b.hex(), c.hex()}, {b.hex(): 5, c.hex(): 6}) == {6}
