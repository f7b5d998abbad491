"""A field-level share whose end date passed still counts as a reader until the client
unshares (`access.field_shares_in_force`: only the owner-signed `limited_removed` ends it,
fail closed); the safety message and `tj set-aside move`'s refusal now say why, with the
`tj unshare` that ends it, where the device's own chains say its date passed and hold no
such end (real server on loopback, CliRunner, clocks moved past the end date)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device

DAY_MS = 24 * 3600 * 1000
LAPSED = "its end date passed, but it counts until you unshare (`tj unshare Personal tom`)"


def said(text: str) -> str:
    return " ".join(text.split())


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """The server's and the devices' clocks `ms` later (the CLI runs in this process)."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in (
        "client_sdk.replica",
        "client_sdk.sharing",
        "client_sdk.safety_path",
        "client_sdk.client",
    ):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)


async def lapsed_mood_share(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Device, Device]:
    """ana shares Personal's mood with tom until tomorrow; the clocks move 3 days on."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood", "--until", tomorrow,
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    return ana, tom


async def test_the_safety_message_says_a_lapsed_field_share_counts_until_unshared(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, _ = await lapsed_mood_share(live_server, tmp_path, monkeypatch)
    taken = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    text = said(" ".join(taken["safety_message"]["lines"]))
    assert f"No safety flag was sent to tom (mood; {LAPSED}), who reads only a copy" in text, text


async def test_a_field_share_in_force_is_not_said_lapsed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood", *("--fingerprint", tom.signup["fingerprint"])
    )
    taken = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    text = said(" ".join(taken["safety_message"]["lines"]))
    assert "No safety flag was sent to tom (mood), who reads only a copy" in text, text
    assert "end date passed" not in text, text


async def test_a_set_aside_move_refused_for_a_lapsed_field_share_says_it_counts_until_unshared(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom = await new_device(live_server, tmp_path, "tom")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await laptop.ok(
        "share", "Personal", "tom", "--only", "mood", "--until", tomorrow,
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    await laptop.ok("journal", "create", "Night dreams")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Night dreams", "--yes")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await phone.tj("write", "--journal", "Night dreams", "--mood", "3", "private dream")
    [kept] = await phone.json("set-aside", "list")
    refused = await phone.tj("set-aside", "move", kept["doc_id"][:8])
    text = said(refused.stderr)
    assert refused.exit_code == 1, text
    assert "is read by tom (a share of some of its fields whose end date passed" in text
    assert "which counts until you unshare: `tj unshare Personal tom`)" in text, text
    assert "--even-if-shared" in text, text
