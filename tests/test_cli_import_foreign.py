"""`tj import` of Day One's JSON export and Daylio's CSV backup (sample files written after
their documented formats, tests/fixtures/foreign) into a real account on a loopback server."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401  (fixtures)
from tests.test_cli_insights import new_device

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "foreign"
DAYONE = str(FIXTURES / "dayone-journal.json")
DAYLIO = str(FIXTURES / "daylio-export.csv")


async def test_a_day_one_export_is_imported_once_and_reaches_the_other_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    imported = await laptop.ok("import", DAYONE)
    assert imported.stdout.strip() == "Imported 2 entries into 1 journal (new: 'Day One')."
    saturday, night = await laptop.json("list", "--journal", "Day One", "--oldest-first")
    assert (saturday["title"], saturday["tags"], saturday["utc_offset"]) == (
        "A long Saturday",
        ["sleep", "work"],
        60,
    )
    assert night["body"] == "Couldn't sleep. Wrote this at 11 pm."
    again = await laptop.ok("import", DAYONE, "--from", "dayone")
    assert again.stdout.strip() == (  # NU32 #11
        "Nothing new to import: 2 entries already here (in 'Day One')."
    )
    await phone.ok("sync")
    assert len(await phone.json("list", "--journal", "Day One")) == 2


async def test_a_daylio_backup_needs_a_number_for_a_custom_mood_then_imports(
    laptop: Device,  # noqa: F811
) -> None:
    refused = failed_with_one_line(await laptop.tj("import", DAYLIO))
    assert "the mood 'tired'" in refused and "pass it as --mood LABEL=N" in refused
    assert "Daylio" not in {j["name"] for j in await laptop.json("journal", "list")}
    await laptop.ok("import", DAYLIO, "--mood", "tired=4", "--journal", "Moods")
    found = await laptop.json("list", "--journal", "Moods", "--oldest-first")
    assert [(e["mood"], e["tags"]) for e in found] == [
        (4, []),
        (6, ["work"]),
        (10, ["friends", "sport"]),
    ]
    assert found[2]["title"] == "Great evening"
    assert "LABEL=N" in (await laptop.tj("import", DAYLIO, "--mood", "tired")).output


async def test_day_ones_zip_export_is_read_and_photo_placeholders_are_left_out(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    data = json.loads(Path(DAYONE).read_text())
    data["entries"][0]["text"] += "\n\n![](dayone-moment://ABCDEF0123)\n"
    archive = tmp_path / "Export-Day One.zip"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("Journal.json", json.dumps(data))
        written.writestr("photos/abcdef.jpeg", b"\xff\xd8 not really a photo")
    imported = await laptop.ok("import", str(archive))
    assert imported.stdout.strip() == "Imported 2 entries into 1 journal (new: 'Day One')."
    bodies = [e["body"] for e in await laptop.json("list", "--journal", "Day One")]
    assert not any("dayone-moment" in body for body in bodies)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as written:
        written.writestr("photos/x.jpeg", b"")
    assert "unzip it" in failed_with_one_line(await laptop.tj("import", str(empty)))


async def test_an_interrupted_import_says_what_was_kept_and_how_to_finish(
    laptop: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.export.import_file", interrupted)
    said = failed_with_one_line(await laptop.tj("import", DAYONE, "--journal", "Diary"))
    assert "interrupted: what was imported so far is kept" in said
    assert "run the same command again to finish (nothing is imported twice)" in said
    # no --journal: it went into a journal of its own, which the same command passes over
    said = failed_with_one_line(await laptop.tj("import", DAYONE))
    assert "Run the same command again and the rest goes into another new journal" in said
    assert f"`tj import {DAYONE} --journal NAME` (nothing is imported twice)" in said


async def test_a_file_of_no_known_app_is_refused_saying_what_import_reads(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU18 C9: JSON that is no known export is not taken for Day One's (no empty journal),
    and a file that is not JSON gets one plain line, not the JSON parser's message."""
    journals = await laptop.json("journal", "list")
    readable = (
        "tj import reads a Therapy Journal export (from `tj export`), a Day One JSON export "
        "(Journal.json, or its .zip) and a Daylio CSV backup (.csv); --from names the app"
    )
    for name, content in [
        ("entries.json", '{"entries": []}'),
        ("hello.json", '{"hello": 1}'),
        ("list.json", "[1, 2]"),
        ("other.json", '{"format": "some-other-app", "entries": []}'),
    ]:
        path = tmp_path / name
        path.write_text(content)
        refused = failed_with_one_line(await laptop.tj("import", str(path)))
        assert refused == f"Error: {path} is not an export tj knows; {readable}"
    text = tmp_path / "notes.txt"
    text.write_text("Dear diary,\nnot JSON at all.\n")
    refused = failed_with_one_line(await laptop.tj("import", str(text)))
    assert refused == f"Error: {text} is not JSON; {readable}"
    assert "Expecting value" not in refused
    assert await laptop.json("journal", "list") == journals  # no empty "Day One" journal
    assert await laptop.json("list") == []


async def test_a_zip_is_read_by_what_its_json_holds_not_taken_for_day_ones(
    laptop: Device,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """A zipped `tj export` is imported as ours (before, any .zip was read as Day One's and
    refused as "not a Day One JSON export"); a zip of JSON no app wrote is refused plainly."""
    bob = await new_device(live_server, tmp_path, "bob")
    await bob.ok("write", "Zipped and carried over.")
    exported = Path((await bob.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr(exported.name, exported.read_text())
    imported = await laptop.ok("import", str(archive))
    assert imported.stdout.strip().startswith("Imported 1 entry into 1 journal"), imported
    assert "Zipped and carried over." in [e["body"] for e in await laptop.json("list")]
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as written:
        written.writestr("data.json", '{"hello": 1}')
    refused = failed_with_one_line(await laptop.tj("import", str(other)))
    assert refused.startswith(f"Error: {other} is not an export tj knows; "), refused


async def test_import_syncs_first_so_what_another_device_wrote_is_already_here(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The phone's export imported on the laptop, which has not synced since the phone wrote:
    the import syncs first, so the phone's entry is recognised, not copied a second time."""
    await phone.ok("write", "Written on the phone.")
    exported = Path((await phone.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    said = await laptop.ok("import", str(exported))
    assert said.stdout.strip() == (  # NU32 #11
        "Nothing new to import: 1 entry already here (in 'Personal')."
    )
    assert [e["body"] for e in await laptop.json("list")] == ["Written on the phone."]
    await phone.ok("sync")
    assert [e["body"] for e in await phone.json("list")] == ["Written on the phone."]


async def test_a_day_one_file_goes_into_a_new_journal_unless_one_is_named(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The rule of a tj export: "Day One" exists (shared with drjones), so the file goes into
    a new "Day One (imported)" that no one else reads; a second import adds nothing; named
    with --journal, the existing journal receives it."""
    drjones = await new_device(live_server, tmp_path, "drjones")
    await laptop.ok("journal", "create", "Day One")
    await laptop.ok(
        "share", "Day One", "drjones", "--full", "--role", "read",
        "--fingerprint", drjones.signup["fingerprint"],
    )  # fmt: skip
    report = await laptop.json("import", DAYONE, "--from", "dayone")
    assert report["created_journals"] == ["Day One (imported)"], report
    assert report["imported_as"] == {"Day One": "Day One (imported)"}
    assert len(report["entries"]) == 2
    await drjones.ok("sync")
    assert await drjones.json("list", "--journal", "ana/Day One") == []
    assert len(await laptop.json("list", "--journal", "Day One (imported)")) == 2
    again = await laptop.json("import", DAYONE, "--from", "dayone")
    assert again["created_journals"] == [] and again["entries"] == {}, again
    assert again["held_in"] == {"Day One (imported)": {"entries": 2}}
    await laptop.ok("journal", "delete", "Day One (imported)", "--yes")
    named = await laptop.json("import", DAYONE, "--from", "dayone", "--journal", "Day One")
    assert named["created_journals"] == [] and len(named["entries"]) == 2, named
    await drjones.ok("sync")
    assert len(await drjones.json("list", "--journal", "ana/Day One")) == 2
