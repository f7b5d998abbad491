"""nu79's everyday findings: `tj journal default` with --yes, toward a journal someone reads,
said nothing of them, though the move away from one says its note all the same (F5); its
`--json` did not say whether anything changed (F6); README did not say that a journal named by
its whole id gets no "Note: ... read by" line (F8). Real server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
README = Path(__file__).resolve().parent.parent / "README.md"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_journal_default_yes_says_who_reads_the_new_default(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: ana's default, Personal, is read by no one; Work is shared with drsmith. Without
    --yes `tj journal default Work` says drsmith reads it and asks; with --yes it said only
    "now Work". Now --yes says the same note, not asked, and `--json` names drsmith in
    "readers_now"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drsmith", "--full", "--role", "annotate", "--safety-flags", TOFU)
    asked = await ana.tj("journal", "default", "Work")  # no answer: nothing done
    assert asked.exit_code != 0
    said = flat(asked.stderr)
    note = said[said.index("Note: ") : said.index("reads them.") + len("reads them.")]
    assert "drsmith" in note and "questionnaire results" in note, asked.stderr

    done = await ana.ok("journal", "default", "Work", "--yes")
    told = flat(done.stderr)
    assert note in told, done.stderr  # the same facts, said
    assert "?" not in told  # not asked
    assert "Your default journal on this device is now Work." in told

    await ana.ok("journal", "default", "Personal", "--yes")
    shown = await ana.json("journal", "default", "Work", "--yes")
    assert shown["name"] == "Work" and shown["changed"] is True
    assert [r["username"] for r in shown["readers_now"]] == ["drsmith"]
    # --even-if-shared, kept for scripts, says it too
    await ana.ok("journal", "default", "Personal", "--yes")
    kept = await ana.ok("journal", "default", "Work", "--even-if-shared")
    assert note in flat(kept.stderr), kept.stderr
    # the default already: nothing to say of readers, nothing changed
    again = await ana.json("journal", "default", "Work", "--yes")
    assert again["changed"] is False and "readers_now" not in again, again


async def test_journal_default_json_says_whether_anything_changed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: `tj journal default Personal --json` when Personal is the default already gave the
    same object as a real change. Now "changed" is false then, true after a real change; a
    show (no JOURNAL) has no "changed"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Notes")
    already = await ana.json("journal", "default", "Personal")
    assert already["name"] == "Personal" and already["changed"] is False, already
    moved = await ana.json("journal", "default", "Notes")
    assert moved["name"] == "Notes" and moved["changed"] is True, moved
    shown = await ana.json("journal", "default")
    assert shown["name"] == "Notes" and "changed" not in shown, shown


async def test_a_journal_named_by_its_whole_id_gets_no_reader_note_as_readme_says(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: named by its id's start, a journal drsmith reads is named before `tj write` saves
    there; named by its whole id it is not (a whole id names one journal only): README says
    so."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drsmith", "--role", "annotate", TOFU)
    [work] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Work"]
    started = flat((await ana.ok("write", "--journal", work[:12], "12 digits")).stderr)
    assert f"Note: '{work[:12]}' is the journal 'Work' (id {work[:8]}), read by drsmith." in (
        started
    ), started
    whole = flat((await ana.ok("write", "--journal", work, "whole id")).stderr)
    assert "Note:" not in whole and "saved" in whole, whole
    readme = flat(README.read_text(encoding="utf-8").replace("#", " "))
    assert "(named by its whole id, 32 digits, it gets no such line" in readme
