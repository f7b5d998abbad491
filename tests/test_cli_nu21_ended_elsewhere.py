"""NU21 C4 (second half): `tj unshare Personal tom` on the phone; the laptop's next `tj sync`
tells, once, that the share was ended from one of the account's devices. Two homes of one
account (and the member's) on a real server on 127.0.0.1, through the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cli import output
from client_sdk.departures import UNSHARED, Departure
from client_sdk.sync import SyncReport
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

TOLD = "Personal is no longer shared with tom: the share was ended from one of your devices ("


async def phone_of_ana(ana: Device, live_server: RunningServer, tmp_path: Path) -> Device:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    return phone


async def test_the_laptop_is_told_once_the_phone_ended_a_share_and_the_phone_is_not(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = await phone_of_ana(ana, live_server, tmp_path)
    await ana.ok("write", "Before the share.")
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await phone.ok("sync")
    await ana.ok("sync")
    ended = await phone.ok("unshare", "Personal", "tom", "--yes")
    assert "Stopped sharing 'Personal' with tom" in unwrapped(ended.stderr), unwrapped(ended.stderr)
    for _ in range(2):  # the phone said so itself: its syncs do not say it again
        again = await phone.ok("sync")
        assert "tom" not in again.stdout + unwrapped(again.stderr), unwrapped(again.stderr)
    told = await ana.ok("sync")
    assert f"Notice: {TOLD}" in unwrapped(told.stderr), unwrapped(told.stderr)
    assert unwrapped(told.stderr).count("no longer shared") == 1
    assert told.stdout == "1 share change (below)\n"  # the sync's summary counts it
    assert (told.stdout + unwrapped(told.stderr)).count(
        "Personal is no longer shared with tom"
    ) == 1
    assert "another" not in unwrapped(told.stderr) and "this device" not in unwrapped(told.stderr)
    again = await ana.ok("sync")
    assert "tom" not in again.stdout + unwrapped(again.stderr), unwrapped(again.stderr)
    assert await ana.json("shares") == []
    # A device that logs in later verifies the chain for the first time: old news.
    tablet = Device(tmp_path / "ana-tablet", live_server.url)
    shown = [await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")]
    shown += [await tablet.ok("sync") for _ in range(2)]
    assert all("no longer shared" not in r.stdout + unwrapped(r.stderr) for r in shown)


async def test_the_notice_is_in_sync_json_and_in_every_command_that_syncs(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = await phone_of_ana(ana, live_server, tmp_path)
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await phone.ok("sync")
    await ana.ok("sync")
    await phone.ok("unshare", "Personal", "tom", "--yes")
    wrote = await ana.ok("write", "After the share ended.")  # an everyday command syncs
    assert f"Notice: {TOLD}" in unwrapped(wrote.stderr), unwrapped(wrote.stderr)
    await ana.ok("share", "Personal", "tom", "--full", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("sync")
    await phone.ok("sync")
    await phone.ok("unshare", "Personal", "tom", "--yes")
    report = json.loads((await ana.ok("sync", "--json")).stdout)
    [departure] = report["departures"]
    assert (departure["member"], departure["journal"], departure["reason"]) == (
        "tom",
        "Personal",
        "unshared",
    )
    assert json.loads((await ana.ok("sync", "--json")).stdout)["departures"] == []


async def test_a_field_level_copy_ended_on_the_phone_is_told_by_its_source_and_fields(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = await phone_of_ana(ana, live_server, tmp_path)
    await ana.ok("write", "Moods only.", "--mood", "3")
    await phone.ok("sync")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await phone.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    assert "no longer" not in (await ana.ok("sync")).stderr
    await phone.ok("unshare", "Personal", "tom", "--yes")
    told = await ana.ok("sync")
    assert (
        "Notice: tom no longer reads the mood and scores of Personal (a copy kept for them): "
        "the share was ended from one of your devices ("
    ) in unwrapped(told.stderr), unwrapped(told.stderr)
    assert unwrapped(told.stderr).count("Notice:") == 1
    again = await ana.ok("sync")
    assert "tom" not in again.stdout + unwrapped(again.stderr), unwrapped(again.stderr)


def test_the_notice_names_what_ended_in_plain_words() -> None:
    """The journal, a field-level copy by its source and fields, the journal of single items
    by what it holds; never which device ended it."""
    at = int(datetime(2026, 12, 2, 3, 10, tzinfo=UTC).timestamp() * 1000)
    plain = Departure("drsmith21", "Personal", "ab" * 16, UNSHARED, at)
    copy = replace(
        plain, journal="Personal (mood, body) for drsmith21", source="Personal", fields=("mood",)
    )
    items = replace(plain, journal="Shared with drsmith21", items=True)
    lines = output.departure_lines(SyncReport(departures=[plain, copy, items]))
    when = output.departure_time(at)
    ended = f": the share was ended from one of your devices ({when})."
    assert lines == [
        f"Notice: Personal is no longer shared with drsmith21{ended}",
        f"Notice: drsmith21 no longer reads the mood of Personal (a copy kept for them){ended}",
        "Notice: the entries and results you shared one by one with drsmith21 ('Shared with "
        f"drsmith21') are no longer shared with them{ended}",
    ]


def test_the_summary_counts_share_changes_that_its_notices_tell() -> None:
    """NU25 C5: each share change is told once, by its notice after the summary; the summary
    line only counts them ("ana's Personal is no longer served to you" was in both)."""
    at = int(datetime(2026, 12, 2, 3, 10, tzinfo=UTC).timestamp() * 1000)
    plain = Departure("drsmith21", "Personal", "ab" * 16, UNSHARED, at)
    other = replace(plain, journal="Work", journal_id="cd" * 16)
    assert output.sync_text(SyncReport(departures=[plain])) == "1 share change (below)"
    both = SyncReport(pushed=1, departures=[plain, other])
    assert output.sync_text(both) == "sent 1 change, 2 share changes (below)"
    told = output.departure_lines(both)
    assert [line.split(":")[1].strip() for line in told] == [
        "Personal is no longer shared with drsmith21",
        "Work is no longer shared with drsmith21",
    ]


async def test_unshare_on_the_slower_device_says_it_once(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    """The phone ended the share; the laptop, not synced since, runs the same `tj unshare`:
    its first sync learns of the removal, and the command says once that the share was
    already ended (not a notice too); its next sync says nothing more."""
    phone = await phone_of_ana(ana, live_server, tmp_path)
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await phone.ok("sync")
    await ana.ok("sync")
    await phone.ok("unshare", "Personal", "tom", "--yes")
    again = await ana.ok("unshare", "Personal", "tom", "--yes")
    assert "the share was already ended" in again.stderr, again.stderr
    assert again.stderr.count("no longer shared with tom") == 1, again.stderr
    assert "Notice:" not in again.stderr
    later = await ana.ok("sync")
    assert "tom" not in later.stdout + later.stderr, later.stderr
