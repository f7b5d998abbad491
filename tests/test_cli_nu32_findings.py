"""NU32 findings 10, 11 and 12 (a new user's walkthrough of the README), against a real server
on loopback with real crypto (see tests/test_cli.py for the set-up):

- #10: a mood check-in's emotion was shown nowhere in `tj list` (a blank "title or text");
- #11: a second `tj import` of a file said "imported 0 entries, 0 goals and 0 notes into 2
  journals; ..." and counted "therapist note(s)";
- #12: `tj journal rename` / `archive` said no "; synced." as `tj write` and `tj journal
  create` do, and `tj share-entry` echoed the prefix typed ("Shared entry e58e").
"""

from __future__ import annotations

from pathlib import Path

from cli.export import import_summary
from cli.output import shown
from client_sdk.portability import ImportReport
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_insights import new_device

WIDE: dict[str, str | None] = {"COLUMNS": "200"}  # one line per table row


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_a_mood_check_in_shows_its_emotions_in_tj_list_as_tj_show_heads_them(
    laptop: Device,  # noqa: F811
) -> None:
    """#10: the "title or text" of a check-in without text is its emotions, "emotions: calm",
    the words `tj show` heads them with; an entry with a title or text shows that."""
    mood_id = (await laptop.ok("mood", "6", "--emotion", "calm", "--emotion", "tired")).stdout
    await laptop.ok("write", "--title", "Walk", "--emotion", "calm", "By the river.")
    await laptop.ok("mood", "4", "--note", "Long day.", "--emotion", "anxious")
    await laptop.ok("mood", "5")  # a mood alone: "mood check-in" (NU46 #12: was blank)
    listed = (await laptop.ok("list", "--oldest-first", env=WIDE)).stdout
    assert column(listed, "title or text") == [
        "emotions: calm, tired",
        "Walk",
        "Long day.",
        "mood check-in",
    ]
    assert column(listed, "mood") == ["6/10", "", "4/10", "5/10"]
    shown = (await laptop.ok("show", mood_id.strip())).stdout
    assert "emotions: calm, tired" in one_line(shown)


async def test_a_second_import_says_nothing_new_was_imported(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """#11 end to end: two journals exported, imported twice into another account."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "One.")
    await ana.ok("write", "--journal", "Dreams", "Two.")
    [exported] = (await ana.json("export", "--out", str(tmp_path / "out")))["files"]
    bob = await new_device(live_server, tmp_path, "bob")
    first = " ".join((await bob.ok("import", exported)).stdout.split())
    assert first == (  # bob's own Personal is never written unless named
        "Imported 2 entries into 2 journals (new: 'Dreams' and 'Personal (imported)'); the "
        "file's 'Personal' went into a new journal, 'Personal (imported)': you have a journal "
        "named 'Personal' already, and an import writes into an existing journal only when "
        "you name it (`tj import FILE --journal NAME`, once 'Personal (imported)' is deleted: "
        "what a journal holds counts as already here)."
    )
    again = " ".join((await bob.ok("import", exported)).stdout.split())
    assert again == (
        "Nothing new to import: 2 entries already here (1 entry in 'Personal (imported)', 1 "
        "entry in 'Dreams')."
    )
    report = await bob.json("import", exported)
    assert (report["entries"], report["created_journals"]) == ({}, [])


def test_the_import_summary_words_each_count_in_the_singular_or_the_plural() -> None:
    """#11: "therapist note(s)", "shared journal(s)", "left out 2 in the trash", "A, B was
    archived"; and an import that added nothing says so first."""
    nothing = ImportReport(
        journals={"a": "b", "c": "d"},
        already_here={"entries": 5},
        skipped_notes=1,
        skipped_journals=["ben/Personal"],
        trash_expired=1,
    )
    assert import_summary(nothing) == (
        "Nothing new to import: 5 entries already here; skipped 1 shared journal: "
        "ben/Personal; left out 1 entry in the trash for 30 days or more; skipped 1 "
        "therapist note."
    )
    many = ImportReport(
        journals={"a": "b"},
        entries={"x": "y"},
        skipped_notes=2,
        skipped_journals=["ben/Personal", "ben/Work"],
        trash_expired=3,
        not_archived=["Night dreams", "Old"],
    )
    assert shown(import_summary(many)) == (  # its commands as printed (`shown`)
        "Imported 1 entry into 1 journal; skipped 2 shared journals: "
        "ben/Personal, ben/Work; left out 3 entries in the trash for 30 days or more; "
        "skipped 2 therapist notes; Night dreams and Old were archived when exported: archive "
        "them when online (`tj journal archive 'Night dreams'`, `tj journal archive Old`)."
    )
    one = ImportReport(journals={"a": "b"}, entries={"x": "y"}, not_archived=["Night dreams"])
    assert shown(import_summary(one, "dayone")).endswith(
        "; Night dreams was archived when exported: archive it when online "
        "(`tj journal archive 'Night dreams'`)."
    )
    # an empty journal created is something imported; a file with nothing, nothing to import
    created = ImportReport(journals={"a": "b"}, created_journals=["Dreams"])
    assert import_summary(created) == "Created 1 empty journal: Dreams."
    assert import_summary(ImportReport()) == (
        "Nothing to import: the file holds no entries, goals or notes."
    )
    assert (
        import_summary(ImportReport(), "daylio") == "Nothing to import: the file holds no entries."
    )


async def test_journal_rename_archive_and_unarchive_say_synced_as_create_does(
    laptop: Device,  # noqa: F811
) -> None:
    """#12: the same "; synced." as `tj journal create` and `tj write`; the archive names the
    command that takes it back with the journal's name."""
    created = await laptop.ok("journal", "create", "Dreams")
    assert created.stderr.strip() == "Created journal Dreams; synced."
    renamed = await laptop.ok("journal", "rename", "Dreams", "Night dreams")
    # both names quoted alike when one needs quotes (NU61 F8)
    assert renamed.stderr.strip() == "Renamed journal 'Dreams' to 'Night dreams'; synced."
    archived = await laptop.ok("journal", "archive", "Night dreams")
    assert one_line(archived.stderr) == (
        "Archived journal 'Night dreams'; synced. To write in it again: "
        "`tj journal unarchive 'Night dreams'`."
    )
    back = await laptop.ok("journal", "unarchive", "Night dreams")
    assert back.stderr.strip() == "Journal 'Night dreams' is out of the archive; synced."


async def test_share_entry_names_the_entry_by_its_id_not_the_prefix_typed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """#12: "Shared entry e58e with drsmith" echoed the prefix; the id is shown as `tj write`
    and `tj edit` show it (12 hex digits)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    entry_id = (await ana.ok("write", "Worth talking about.")).stdout.strip()
    shared = await ana.ok(
        "share-entry", entry_id[:4], "drsmith", "--fingerprint", drsmith.signup["fingerprint"]
    )
    said = one_line(shared.stderr)
    assert said.startswith(f"Shared entry {entry_id[:12]} with drsmith, in the journal "), said
    assert f"Shared entry {entry_id[:4]} " not in said
