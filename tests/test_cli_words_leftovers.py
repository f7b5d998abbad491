"""Small leftovers of earlier reviews, each with the command that showed it (real server on
loopback, CliRunner, real crypto; see tests/test_cli.py for the set-up):

- `tj discuss PREFIX` matching an entry and a note said "matches several items" (and the
  SDK's `shares.recipients` "matches several"), where every other command says what the
  prefix matches ("an entry and a note").
- NU30 #4's leftover: the device that renewed a share which had reached its end date said
  "Shared ...", as for a first share, while the account's other devices said "renewed"
  (a sync closes a lapsed share with an `ended` entry and a new key: its renewal is a new
  membership, which `ShareInfo` told as a first share). It is told as a renewal, with the
  end date reached and the new one.
- A therapist's notices of a share that ended while a copy of some of its fields stays
  ("no longer served", or its end date) quoted the journal's name first, then named it bare
  ("the server is withholding My Notes. What you downloaded of My Notes stays"); every
  mention is quoted now, as the other notices to a member quote another account's journal.
- `tj import` of a Daylio CSV backup saved on Windows kept CRLF and a lone CR inside a note
  ("Ran.\r\nFelt light."), where `tj write`'s text, stdin, drafts and a Day One export are
  made plain (`client_sdk.plain_text`). (`tj import` reads no Markdown file: a .md file is
  refused as "not JSON", and Day One's Markdown texts were made plain already.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import InvalidInput
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401  (a fixture)
from tests.test_cli_insights import new_device
from tests.test_cli_nu33_leftovers import ids_starting_abcd  # noqa: F401  (a fixture)
from tests.test_cli_sharing import move_clocks

DAY_MS = 24 * 3600 * 1000


def said(text: str) -> str:
    return " ".join(text.split())


async def test_discuss_of_a_prefix_of_an_entry_and_a_note_says_what_it_matches(
    laptop: Device,  # noqa: F811
    ids_starting_abcd: None,  # noqa: F811
) -> None:
    entry_id = (await laptop.ok("write", "A day.")).stdout.strip()
    note_id = (await laptop.ok("note", "Personal", "About that day.")).stdout.strip()
    assert entry_id[:4] == note_id[:4] == "abcd"
    said = failed_with_one_line(await laptop.tj("discuss", "abcd"))
    assert said == "Error: abcd matches an entry and a note: give more of the id"
    await laptop.ok("discuss", entry_id[:12])  # a longer prefix names the entry
    assert [m["id"] for m in await laptop.json("discuss")] == [entry_id]


async def test_recipients_of_a_prefix_of_two_kinds_say_what_it_matches(
    signup: ClientFactory,
    ids_starting_abcd: None,  # noqa: F811
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write("Personal", "A day.")
    goal = await ana.goals.add("Walk")
    assert entry.id[:4] == goal.id[:4] == "abcd"
    with pytest.raises(InvalidInput, match=r"^abcd matches an entry and a goal: give more"):
        await ana.shares.recipients("abcd")
    assert await ana.shares.recipients(entry.id[:12]) == []


async def test_the_device_that_renews_a_lapsed_share_tells_a_renewal(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drkim's lapsed share is renewed with no sync since its end date (the share's own
    sync closes it first), drlee's after `tj sync` told its end; either way the renewal is
    a new membership after an `ended` entry (the journal's key changed). Each renewing
    command says "Renewed", the end date reached and the new one, as the phone is told;
    a share given again after an unshare stays "Shared"."""
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    for member in ("drkim", "drlee", "drmay"):
        await new_device(live_server, tmp_path, member)
    tomorrow = datetime.now() + timedelta(days=1)
    for member in ("drkim", "drlee"):
        await ana.ok(
            "share", "Personal", member, "--full", "--until", f"{tomorrow:%Y-%m-%d}",
            "--trust-on-first-use",
        )  # fmt: skip
    await phone.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    later = datetime.now() + timedelta(days=30)
    ended, until = f"{tomorrow:%Y-%m-%d} (end of day)", f"{later:%Y-%m-%d} (end of day)"

    kim = said((await ana.ok("share", "Personal", "drkim", "--until", f"{later:%Y-%m-%d}")).stderr)
    assert kim.startswith(
        f"Renewed drkim's share of Personal, which had ended on its end date, {ended}, to "
        f"(read) until {until}: after their next `BARE tj sync` they read everything"
    ), kim
    assert "Shared Personal" not in kim
    closed = said((await ana.ok("sync")).stderr)  # signs drlee's `ended`: a new key
    assert "your share of Personal with drlee ended" in closed, closed
    lee = said((await ana.ok("share", "Personal", "drlee", "--until", f"{later:%Y-%m-%d}")).stderr)
    assert lee.startswith(
        f"Renewed drlee's share of Personal, which had ended on its end date, {ended}, to "
        f"(read) until {until}:"
    ), lee
    [row] = [s for s in await ana.json("shares") if s["member"] == "drlee"]
    assert (row["expired"], row["fields"]) == (False, None)
    told = said((await phone.ok("sync")).stderr)  # the other device, as before
    assert "drkim's share of Personal was renewed from one of your devices" in told, told
    assert "drlee's share of Personal was renewed from one of your devices" in told, told

    await ana.ok("share", "Personal", "drmay", "--full", "--trust-on-first-use")
    await ana.ok("unshare", "Personal", "drmay", "--yes")
    again = said((await ana.ok("share", "Personal", "drmay", "--full")).stderr)
    assert again.startswith("Shared Personal with drmay (read), with no end date:"), again


async def test_a_daylio_backup_saved_on_windows_is_imported_plain(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    saved = tmp_path / "daylio_export.csv"
    saved.write_bytes(
        b"\xef\xbb\xbffull_date,date,weekday,time,mood,activities,note_title,note\r\n"
        b'2026-11-03,November 3,Tuesday,9:15 PM,rad,friends,Great evening,"Ran 5 km.\r\n'
        b'Felt light.\rSlept well."\r\n'
    )
    imported = await laptop.ok("import", str(saved))
    assert imported.stdout.strip() == "Imported 1 entry into 1 journal (new: 'Daylio')."
    [entry] = await laptop.json("list", "--journal", "Daylio")
    assert (entry["title"], entry["mood"]) == ("Great evening", 10)
    assert entry["body"] == "Ran 5 km.\nFelt light.\nSlept well."


async def test_notices_of_an_ended_share_with_a_copy_quote_the_journal_every_time(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "My Notes")
    await ana.ok("share", "My Notes", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ana.ok("share", "My Notes", "drsmith", "--only", "mood", "--yes")  # narrowed
    unlisted = said((await drsmith.ok("sync")).stderr)
    assert "ana's 'My Notes' is no longer served to you" in unlisted, unlisted
    assert "or the server is withholding 'My Notes'. What you downloaded of 'My Notes' stays" in (
        unlisted
    )

    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "My Notes", "drlee", "--only", "mood", "--trust-on-first-use")
    await ana.ok("share", "My Notes", "drlee", "--full", "--until", tomorrow, "--yes")
    await ana.ok("share", "My Notes (mood) for drlee", "drlee", "--until", "never")  # stays
    await drlee.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ana.ok("sync")  # signs the end of drlee's whole share; the copy stays
    ended = said((await drlee.ok("sync")).stderr)
    assert "ana's share of 'My Notes' with you ended (its end date" in ended, ended
    assert "(`tj shared-with-me`). What you downloaded of 'My Notes' stays" in ended, ended
