"""Your data is yours: export everything, import it into another account without losing a
field or a timestamp, and read it as Markdown. Real server on loopback, real crypto."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, InvalidInput
from tests.conftest import ClientFactory


async def fill(ana: Client, signup: ClientFactory) -> None:
    """Two journals, entries with every field, an edit, a deletion, goals with check-ins, a
    note, and a journal someone else shares with ana."""
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
    await ben.shares.grant("Personal", "ana", trust_on_first_use=True)
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
    assert len(exported["entries"]) == 4  # the deleted entry is gone; ben's is included
    assert "Never mind." not in json.dumps(exported)

    bob = await signup("bob")
    report = await bob.archive.import_json(exported)
    assert report.skipped_journals == ["ben/Personal"]
    assert len(report.entries) == 3 and len(report.goals) == 3 and len(report.notes) == 1
    assert set(report.entries) <= {e["id"] for e in exported["entries"]}
    await bob.sync()

    again = await bob.archive.export_json()
    assert without_ids(again) == without_ids(exported, owned_only=True)
    old_to_new = report.entries
    by_id = {e["id"]: e for e in again["entries"]}
    for old in exported["entries"]:
        if old["id"] in old_to_new:
            new = by_id[old_to_new[old["id"]]]
            assert (new["created_at"], new["updated_at"]) == (old["created_at"], old["updated_at"])

    bobs_phone = await login("bob")  # the import reached the server, not just this device
    await bobs_phone.sync()
    assert without_ids(await bobs_phone.archive.export_json()) == without_ids(again)


async def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Only once.", mood=4)
    await ana.goals.add("Only one goal")
    exported = await ana.archive.export_json()
    bob = await signup("bob")
    await bob.archive.import_json(exported)
    report = await bob.archive.import_json(exported)
    assert (report.entries, report.goals, report.duplicates) == ({}, {}, 2)
    assert [e.body for e in await bob.entries.list()] == ["Only once."]


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
    assert len(entries) == 4
    assert {p.parent.name for p in entries} == {"personal", "dreams", "ben-personal"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    [rough] = [p for p in entries if "monday-rough" in p.name]
    text = rough.read_text(encoding="utf-8")
    front, body = text.split("\n---\n\n", 1)
    lines = dict(line.split(": ", 1) for line in front.removeprefix("---\n").splitlines())
    assert set(lines) == {
        "id", "journal", "title", "mood", "tags", "emotions", "created_at", "updated_at",
    }  # fmt: skip
    assert lines["title"] == '"Monday: rough"' and lines["mood"] == "5"
    assert lines["tags"] == '["sleep", "work"]' and lines["emotions"] == '["anxious", "sad"]'
    assert body == 'Slept badly.\nSecond line: "quoted" & <b>. Better by noon.\n'
    goals = (out / "personal" / "goals.md").read_text(encoding="utf-8")
    assert "Attend sessions (open)" in goals and "double week" in goals
