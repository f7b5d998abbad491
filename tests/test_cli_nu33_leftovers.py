"""Leftovers of the NU32/NU33 walkthroughs, against a real server on loopback with real
crypto (see tests/test_cli.py for the set-up):

- NU33 #11: on 80 columns, a `tj caseload` flag such as "safety flag (1 unacknowledged, 1
  raised before this share: ...)" wrapped onto 13 lines of its narrow column;
- NU33 #1's leftovers: text given as an argument (TEXT, --body, --append, a safety plan's
  --text) and a Day One export kept a byte order mark and CRLF where stdin, drafts and
  $EDITOR no longer do;
- a short id matching an entry and another kind of document said "matches several entries";
- `tj trash` showed a blank cell for a mood check-in without text;
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from client_sdk import keys
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401  (a fixture)
from tests.test_cli_import_foreign import FIXTURES
from tests.test_cli_role_flags import flags_for_drsmith

NARROW: dict[str, str | None] = {"COLUMNS": "80"}


async def test_caseload_flags_fit_80_columns_with_each_whole_flag_below_the_table(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU33 #11: the table says each flag in a few words ("safety flag (1)", "PHQ-9 item 9
    above 0") and fits 80 columns, ana's row on a line a flag at most; each flag it shortened is
    said whole below, on its own lines of at most 80 columns, the later ones indented under
    the first's words ("ana: safety flag (1 unacknowledged; ...)"; NU47 #14)."""
    ana, drsmith = await flags_for_drsmith(live_server, tmp_path)
    await ana.ok("measure", "take", "phq9", "--answers", "3,3,3,3,3,3,3,3,2")
    await ana.ok("share", "Personal", "drsmith", "--role", "read", "--yes")
    await drsmith.ok("sync")
    [row] = await drsmith.json("caseload")
    long_flag = "safety flag (1 unacknowledged; you only read this journal now and cannot mark"
    assert row["flags"][0].startswith(long_flag), row["flags"]
    [item_9] = [f for f in row["flags"] if "item 9" in f]

    shown = (await drsmith.ok("caseload", env=NARROW)).stdout
    table, _, below = shown.partition("\n\n")
    lines = table.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, shown
    assert len(lines) <= 2 + len(row["flags"]), shown  # header, rule: a line a flag at most
    [flags] = column(table, "flags")
    assert flags.startswith("safety flag (1); PHQ-9 item 9 above 0"), flags
    assert max(cell_len(line) for line in below.splitlines()) <= 80, below
    said = re.sub(r"\n {5}(?=\S)", " ", below).splitlines()  # "ana: " lines rejoined
    assert f"ana: {row['flags'][0]}" in said
    assert "you only read this journal" not in table
    whole = item_9 == "PHQ-9 item 9 answered above 0"  # the latest answer: said whole above
    assert (f"ana: {item_9}" in said) is not whole


async def test_text_given_as_an_argument_is_stored_plain(laptop: Device) -> None:  # noqa: F811
    """Text pasted from a Windows file into an argument (`tj write "$(cat notes.txt)"`):
    TEXT, `--body` and `--append` (and a safety plan's `--text`) drop one leading byte order
    mark and read CRLF and a lone CR as a line break, as stdin, drafts and $EDITOR do."""
    entry_id = (await laptop.ok("write", "\ufeffFirst\r\nsecond\rthird")).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == "First\nsecond\nthird"
    await laptop.ok("edit", entry_id, "--body", "\ufeffNew\r\nbody")
    assert (await laptop.json("show", entry_id))["body"] == "New\nbody"
    await laptop.ok("edit", entry_id, "--append", "\r\nMore\r\nlines")
    assert (await laptop.json("show", entry_id))["body"] == "New\nbody\nMore\nlines"
    await laptop.ok("safety", "plan", "--text", "\ufeff1. Call Sam.\r\n2. Walk.")
    shown = (await laptop.ok("safety", "plan")).stdout
    assert "1. Call Sam.\n" in shown and "\ufeff" not in shown and "\\x0d" not in shown


async def test_a_day_one_export_saved_on_windows_is_imported_plain(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A Day One export saved with a byte order mark (refused before: "is not JSON") whose
    texts hold CRLF ("# Title\\r\\n\\r\\nLine"): imported with its title and plain text."""
    data = json.loads((FIXTURES / "dayone-journal.json").read_text(encoding="utf-8"))
    for entry in data["entries"]:
        entry["text"] = "\ufeff" + entry["text"].replace("\n", "\r\n")
    saved = tmp_path / "Journal.json"
    saved.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).replace("\n", "\r\n").encode())
    imported = await laptop.ok("import", str(saved))
    assert imported.stdout.strip() == "Imported 2 entries into 1 journal (new: 'Day One')."
    saturday, night = await laptop.json("list", "--journal", "Day One", "--oldest-first")
    assert saturday["title"] == "A long Saturday"
    assert saturday["body"] == "Slept until nine, then the walk by the river in Zürich."
    assert night["body"] == "Couldn't sleep. Wrote this at 11 pm."


@pytest.fixture
def ids_starting_abcd(monkeypatch: pytest.MonkeyPatch) -> None:
    """New document ids start "abcd" (their nonce's first two bytes; the rest random and
    the creator's tag computed as always): two documents written one after the other then
    share a 4-digit prefix, which otherwise happens once in 65,536 pairs."""
    real = keys.new_doc_id

    def prefixed(creator: bytes) -> bytes:
        nonce = b"\xab\xcd" + real(creator)[2 : keys.DOC_ID_NONCE_BYTES]
        return nonce + keys._document_tag(creator, nonce)

    monkeypatch.setattr(keys, "new_doc_id", prefixed)


async def test_a_prefix_of_an_entry_and_another_document_says_what_it_matches(
    laptop: Device,  # noqa: F811
    ids_starting_abcd: None,
) -> None:
    """A short id that starts an entry's id and a goal's said "matches several entries";
    it now says what it matches, and a longer prefix names the entry."""
    entry_id = (await laptop.ok("write", "A day.")).stdout.strip()
    goal_id = (await laptop.ok("goal", "add", "Walk")).stdout.strip()
    assert entry_id[:4] == goal_id[:4] == "abcd"
    said = failed_with_one_line(await laptop.tj("show", "abcd"))
    assert said == "Error: abcd matches an entry and a goal: give more of the id"
    await laptop.ok("write", "Another day.")
    said = failed_with_one_line(await laptop.tj("edit", "abcd", "--mood", "3"))
    assert said == "Error: abcd matches 2 entries and a goal: give more of the id"
    assert (await laptop.json("show", entry_id[:12]))["body"] == "A day."


async def test_the_trash_says_what_a_mood_check_in_without_text_holds(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj trash` showed a blank "title or text" cell for a mood check-in (`tj mood 6`): it
    has no mood column. It now says "mood check-in: 6/10, calm"."""
    calm = (await laptop.ok("mood", "6", "--emotion", "calm")).stdout.strip()
    low = (await laptop.ok("mood", "3")).stdout.strip()
    for entry_id in (calm, low):
        await laptop.ok("delete", entry_id, "--yes")
    shown = (await laptop.ok("trash", env={"COLUMNS": "200"})).stdout
    rows = {line.split()[0]: line for line in shown.splitlines() if calm[:12] in line}
    rows |= {line.split()[0]: line for line in shown.splitlines() if low[:12] in line}
    assert set(rows) == {calm[:12], low[:12]}, shown  # one line each, 200 columns wide
    assert column(shown, "title or text") == ["mood check-in: 3/10", "mood check-in: 6/10, calm"]
