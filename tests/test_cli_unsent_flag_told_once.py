"""A safety flag still on a device that cannot sync (its session expired, or it was signed
out: the account erased on another device) is told in full once per flag per cause at a
failed sync, then in one line at each later one (`tj write`'s sync, `tj sync`), never
dropped (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.conftest import TEST_SETTINGS, RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_unshare_undelivered import said

FULL = "for drsmith has NOT left this device"
REMINDER = "The safety flag for drsmith you were told of still has NOT left this device"


async def test_an_expired_session_tells_an_unsent_flag_in_full_once_then_in_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    live_server.clock.now += TEST_SETTINGS.token_ttl_ms + 1  # the session expired
    offline = await Client.open(ana.home)  # the answer recorded, no sync yet
    try:
        taken = await offline.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
        assert (await offline.safety.respond(taken.result)).flag_id is not None
    finally:
        await offline.close()
    first = await ana.tj("sync")
    text = said(first.stdout + first.stderr)
    assert first.exit_code != 0 and "session expired" in text, text
    assert text.count(FULL) == 1 and REMINDER not in text, text
    for args in (("sync",), ("write", "an entry while signed out")):
        later = await ana.tj(*args)
        text = said(later.stdout + later.stderr)
        assert FULL not in text, text  # told once for this cause
        assert f"Safety: {REMINDER}" in text, text  # never silent
        assert "`tj safety flags`" in text, text


async def test_a_new_cause_tells_the_flag_in_full_again(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, [1, 1, 1, 1, 1, 1, 1, 1, 1]
    )
    offline = await Client.open(phone.home)
    try:
        first, again = await offline.safety.unsent_to_tell("session expired")
        assert ([f.flag_id for f in first], again) == ([flag_id], [])
    finally:
        await offline.close()
    await laptop.ok("account", "delete", "--yes")  # now signed out: another cause
    synced = await phone.tj("sync")
    text = said(synced.stdout + synced.stderr)
    assert text.count(FULL) == 1 and REMINDER not in text, text
    synced = await phone.tj("sync")
    text = said(synced.stdout + synced.stderr)
    assert FULL not in text and REMINDER in text, text
