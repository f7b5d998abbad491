"""Your data is yours: export everything, import it into another account without losing a
field or a timestamp, and read it as Markdown. Real server on loopback, real crypto."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from client_sdk import TRASH_DAYS, Client, InvalidInput, keys
from tests.conftest import ClientFactory


async def fill(ana: Client, signup: ClientFactory) -> None:
    """Two journals, entries with every field, an edit, a deletion, an entry in the trash,
    goals with check-ins, a note, and a journal someone else shares with ana."""
    await ana.journals.create("Dreams")
    first = await ana.entries.write(
        "Personal",
        'Slept badly.\nSecond line: "quoted" & <b>.',
        title="Monday: rough",
        mood=3,
        tags=["sleep", "work"],
        emotions=["anxious", "sad"],
    )
    await ana.entries.edit(first.id, mood=5, append=" Better by noon.")
    await ana.entries.write("Personal", "Answering a prompt.", prompt_id="trust-01", mood=7)
    await ana.entries.write("Dreams", "Flying over the sea.", emotions=["hopeful"])
    gone = await ana.entries.write("Personal", "Never mind.")
    await ana.entries.delete(gone.id)
    await ana.entries.empty_trash()  # deleted for good
    trashed = await ana.entries.write("Personal", "Put away for now.", mood=2)
    await ana.entries.delete(trashed.id)  # in the trash
    goal = await ana.goals.add(
        "Attend sessions", why="To keep going.", target=date(2025, 12, 31), measure="6 sessions"
    )
    await ana.goals.checkin(goal.id, note="first one")
    await ana.goals.checkin(goal.id, progress=2, note="double week")
    done = await ana.goals.add("Walk daily", journal="Dreams", measure="percent")
    await ana.goals.checkin(done.id, progress=100)
    await ana.goals.complete(done.id)
    await ana.goals.add("Open goal")
    await ana.notes.add("Personal", "Remember to breathe.")
    ben = await signup("ben")
    await ben.entries.write("Personal", "Ben's entry, shared with ana.")
    await ben.shares.grant("Personal", "ana", trust_on_first_use=True, full=True)
    await ben.sync()
    await ana.sync()


def without_ids(export: dict[str, Any], *, owned_only: bool = False) -> dict[str, Any]:
    """An export with ids, owner names and export metadata taken out, for comparison."""
    journals = [j for j in export["journals"] if not owned_only or j["role"] == "owner"]
    names = {j["id"]: j["name"] for j in journals}

    def strip(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k not in ("id", "journal_id", "author")}

    def kept(kind: str) -> list[dict[str, Any]]:
        items = [strip(i) for i in export[kind] if i["journal_id"] in names]
        return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))

    return {
        "journals": sorted(names.values()),
        "entries": kept("entries"),
        "goals": kept("goals"),
        "notes": kept("notes"),
    }


async def test_exporting_then_importing_into_another_account_loses_nothing_but_ids(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await fill(ana, signup)
    exported = json.loads(json.dumps(await ana.archive.export_json()))  # as through a file
    assert exported["format"] == "therapy-journal-export" and exported["account"] == "ana"
    assert {j["name"] for j in exported["journals"]} == {"Personal", "Dreams", "ben/Personal"}
    # the deleted entry is gone; the trashed one and ben's are included
    assert len(exported["entries"]) == 5
    assert "Never mind." not in json.dumps(exported)
    [in_trash] = await ana.entries.trash()
    [marked] = [e for e in exported["entries"] if e["trashed_at"] is not None]
    assert marked["body"] == "Put away for now." and marked["id"] == in_trash.id
    assert in_trash.trashed_at is not None
    assert datetime.fromisoformat(marked["trashed_at"]) == in_trash.trashed_at
    assert marked["trashed_at"].endswith("+00:00")  # UTC, to the millisecond

    bob = await signup("bob")
    report = await bob.archive.import_json(exported)
    assert report.skipped_journals == ["ben/Personal"]
    # bob's own "Personal" (made at signup) is never written unless named: a new journal is
    assert sorted(report.created_journals) == ["Dreams", "Personal (imported)"], report
    assert len(report.entries) == 4 and len(report.goals) == 3 and len(report.notes) == 1
    assert report.trashed == 1
    # back in the trash, not among the live entries
    assert "Put away for now." not in [e.body for e in await bob.entries.list()]
    [bobs_trash] = await bob.entries.trash()
    assert (bobs_trash.body, bobs_trash.trashed_at) == ("Put away for now.", in_trash.trashed_at)
    assert set(report.entries) <= {e["id"] for e in exported["entries"]}
    new_ids = [*report.entries.values(), *report.goals.values(), *report.notes.values()]
    assert len(new_ids) == 8
    assert all(keys.created_by(bytes.fromhex(i), bob.profile.account_id) for i in new_ids)
    await bob.sync()

    again = await bob.archive.export_json(journals=list(report.journals.values()))
    named_back = json.loads(json.dumps(again).replace('"Personal (imported)"', '"Personal"'))
    assert without_ids(named_back) == without_ids(exported, owned_only=True)
    old_to_new = report.entries
    by_id = {e["id"]: e for e in again["entries"]}
    for old in exported["entries"]:
        if old["id"] in old_to_new:
            new = by_id[old_to_new[old["id"]]]
            assert (new["created_at"], new["updated_at"]) == (old["created_at"], old["updated_at"])

    bobs_phone = await login("bob")  # the import reached the server, not just this device
    await bobs_phone.sync()
    on_phone = await bobs_phone.archive.export_json(journals=list(report.journals.values()))
    assert without_ids(on_phone) == without_ids(again)


async def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Only once.", mood=4)
    await ana.entries.delete((await ana.entries.write("Personal", "Trashed once.")).id)
    await ana.goals.add("Only one goal")
    exported = await ana.archive.export_json()
    bob = await signup("bob")
    await bob.archive.import_json(exported)
    report = await bob.archive.import_json(exported)
    assert (report.entries, report.goals, report.duplicates) == ({}, {}, 3)
    assert report.already_here == {"entries": 2, "goals": 1}
    assert [e.body for e in await bob.entries.list()] == ["Only once."]
    assert [e.body for e in await bob.entries.trash()] == ["Trashed once."]


async def test_a_malformed_file_is_refused_before_anything_is_imported(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Fine entry.", mood=4)
    exported = await ana.archive.export_json()
    exported["entries"][0]["mood"] = 11
    bob = await signup("bob")
    with pytest.raises(InvalidInput, match=r"entries\[0\].*mood"):
        await bob.archive.import_json(exported)
    with pytest.raises(InvalidInput, match="not a Therapy Journal export"):
        await bob.archive.import_json({"format": "something else"})
    assert await bob.entries.list() == []
    assert [j.name for j in await bob.journals.list()] == ["Personal"]


async def test_markdown_export_writes_one_private_file_per_entry_with_front_matter(
    signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    await fill(ana, signup)
    out = tmp_path / "export"
    written = await ana.archive.export_markdown(out)
    entries = sorted(p for p in written if p.name not in ("goals.md", "notes.md"))
    assert len(entries) == 5
    assert {p.relative_to(out).parent.as_posix() for p in entries} == {
        "personal", "dreams", "ben/personal", "personal/trash",
    }  # fmt: skip
    [trashed] = [p for p in entries if p.parent.name == "trash"]
    assert trashed.parent.parent.name == "personal"
    assert "trashed_at: " in trashed.read_text(encoding="utf-8")
    assert "Put away for now." in trashed.read_text(encoding="utf-8")
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    [rough] = [p for p in entries if "monday-rough" in p.name]
    text = rough.read_text(encoding="utf-8")
    front, body = text.split("\n---\n\n", 1)
    lines = dict(line.split(": ", 1) for line in front.removeprefix("---\n").splitlines())
    assert set(lines) == {
        "id", "journal", "journal_id", "title", "mood", "tags", "emotions", "created_at",
        "updated_at",
    }  # fmt: skip
    assert lines["title"] == '"Monday: rough"' and lines["mood"] == "5"
    assert lines["tags"] == '["sleep", "work"]' and lines["emotions"] == '["anxious", "sad"]'
    assert body == 'Slept badly.\nSecond line: "quoted" & <b>. Better by noon.\n'
    goals = (out / "personal" / "goals.md").read_text(encoding="utf-8")
    assert "Attend sessions (overdue 2025-12-31)" in goals and "double week" in goals  # NU42 #10


async def test_an_entry_in_the_trash_for_30_days_by_now_is_not_imported(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.delete((await ana.entries.write("Personal", "Old trash.")).id)
    await ana.entries.delete((await ana.entries.write("Personal", "Fresh trash.")).id)
    exported = await ana.archive.export_json()
    old = next(e for e in exported["entries"] if e["body"] == "Old trash.")
    old["trashed_at"] = (datetime.now(UTC) - timedelta(days=TRASH_DAYS)).isoformat()
    bob = await signup("bob")
    report = await bob.archive.import_json(exported)
    assert (report.trashed, report.trash_expired, len(report.entries)) == (1, 1, 1)
    assert [e.body for e in await bob.entries.trash()] == ["Fresh trash."]
    assert await bob.entries.list() == []


async def test_an_archived_journal_is_archived_again_after_its_content_is_imported(
    signup: ClientFactory,
) -> None:
    """NU14 finding 12: the archived state was neither exported nor restored."""
    ana = await signup("ana")
    await ana.journals.create("Night dreams")
    await ana.entries.write("Night dreams", "The lighthouse again.")
    await ana.journals.archive("Night dreams")
    exported = await ana.archive.export_json()
    [dreams] = [j for j in exported["journals"] if j["name"] == "Night dreams"]
    assert dreams["archived"] is True
    bob = await signup("bob")
    report = await bob.archive.import_json(exported)
    assert (report.archived, report.not_archived) == (["Night dreams"], [])
    [restored] = [j for j in await bob.journals.list() if j.name == "Night dreams"]
    assert restored.archived
    assert [e.body for e in await bob.entries.list("Night dreams")] == ["The lighthouse again."]
    old_file = json.loads(json.dumps(exported))
    for journal in old_file["journals"]:
        del journal["archived"]  # an export made before the field existed
    carol = await signup("carol")
    assert (await carol.archive.import_json(old_file)).archived == []
