"""NU45 #9: an error's `subject` is a stable word an app branches on. A wrong password and a
device signed out were both AuthError with no subject; a bad mood, tag, emotion, `since`,
journal name taken or short password were InvalidInput with none, where a bad username or id
said "value". Real server on loopback, real crypto."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, InvalidInput, TJError, keys
from client_sdk.documents import MAX_TAGS
from client_sdk.error_words import subject_for
from client_sdk.errors import (
    BAD_VALUE,
    NAME_TAKEN,
    SESSION_ENDED,
    SESSION_EXPIRED,
    SIGNED_OUT,
    WEAK_PASSWORD,
    WRONG_PASSWORD,
    WRONG_RECOVERY_KEY,
)
from client_sdk.passwords import check_password
from tests.conftest import TEST_SETTINGS, ClientFactory, RunningServer

STRONG = "lilac pumpkin sextant harbor"


async def subject_of(kind: type[TJError], call: Awaitable[Any]) -> str | None:
    with pytest.raises(kind) as raised:
        await call
    return raised.value.subject


def test_the_subjects_are_the_documented_words() -> None:
    assert (WRONG_PASSWORD, WRONG_RECOVERY_KEY) == ("password", "recovery key")
    assert (SIGNED_OUT, SESSION_ENDED, SESSION_EXPIRED) == (
        "signed out",
        "session ended",
        "session expired",
    )
    assert (BAD_VALUE, NAME_TAKEN, WEAK_PASSWORD) == ("value", "name taken", "weak password")


def test_each_server_refusal_of_a_sign_in_or_a_session_has_its_subject() -> None:
    assert subject_for("auth_failed", "/v1/auth/login") == WRONG_PASSWORD
    assert subject_for("auth_failed", "/v1/account/password") == WRONG_PASSWORD
    assert subject_for("auth_failed", "/v1/account/recovery-key") == WRONG_PASSWORD
    assert subject_for("auth_failed", "/v1/account/delete") == WRONG_PASSWORD
    assert subject_for("auth_failed", "/v1/auth/recover") == WRONG_RECOVERY_KEY
    assert subject_for("auth_failed", "/v1/sync") == SESSION_ENDED
    assert subject_for("device_revoked", "/v1/sync") == SIGNED_OUT
    assert subject_for("auth_required", "/v1/sync") == SIGNED_OUT
    assert subject_for("token_expired", "/v1/sync") == SESSION_EXPIRED
    assert subject_for("forbidden", "/v1/sync") is None


async def test_a_wrong_password_is_told_apart_from_a_device_signed_out(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    wrong = Client.login(
        live_server.url, "ana", "not the password at all", home=tmp_path / "x",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    assert await subject_of(AuthError, wrong) == WRONG_PASSWORD
    change = laptop.change_password(
        "not the password at all",
        STRONG,
        kdf_cost=INSECURE_TEST_COST,
        minimum_cost=INSECURE_TEST_COST,
    )
    assert await subject_of(AuthError, change) == WRONG_PASSWORD
    wrong_key = keys.format_recovery_key(keys.new_recovery_key())
    recover = Client.recover(
        live_server.url, "ana", wrong_key, STRONG, home=tmp_path / "y",
        kdf_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    assert await subject_of(AuthError, recover) == WRONG_RECOVERY_KEY

    phone = await login("ana")
    await laptop.devices.revoke(phone.profile.device_id.hex())
    assert await subject_of(AuthError, phone.sync()) == SIGNED_OUT
    assert await subject_of(AuthError, anext(phone.watch())) == SIGNED_OUT  # the live channel


async def test_an_expired_session_has_its_own_subject(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    live_server.clock.now += TEST_SETTINGS.token_ttl_ms + 1
    assert await subject_of(AuthError, ana.sync()) == SESSION_EXPIRED


async def test_a_bad_mood_tag_emotion_or_bound_is_a_value_refused(signup: ClientFactory) -> None:
    ana = await signup("ana")
    write, listed = ana.entries.write, ana.entries.list
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: write("Personal", "x", mood=11),
        lambda: write("Personal", "x", mood="5"),  # type: ignore[arg-type]
        lambda: write("Personal", "x", tags="sleep"),  # type: ignore[arg-type]
        lambda: write("Personal", "x", tags=[f"t{n}" for n in range(MAX_TAGS + 1)]),
        lambda: write("Personal", "x", emotions=["hangry"]),
        lambda: write("Personal", "bad \ud83d"),
        lambda: listed(since=date(2026, 5, 1), until=date(2026, 1, 1)),
        lambda: listed(since="2026-01-01"),  # type: ignore[arg-type]
        lambda: listed(limit=0),
    ]
    for number, call in enumerate(calls):
        assert await subject_of(InvalidInput, call()) == BAD_VALUE, number
    assert await ana.entries.list() == []  # nothing was written


async def test_a_journal_name_taken_and_a_weak_password_have_their_subjects(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Dreams")
    assert await subject_of(InvalidInput, ana.journals.create("dreams")) == NAME_TAKEN
    rename = ana.journals.rename("Personal", "Dreams")
    assert await subject_of(InvalidInput, rename) == NAME_TAKEN

    short = Client.signup(
        live_server.url, "bob", "abc", home=tmp_path / "bob", kdf_cost=INSECURE_TEST_COST
    )
    assert await subject_of(InvalidInput, short) == WEAK_PASSWORD
    for password in ("short", "password1"):  # too short; too easy to guess
        with pytest.raises(InvalidInput) as refused:
            check_password(password, ["ana"])
        assert refused.value.subject == WEAK_PASSWORD
    with pytest.raises(InvalidInput) as locked:
        await ana.set_passphrase("short")
    assert locked.value.subject == WEAK_PASSWORD
