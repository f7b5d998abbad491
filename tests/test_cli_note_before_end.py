"""NU22 C17 from the command line: a therapist's note accepted before the share's end date,
pulled by the client's device only after it, reaches the client, with no "the server is
withholding records" warning and exit status 0; a note that reached the server after the
client's device narrowed the share is shown to the therapist as not delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device

DAY_MS = 24 * 3600 * 1000
CLOCKED = ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares", "client_sdk.client")


async def devices(url: str, live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ana, tom = Device(tmp_path / "ana", url), Device(tmp_path / "tom", live_server.url)
    ana.signup = await ana.json("signup", url, "ana")
    tom.signup = await tom.json("signup", live_server.url, "tom")
    await ana.ok("write", "Before the end.")
    return ana, tom


async def test_a_note_before_the_end_date_reaches_the_client_without_a_withholding_alarm(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await devices(live_server.url, live_server, tmp_path)
    await ana.ok(
        "share", "Personal", "tom", "--full", "--role", "annotate", "--until", "tomorrow",
        "--trust-on-first-use",
    )  # fmt: skip
    await tom.ok("sync")
    await tom.ok("note", "ana/Personal", "Here is the crisis number for the holidays.")
    live_server.clock.now += 2 * DAY_MS  # the injectable clocks: no waiting on the end
    later = live_server.clock.now
    for module in CLOCKED:
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    for _ in range(2):  # every later sync too
        synced = await ana.ok("sync")  # exit status 0
        assert "withholding" not in synced.output and "without the right" not in synced.output
    assert [n["text"] for n in await ana.json("notes")] == [
        "Here is the crisis number for the holidays."
    ]
    [note] = await tom.json("notes")
    assert (note["delivered"], note["late"]) == (True, None)


async def test_a_note_the_owner_refused_is_shown_to_the_therapist_as_not_delivered(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana, tom = await devices(hostile.url, live_server, tmp_path)
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", *fingerprint)
    await tom.ok("sync")

    async def note_meanwhile() -> None:  # after ana's device pulled, before its change lands
        del hostile.holds["/v1/journals/rotate"]
        await tom.ok("note", "ana/Personal", "One more thing.")

    hostile.holds["/v1/journals/rotate"] = note_meanwhile
    await ana.ok("share", "Personal", "tom", "--role", "read", *fingerprint)
    assert "/v1/journals/rotate" not in hostile.holds  # the note went in the window
    await ana.ok("sync")  # the refused note is said once
    again = await ana.ok("sync")
    assert "withholding" not in again.output and "without the right" not in again.output
    [note] = await tom.json("notes")
    assert note["delivered"] is False
    assert (
        "share of Personal ended, or became read-only, before ana's device took it"
        in (note["late"])
    )
    table = await tom.ok("notes", env={"COLUMNS": "200"})
    assert "[NOT DELIVERED]" in table.output and "before ana's device took it" in table.output
    assert "tj set-aside retry" not in table.output
