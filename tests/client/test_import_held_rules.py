"""What an import counts as held here already, and how it says where (real server, real
crypto): a member's note is never the owner's, a safety plan the owner's own plan kept out
makes no journal on the next import, and an entry held only in the trash is said to be in
the trash."""

from __future__ import annotations

import json

import pytest

from cli.export import import_summary
from cli.output import shown
from client_sdk import sharing
from client_sdk.archive import to_ms
from tests.client.sharing_support import share_with
from tests.client.test_import_care import exported_with_care
from tests.conftest import ClientFactory


async def test_a_members_note_of_the_same_text_and_time_does_not_hide_the_owners_note(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drsmith (annotate) copies ana's withdrawn note, its text and creation time: her
    restore brings hers back, never counting his as hers."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, "Personal", role="annotate")
    mine = await ana.notes.add("Personal", "What I want to say next session.")
    await ana.sync()
    data = json.loads(json.dumps(await ana.archive.export_json()))
    await ana.notes.withdraw(mine.id)
    await ana.sync()
    await drsmith.sync()
    at = to_ms(mine.created_at)
    monkeypatch.setattr(sharing, "now_ms", lambda: at)
    await drsmith.notes.add("ana/Personal", "What I want to say next session.")
    monkeypatch.undo()
    await drsmith.sync()
    await ana.sync()
    [theirs] = await ana.notes.list("Personal")
    assert (theirs.author, to_ms(theirs.created_at)) == ("drsmith", at)

    report = await ana.archive.import_json(data)

    assert len(report.notes) == 1 and "notes" not in report.already_here
    assert report.created_journals == ["Personal (imported)"]
    restored = await ana.notes.list("Personal (imported)")
    assert [(n.author, n.text) for n in restored] == [("ana", "What I want to say next session.")]


async def test_a_plan_kept_out_by_the_owners_own_makes_no_journal_on_the_next_import(
    signup: ClientFactory,
) -> None:
    """bob's own plan in Personal is kept when he names Personal; the next plain import of
    the same file adds nothing and says the plan is kept, as the first did."""
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    await bob.safety.set_plan(plan="Call my sister.")
    first = await bob.archive.import_json(data, into="Personal")
    assert first.safety_plans == [] and first.safety_plans_kept == ["Personal"]

    again = await bob.archive.import_json(data)

    assert again.created_journals == [] and again.journals == {}
    assert again.safety_plans == [] and again.safety_plans_kept == ["Personal"]
    assert again.emergency_numbers_imported == again.crisis_lines_imported == {}
    assert [j.name for j in await bob.journals.list()] == ["Personal"]
    assert (await bob.safety.plan("Personal")).plan == "Call my sister."
    assert import_summary(again).startswith("Nothing new to import:")


async def test_an_entry_held_only_in_the_trash_is_said_to_be_in_the_trash(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Work")
    entry = await ana.entries.write("Work", "the one I want back")
    data = json.loads(json.dumps(await ana.archive.export_json()))
    await ana.entries.delete(entry.id)  # to the trash

    report = await ana.archive.import_json(data)

    assert report.already_here == {"entries": 1} and report.created_journals == []
    assert report.held_in == {} and report.held_in_trash == {"Work": {"entries": 1}}
    assert report.to_dict()["held_in_trash"] == {"Work": {"entries": 1}}
    said = " ".join(shown(import_summary(report)).split())
    assert said == (
        "Nothing new to import: 1 entry already here (in the trash of 'Work'; `tj trash` "
        "lists it, `tj restore ID` brings it back)."
    ), said
    await ana.entries.restore(entry.id)
    live = await ana.archive.import_json(data)
    assert live.held_in == {"Work": {"entries": 1}} and live.held_in_trash == {}


async def test_a_plan_whose_crisis_line_a_therapists_kept_out_makes_no_journal_next_time(
    signup: ClientFactory,
) -> None:
    """ana named Personal, where tom's crisis line is in force: the file's plan came without
    its crisis line. The next plain import of the file makes no journal for the file's line
    alone; it says tom's line is kept, as the first did."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans: call 116 123")
    await tom.sync()
    await ana.sync()
    await eve.safety.set_plan(
        emergency_number="999", crisis_line="Call 0900 123 456 (premium)", plan="Breathe."
    )
    handed = json.loads(json.dumps(await eve.archive.export_json()))
    first = await ana.archive.import_json(handed, into="Personal")
    assert first.safety_plans == ["Personal"] and first.crisis_lines_kept == {"Personal": "tom"}

    again = await ana.archive.import_json(handed)

    assert again.created_journals == [] and again.safety_plans == []
    assert again.crisis_lines_kept == {"Personal": "tom"}
    assert again.crisis_lines_imported == {}
    assert [j.name for j in await ana.journals.list()] == ["Personal"]
    message = " ".join(await ana.safety.message())
    assert "Samaritans: call 116 123 (set by tom)" in message and "0900" not in message
