"""REV-S10B: hostile review of s10 at 9271a57b (caseload moods from the index of entries,
S10-1's fix, import never into copies and the crisis-line rule). Real server on loopback.
Each test fails on s10 on the assertion about its weakness."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client
from tests.conftest import ClientFactory

ROOT = Path(__file__).resolve().parents[2]
BEFORE_MOOD = "6a3a92fc"  # s10 just before 173b5682 (the index of entries without `mood`)


async def both_caseloads(therapist: Client, now: datetime) -> tuple[list[Any], list[Any]]:
    """(rows by the index of entries, rows from every entry's view)."""
    caseload = therapist.caseload
    indexed = [row.to_dict() for row in await caseload.list(now=now)]
    kept = caseload._entry_rows
    caseload._entry_rows = None  # every entry's view: the full path
    try:
        whole = [row.to_dict() for row in await caseload.list(now=now)]
    finally:
        caseload._entry_rows = kept
    return indexed, whole


def older_build(tmp: Path) -> Path:
    """client_sdk as it was on s10 before the index had a `mood` column."""
    target = tmp / "s10-before-mood"
    if not target.exists():
        target.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BEFORE_MOOD, "client_sdk"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


OLDER_PROCESS = """
import asyncio, sys
from client_sdk import Client
async def main():
    import client_sdk.store
    assert "mood" not in client_sdk.store.ENTRY_ROWS  # the older build
    client = await Client.open(sys.argv[1])
    try:
        await client.sync()
        await client.entries.list(limit=1)  # by its index of entries: writes the rows
    finally:
        await client.close()
asyncio.run(main())
"""


async def test_two_entries_of_one_moment_in_two_zones_give_the_indexed_caseload_the_same_days(
    signup: ClientFactory,
) -> None:
    """F2. `caseload.client_zone` takes the offset of the latest entry, the first of equal
    times as it iterates (`max`), and the client's "today" (this week, quiet days, the
    trend's days) follows it. Every entry's view gives a journal's entries newest first,
    equal times by id descending; the index gives them oldest first, by id ascending. Two
    entries of one millisecond in two zones (two devices; `created_at=`) so give the two
    paths two "today"s, and a mood of 2 eight days ago in one is this week in the other."""
    from tests.client.sharing_support import share_with

    ana, drlee = await signup("ana"), await signup("drlee")
    day = (datetime.now(UTC) - timedelta(days=3)).date()  # D
    moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    for hours in (14, -12):  # D+1 00:00 and D-1 22:00 local
        zone = timezone(timedelta(hours=hours))
        await ana.entries.write(
            "Personal", f"at {hours}", mood=6, created_at=moment.astimezone(zone)
        )
    low = moment + timedelta(days=-7, hours=2)  # D-7, in UTC
    await ana.entries.write("Personal", "awful day", mood=2, created_at=low)
    await share_with(ana, drlee, "Personal")
    await ana.sync()
    await drlee.sync()
    now = moment + timedelta(hours=1)  # D+1 at +14 (D-7: 8 days ago), D-1 at -12 (6 days)
    indexed, whole = await both_caseloads(drlee, now)
    assert (indexed[0]["last_entry_day"], indexed[0]["flags"]) == (
        whole[0]["last_entry_day"],
        whole[0]["flags"],
    )  # s10: one says "mood 2/10 on D-7", the other not


async def test_an_imported_crisis_line_never_silently_outranks_a_therapists_line_not_yet_pulled(
    signup: ClientFactory,
) -> None:
    """F3. The S10-3 rule (`restore_plan`: the file's crisis line is left out where a
    member's line is in force) looks at what this device holds when the import runs. Import
    needs no sync (the content is pushed at the next one), so tom's line set since ana's last
    sync (or one a colluding server withholds until the import is done) is not seen: the
    file's line is written as ana's own, and once tom's arrives ana's own takes precedence
    in the safety message. The summary said only "imported ... 1 safety plan": the file's
    number was never shown to ana, before or after."""
    from cli.export import import_summary
    from tests.client.sharing_support import share_with

    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans: call 116 123")
    await tom.sync()  # ana's device has not pulled it yet

    await eve.safety.set_plan(crisis_line="Call 0900 123 456 (premium)", plan="Breathe.")
    handed = json.loads(json.dumps(await eve.archive.export_json()))
    report = await ana.archive.import_json(handed)
    summary = import_summary(report)
    await ana.sync()
    in_force = await ana.safety.crisis_line()
    assert in_force == "Samaritans: call 116 123" or "0900 123 456" in summary, (
        in_force,
        summary,
    )  # s10: "Call 0900 123 456 (premium)" in force; the summary never named it


async def test_an_import_never_writes_into_a_copy_journal_another_device_made_meanwhile(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Held (a guard). A file journal named like ana's phone's "Shared with tom", made after
    the laptop's last sync: `Journals.create` returned the phone's copy and the commit's
    `check_not_copy` refused the write (the import stopped with an error). An import now
    makes its journals with `create_journal` (a new id), never one returned by name:
    nothing reaches tom."""
    from tests.client.sharing_support import share_with

    laptop, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    phone = await login("ana")
    await share_with(laptop, tom, "Personal")  # so tom is pinned on the laptop too
    await phone.sync()
    mine = await phone.entries.write("Personal", "Just this one.")
    await phone.shares.grant_entry(mine.id, "tom", fingerprint=await tom.shares.fingerprint())
    await phone.sync()
    copy = next(j for j in await phone.journals.list() if j.helper == "items")
    assert copy.name not in [j.name for j in await laptop.journals.list()]  # not pulled yet

    await eve.journals.create(copy.name)
    await eve.entries.write(copy.name, "Planted.", mood=2)
    data = json.loads(json.dumps(await eve.archive.export_json()))
    try:
        report = await laptop.archive.import_json(data)
    except Exception:  # noqa: BLE001 - refused (COPY_JOURNAL): nothing written there
        report = None
    await laptop.sync()
    await tom.sync()
    assert "Planted." not in [e.body for e in await tom.entries.list()], (
        report.to_dict() if report else None
    )  # s10: tom reads ana's "Planted." (mood 2) as an entry she shared


async def test_the_indexed_caseload_through_copies_edits_trash_and_an_ended_share(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Held (a guard): whole + field-level copy + items shared one by one, moods and times
    edited on another device and pulled, trash and restore, then the field-level share
    ended (its kept copy): the indexed caseload is every entry's at each step."""
    from tests.client.sharing_support import share_with

    ana, drlee = await signup("ana"), await signup("drlee")
    phone = await login("ana")
    await ana.journals.create("Other")
    await share_with(ana, drlee, "Personal")
    await share_with(ana, drlee, "Other", only=["mood"])
    now = datetime.now(UTC)
    written = []
    for days, mood in ((0, 2), (1, 7), (2, 3), (9, 8)):
        at = now - timedelta(days=days, minutes=5)
        written.append(await ana.entries.write("Personal", f"p {days}", mood=mood, created_at=at))
        await ana.entries.write("Other", f"o {days}", mood=mood, created_at=at)
    fp = await drlee.shares.fingerprint()
    await ana.shares.grant_entry(written[0].id, "drlee", fingerprint=fp, only=["mood"])
    await ana.shares.grant_entry(written[1].id, "drlee", fingerprint=fp)

    async def same() -> None:
        for client in (ana, phone, drlee):
            await client.sync()
        indexed, whole = await both_caseloads(drlee, datetime.now(UTC))
        assert indexed == whole

    await same()
    await phone.sync()
    await phone.entries.edit(written[0].id, mood=9)  # the low mood edited away elsewhere
    await phone.entries.edit(written[2].id, created_at=now - timedelta(days=20))
    await phone.sync()
    await same()
    await ana.entries.delete(written[1].id)
    await same()
    await ana.entries.restore(written[1].id)
    await same()
    await ana.shares.revoke("Other", "drlee")
    await same()


async def test_copies_that_match_no_entry_cost_the_indexed_caseload_no_quadratic_comparisons(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 (S10-1 not fixed for copies that match nothing). `_dropped_copies` now stops at
    a copy's first same entry, but a copy the same as no entry is still compared with every
    entry of its millisecond: N copies and N entries of one moment (a client writing with
    `created_at=`, in a journal shared by fields and one shared whole, moods apart) cost
    N x N `_same_entry` calls (each hashing both states) at every indexed `tj list` and now
    at every `tj caseload`. Measured here at N=300: caseload 1.0 s by the index, 0.017 s
    from every entry's view; `list_results(limit=20)` 0.97 s. The full path groups by
    (owner, time, offset) too but compares `Entry` objects (no hashing)."""
    from tests.client.sharing_support import share_with

    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Other")
    await share_with(ana, drlee, "Personal")
    await share_with(ana, drlee, "Other", only=["mood"])
    at = datetime.now(UTC)  # after the shares: copied
    n = 60
    for i in range(n):
        await ana.entries.write("Personal", f"p{i}", mood=1 + i % 5, created_at=at)
        await ana.entries.write("Other", f"o{i}", mood=6 + i % 5, created_at=at)
    await ana.sync()
    await drlee.sync()
    calls = 0
    compare = drlee.context._same_entry

    def counted(copy: Any, whole: Any) -> bool:
        nonlocal calls
        calls += 1
        return compare(copy, whole)

    monkeypatch.setattr(drlee.context, "_same_entry", counted)
    indexed, whole = await both_caseloads(drlee, datetime.now(UTC))
    assert indexed == whole and indexed[0]["entries_this_week"] == 2 * n
    assert calls <= 4 * n, calls  # s10: n * n = 3600
