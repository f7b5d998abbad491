"""A session over by time, told as such (real server on loopback, real crypto; the CLI through
its runner).

- A PHQ-9 item 9 answered on a device whose session expired: the safety message said the
  sealed flag waited for "no connection" and would reach the therapist "after this device
  syncs", which never happens by itself: it waits for a login, and says which.
- A device unused for more than the session's lifetime and a day: the server had forgotten
  the expired session and answered `auth_failed`, told as an account that "may have been
  deleted". The device knows when its own session ends (kept at its sign-in): past that by its
  own clock, it says the session expired; with no end kept, it says each thing it could be."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client
from client_sdk.errors import SESSION_ENDED, SESSION_EXPIRED
from server.routes import SERVICE
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, RunningServer
from tests.test_cli_insights import new_device

DAY_MS = 24 * 3600 * 1000


def forgotten_ms() -> int:
    """How far the server's clock moves for it to forget a session made at its start."""
    return TEST_SETTINGS.token_ttl_ms + TEST_SETTINGS.login_forget_ms + 60_000


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_a_flag_sealed_on_a_device_whose_session_expired_waits_for_a_login(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    live_server.clock.now += TEST_SETTINGS.token_ttl_ms + 1  # connected; the session expired
    taken = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    said = one_line(taken.stderr)
    assert "(no connection)" not in said, said
    assert (
        "The safety flag has NOT left this device yet (this device is signed out: "
        f"`tj login {live_server.url} ana` signs it in again and sends it): drsmith will see "
        "it only after you log in again. Do not count on it: call someone now."
    ) in said, said


async def test_a_device_away_past_its_session_and_a_day_is_told_its_session_expired(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cara = await new_device(live_server, tmp_path, "cara")
    later = live_server.clock.now + forgotten_ms()
    live_server.clock.now = later
    await live_server.server.app[SERVICE].purge()  # the expired session is forgotten
    monkeypatch.setattr("client_sdk.transport.now_ms", lambda: later)  # the device's clock too
    done = await cara.tj("sync")
    assert done.exit_code != 0
    said = one_line(done.stderr)
    assert "this device's session expired; log in again" in said, said
    assert "deleted" not in said and "refuses the right password" not in said, said
    assert f"`tj login {live_server.url} cara`" in said, said


async def test_the_sdk_tells_an_expired_session_the_server_forgot_by_the_devices_clock(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    start = live_server.clock.now
    live_server.clock.now = start + forgotten_ms()
    await live_server.server.app[SERVICE].purge()
    # The device's clock still within the session (a server ahead, or a session ended
    # otherwise): not told as expired.
    monkeypatch.setattr("client_sdk.transport.now_ms", lambda: start + DAY_MS)
    with pytest.raises(AuthError) as ended:
        await ana.sync()
    assert ended.value.subject == SESSION_ENDED and ended.value.code == "auth_failed"
    assert "expired" not in str(ended.value)
    # Past the session's end by the device's clock: the expired session it is.
    monkeypatch.setattr("client_sdk.transport.now_ms", lambda: start + forgotten_ms())
    with pytest.raises(AuthError) as expired:
        await ana.sync()
    assert expired.value.subject == SESSION_EXPIRED and expired.value.code == "auth_failed"
    assert str(expired.value) == "this device's session expired; log in again"
    # Kept across a reopening of the home.
    home = ana.home
    await ana.close()
    again = await Client.open(home)
    try:
        with pytest.raises(AuthError) as reopened:
            await again.sync()
        assert reopened.value.subject == SESSION_EXPIRED
    finally:
        await again.close()


async def test_a_home_that_kept_no_session_end_says_what_it_could_be(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    ana.transport.session_ends_ms = None  # a home signed in before the end was kept
    live_server.clock.now += forgotten_ms()
    await live_server.server.app[SERVICE].purge()
    with pytest.raises(AuthError) as unsure:
        await ana.sync()
    assert unsure.value.subject == SESSION_ENDED
    text = str(unsure.value)
    assert "may have expired: one lasts 30 days from its login" in text, text
    assert "may have been deleted" in text  # still said as one of the possibilities


async def test_a_server_naming_a_session_end_already_past_changes_words_only(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: its login reply names an end already past for a session it keeps, so
    that a later refusal (the account deleted from another device) reads as an expired
    session. Only words follow the kept end: the device syncs as before, and the login the
    words ask for, refused, says the account may have been deleted (its copy kept)."""
    laptop = await signup("ana")
    service = live_server.server.app[SERVICE]
    monkeypatch.setattr(service, "settings", replace(service.settings, token_ttl_ms=1))
    phone = await login("ana")
    monkeypatch.undo()
    named_end = phone.transport.session_ends_ms
    assert named_end is not None and named_end <= live_server.clock.now + 1
    with closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db:  # kept, in fact
        db.execute(
            "UPDATE devices SET expires_at = ? WHERE device_id = ?",
            (live_server.clock.now + TEST_SETTINGS.token_ttl_ms, phone.profile.device_id),
        )
        db.commit()
    live_server.clock.now += 1000
    await phone.sync()  # a past end named by the server blocks nothing
    await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    with pytest.raises(AuthError) as told:
        await phone.sync()
    assert told.value.subject == SESSION_EXPIRED  # the lie changes the words only
    home = phone.home
    await phone.close()
    with pytest.raises(AuthError) as again:
        await Client.login(
            live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
        )
    assert again.value.subject == "account maybe deleted", again.value


async def test_a_therapist_signed_out_is_told_no_new_flag_reaches_the_list(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    live_server.clock.now += TEST_SETTINGS.token_ttl_ms + 1
    shown = await drsmith.ok("safety", "flags")
    said = one_line(shown.stderr)
    assert "this device's session expired; log in again" in said, said
    assert (
        "Until this device signs in again, nothing new reaches it (new safety flags included) "
        "and nothing written here leaves it."
    ) in said, said
