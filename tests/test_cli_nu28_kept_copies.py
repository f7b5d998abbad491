"""NU28 findings on what a share leaves behind (real server on loopback, CliRunner):

- C2: after `tj unshare`, the field-level copy ("Personal (mood, tags) for drsmith") stayed,
  with no word of it; `tj shares` said "You share nothing", `tj journal list` still called
  it "a copy kept for sharing", and the therapist's caseload kept flagging its end after
  the whole journal was shared again;
- C7: `tj shares` said "ended by 2026-12-02 15:21: the server says they left ..." in the
  expires column;
- C8: `tj journal list` cut ids with "…" at 80 columns; `tj list` called an untitled
  entry's first line of text its "title"."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from cli.output import journal_ids
from client_sdk.models import Journal
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

COPY = "Personal (mood, tags) for drsmith"
TOFU = "--trust-on-first-use"
WIDE = {"COLUMNS": "250"}


def said(text: str) -> str:
    return " ".join(text.split())  # a message wraps on a narrow terminal


async def test_unshare_says_the_copy_stays_why_and_how_to_delete_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "4", "--tag", "sleep", "Private words.")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--role", "annotate", TOFU)
    await ana.ok("write", "--mood", "6", "--tag", "work", "Later words.")
    await drsmith.ok("sync")
    await drsmith.ok("note", f"ana/{COPY}", "How did you sleep?")
    shown = await ana.ok("journal", "list", env=WIDE)
    listed = said(shown.stdout)
    assert "owner, a copy kept for drsmith" in listed and "`" not in listed, listed
    assert shown.stderr == "What a journal kept for a member holds, and for whom: `tj shares`.\n"

    done = await ana.ok("unshare", "Personal", "drsmith", "--yes")

    assert said(done.stderr).endswith(
        f"'{COPY}' stays on your devices, shared with nobody: it holds 1 entry, 1 note (the "
        "mood and tags of Personal, for drsmith). It is kept, not deleted with the share, so "
        "that `tj share Personal drsmith --only mood,tags` takes it up again (asking first, "
        "since drsmith would get what it holds), and so that the 1 note written there stays "
        "with you. To delete it for good (your originals in Personal stay): `tj journal "
        f"delete '{COPY}'`."
    ), done.stderr
    shares = await ana.ok("shares", env=WIDE)
    assert await ana.json("shares") == []
    lines = shares.stderr.splitlines()
    assert lines[0] == "You share nothing now: see `tj share --help`.", shares.stderr
    assert re.fullmatch(
        rf"Share ended, copy kept: '{re.escape(COPY)}' \(the mood and tags of Personal, for "
        r"drsmith; ended from one of your devices \d{4}-\d\d-\d\d \d\d:\d\d; holds 1 entry, 1 "
        r"note\): shared with nobody now; to delete it for good: `tj journal delete "
        rf"'{re.escape(COPY)}'`",
        said(" ".join(lines[1:])),
    ), shares.stderr
    shown = await ana.ok("journal", "list", env=WIDE)
    listed = said(shown.stdout)
    assert "owner, a copy kept for drsmith, share ended" in listed, listed
    assert "`tj shares`" in shown.stderr and "`" not in listed, shown.output

    await ana.ok("journal", "delete", COPY, "--yes")  # what it said to run
    assert COPY not in [j["name"] for j in await ana.json("journal", "list")]
    assert (await ana.ok("shares")).stderr == "You share nothing: see `tj share --help`.\n"
    assert [n["text"] for n in await ana.json("notes")] == []  # it went with the copy


async def test_unsharing_the_single_items_says_that_journal_stays_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    written = (await ana.ok("write", "--mood", "5", "One item.")).stdout.strip()
    await ana.ok("share-entry", written[:8], "drsmith", TOFU)

    done = await ana.ok("unshare", "Shared with drsmith", "drsmith", "--yes")

    assert said(done.stderr).endswith(
        "'Shared with drsmith' stays on your devices, shared with nobody: it holds 1 entry "
        "(entries and results shared one by one with drsmith). It is kept, not deleted with "
        "the share, so that sharing items with drsmith again (`tj share-entry`) takes it up "
        "again (asking first, since drsmith would get what it holds). To delete it for good "
        "(your originals stay where you wrote them): `tj journal delete 'Shared with drsmith'`."
    ), done.stderr
    shown = await ana.ok("journal", "list", env=WIDE)
    listed = said(shown.stdout)
    assert "single items you shared with drsmith, share ended" in listed, listed
    assert "`tj shares`" in shown.stderr and "`" not in listed, shown.output
    below = said((await ana.ok("shares", env=WIDE)).stderr)
    assert "Share ended, copy kept: 'Shared with drsmith' (entries and results shared" in below


async def test_the_caseload_drops_an_ended_copy_while_the_whole_journal_is_shared_again(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "4", "--tag", "sleep", "Private words.")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--mood", "5", "--tag", "sleep", "Copied words.")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate")
    await drsmith.ok("sync")

    [row] = await drsmith.json("caseload")
    assert not [
        f
        for f in row["flags"]
        if "share ended" in f or f.startswith(("ended: ", "no longer served: "))
    ], row
    assert not row["share_ended"]
    shown = said((await drsmith.ok("caseload", env=WIDE)).stdout)
    assert (
        "share ended" not in shown and "ended: " not in shown and "no longer served" not in shown
    ), shown


async def test_shares_says_when_a_member_left_in_few_words_and_explains_below(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")
    await ana.ok("sync")
    [row] = await ana.json("shares")
    when = datetime.fromisoformat(row["dropped_at"]).astimezone().strftime("%Y-%m-%d %H:%M")

    shown = await ana.ok("shares", env=WIDE)
    [line] = [x for x in shown.stdout.splitlines() if "drsmith" in x]
    assert f"ended {when} (they left; the server's word)" in line, shown.stdout
    assert "ended by" not in shown.stdout and "account was deleted" not in shown.stdout
    assert said(shown.stderr) == (
        "(they left; the server's word): the server said the member left the share, or that "
        "their account was deleted; they did not sign it. Your device removed them from the "
        "journal's access on that word and changed its key (a server can only end a share "
        "this way, never extend one)."
    ), shown.stderr


async def test_journal_list_never_cuts_an_id_and_the_id_shown_names_the_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--mood", "5", "Copied.")
    journals = {j["name"]: j["id"] for j in await ana.json("journal", "list")}
    assert set(journals) == {"Personal", COPY}

    shown = (await ana.ok("journal", "list", env={"COLUMNS": "80"})).stdout
    assert "…" not in shown, shown
    laid_out = shown.replace("`BARE tj", "`tj")  # as laid out (`seen` marks a bare `tj`)
    assert max(len(line) for line in laid_out.splitlines()) <= 80, shown
    for name, full in journals.items():
        words = [w for line in shown.splitlines() for w in line.split()]
        [prefix] = [w for w in words if re.fullmatch("[0-9a-f]{6,}", w) and full.startswith(w)]
        assert len(prefix) >= 12, shown
        listed = await ana.json("list", "--journal", prefix)  # what a user copies works
        assert {e["journal"] for e in listed} == {name}


async def test_list_calls_the_column_title_or_text(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Phone entry: work stress.")
    shown = (await ana.ok("list", env=WIDE)).stdout
    [header] = [line for line in shown.splitlines() if line.strip().startswith("id")]
    # one journal listed: no journal column (NU48 #8)
    assert header.split() == ["id", "date", "title", "or", "text", "mood", "tags"]
    assert "Phone entry: work stress." in shown


def test_journal_ids_grow_past_12_digits_only_where_two_start_alike() -> None:
    alike = ["0123456789abcdef" + "0" * 16, "0123456789abcdff" + "1" * 16, "f" * 32]
    shown = journal_ids([Journal(i, f"J{n}", "owner", "00") for n, i in enumerate(alike)])
    assert shown == {
        alike[0]: "0123456789abcde",
        alike[1]: "0123456789abcdf",
        alike[2]: "f" * 12,
    }
