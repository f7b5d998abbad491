"""The import's rule (a journal it makes, unless the user names one) in the cases at its
edges: an item held only in a read-only copy, a journal named with its readers, an item
two journals of the file hold, and a restore beside the default journal."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.portability import FOLD_SHARED
from tests.client.sharing_support import share_with
from tests.client.test_import_care import SEVERE, exported_with_care
from tests.conftest import ClientFactory

ITEM_9 = [1] * 8 + [2]


async def gone_work(laptop: Client, tablet: Client) -> dict[str, Any]:
    """The tablet's export of "Work" (a PHQ-9 and an entry), deleted on the laptop since: its
    read-only copy on the tablet."""
    await laptop.journals.create("Work")
    await laptop.measures.take("phq9", ITEM_9, journal="Work")
    await laptop.entries.write("Work", "a note for myself")
    await laptop.sync()
    await tablet.sync()
    await laptop.journals.delete("Work")
    await laptop.sync()
    await tablet.sync()
    [gone] = [j for j in await tablet.journals.list() if j.name == "Work"]
    assert gone.own and gone.read_only_copy
    exported: dict[str, Any] = json.loads(
        json.dumps(await tablet.archive.export_json(journals=[gone.id]))
    )
    return exported


async def restored_then_gone(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Any]:
    """The backup restored into "Work (imported)", which was deleted on the laptop since: on
    the tablet, the backup's items are held only in that journal's read-only copy."""
    laptop = await signup("ana")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet)
    first = await tablet.archive.import_json(exported)
    assert first.created_journals == ["Work (imported)"]
    await tablet.sync()
    await laptop.sync()
    await laptop.journals.delete("Work (imported)")
    await laptop.sync()
    await tablet.sync()
    copies = {j.name for j in await tablet.journals.list() if j.read_only_copy}
    assert copies == {"Work", "Work (imported)"}
    return tablet, exported


async def live_results(client: Client) -> list[str]:
    journals = [j for j in await client.journals.list() if j.own and not j.read_only_copy]
    return [j.name for j in journals for _ in await client.measures.list(j.id)]


async def test_an_item_held_only_in_a_read_only_copy_is_restored_into_a_named_journal(
    signup: ClientFactory, login: ClientFactory
) -> None:
    tablet, exported = await restored_then_gone(signup, login)
    named = await tablet.archive.import_json(exported, into="Personal")
    assert len(named.results) == 1 and len(named.entries) == 1
    assert named.held_in == {} and named.created_journals == []
    assert named.also_in == {"Work (imported) (read-only copy)": {"entries": 1, "results": 1}}
    assert await live_results(tablet) == ["Personal"]
    again = await tablet.archive.import_json(exported)  # held in a live journal now
    assert again.results == {} and again.created_journals == []
    assert again.held_in == {"Personal": {"entries": 1, "results": 1}}


async def test_an_item_held_only_in_a_read_only_copy_is_restored_by_default(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A duplicate in a new journal shared with no one discloses nothing; left only in a
    copy that takes no writes, the item could be restored nowhere."""
    tablet, exported = await restored_then_gone(signup, login)
    again = await tablet.archive.import_json(exported)
    assert again.created_journals == ["Work (imported 2)"]
    assert len(again.results) == 1 and again.held_in == {}
    assert again.also_in == {"Work (imported) (read-only copy)": {"entries": 1, "results": 1}}
    assert again.to_dict()["also_in"] == again.also_in
    assert await live_results(tablet) == ["Work (imported 2)"]


async def test_an_import_into_a_named_journal_names_it_and_who_reads_it(
    signup: ClientFactory,
) -> None:
    ana, drjones = await signup("ana"), await signup("drjones")
    await ana.journals.create("Work")
    await ana.measures.take("phq9", ITEM_9, journal="Work")
    await ana.entries.write("Personal", "A day.")
    data = json.loads(json.dumps(await ana.archive.export_json()))
    [result] = await ana.measures.list()
    await ana.measures.delete(result.id)
    await share_with(ana, drjones, "Work")
    report = await ana.archive.import_json(data, into="Work")
    assert report.into == "Work" and report.into_readers == ["drjones"]
    assert len(report.results) == 1
    assert set(report.journals) == {j["id"] for j in data["journals"]}  # two file journals
    assert len(set(report.journals.values())) == 1  # into one
    mine = await ana.archive.import_json(data, into="Personal")
    assert mine.into == "Personal" and mine.into_readers == []
    assert (await ana.archive.import_json(data)).into is None


async def test_an_item_two_journals_of_the_file_hold_makes_one_journal(
    signup: ClientFactory,
) -> None:
    """A (hand-made) file whose "Work" and "Twin" hold the same result: the import writes it
    once and makes no journal that would stay empty."""
    ana = await signup("ana")
    await ana.journals.create("Work")
    await ana.measures.take("phq9", ITEM_9, journal="Work")
    data = json.loads(json.dumps(await ana.archive.export_json()))
    [work] = [j for j in data["journals"] if j["name"] == "Work"]
    twin = {**copy.deepcopy(work), "id": "ab" * (len(work["id"]) // 2), "name": "Twin"}
    data["journals"].append(twin)
    [result] = [r for r in data["results"] if r["journal_id"] == work["id"]]
    other = {**copy.deepcopy(result), "id": "cd" * (len(result["id"]) // 2)}
    data["results"].append({**other, "journal_id": twin["id"], "journal": "Twin"})
    bob = await signup("bob")
    report = await bob.archive.import_json(data)
    assert report.created_journals == ["Work"]
    assert report.held_in == {"Work": {"results": 1}}
    assert {j.name for j in await bob.journals.list()} == {"Personal", "Work"}


async def test_a_restore_into_a_new_account_says_the_default_journal_lacks_its_history(
    signup: ClientFactory,
) -> None:
    """The results and plan go into "Personal (imported)"; new results go to the default
    "Personal": the report says so, and the way it names keeps the history together."""
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    report = await bob.archive.import_json(data)
    assert report.created_journals == ["Personal (imported)"]
    assert report.care_apart == ["Personal (imported)"]
    assert report.default_journal == "Personal" and report.default_readers == []
    assert report.to_dict()["care_apart"] == ["Personal (imported)"]
    await bob.journals.set_default("Personal (imported)")
    taken = await bob.measures.take("phq9", [1, 1, 1, 1, 0, 1, 0, 0, 2])
    assert taken.previous is not None and taken.previous.score == sum(SEVERE)


async def test_a_restore_named_into_the_default_journal_says_nothing_apart(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    report = await bob.archive.import_json(data, into="Personal")
    assert report.care_apart == [] and report.default_journal == ""
    journal_only = await signup("cyd")
    await journal_only.entries.write("Personal", "Only words.")
    words = json.loads(json.dumps(await journal_only.archive.export_json()))
    plain = await (await signup("dan")).archive.import_json(words)
    assert plain.created_journals == ["Personal (imported)"] and plain.care_apart == []


async def test_a_restored_journal_of_another_name_is_not_the_default_journals_history(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU72 F3: restoring "Work" (deleted on another device) said the default journal
    "Personal" lacked its history and advised making "Work (imported)" the default: Personal's
    history was whole, and the advice would move new results, and their safety flags, away
    from whoever reads Personal. Only the file's journal of the default journal's name is its
    history."""
    laptop = await signup("ana")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet)
    report = await tablet.archive.import_json(exported)
    assert report.created_journals == ["Work (imported)"] and report.results
    assert report.care_apart == [] and report.default_journal == ""


async def test_a_members_note_like_the_owners_never_keeps_hers_out_of_a_restore(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drsmith (annotate) writes a note with the text and creation time of ana's own note,
    which she withdrew since: her restore brings hers back."""
    from client_sdk import sharing
    from client_sdk.archive import to_ms

    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, "Personal", role="annotate")
    mine = await ana.notes.add("Personal", "What I want to say next session.")
    await ana.sync()
    await drsmith.sync()
    personal = (await ana.journals.get("Personal")).id
    data = json.loads(json.dumps(await ana.archive.export_json(journals=[personal])))
    await ana.notes.withdraw(mine.id)
    await ana.sync()
    at = to_ms(mine.created_at)
    monkeypatch.setattr(sharing, "now_ms", lambda: at)
    await drsmith.notes.add("ana/Personal", "What I want to say next session.")
    monkeypatch.undo()
    await drsmith.sync()
    await ana.sync()
    report = await ana.archive.import_json(data)
    assert len(report.notes) == 1 and report.held_in == {}


async def test_a_plan_kept_by_a_named_import_makes_no_journal_on_the_next_import(
    signup: ClientFactory,
) -> None:
    """bob wrote his own plan; the file's was kept, not written, by an import into Personal:
    a plain import of the file again adds nothing, his plan still said kept."""
    ana = await signup("ana")
    data = await exported_with_care(ana)
    bob = await signup("bob")
    await bob.safety.set_plan(plan="Call my sister.")
    first = await bob.archive.import_json(data, into="Personal")
    assert first.safety_plans_kept == ["Personal"] and first.created_journals == []
    again = await bob.archive.import_json(data)
    assert again.created_journals == [] and again.safety_plans == []
    assert again.safety_plans_kept == ["Personal"]
    assert {j.name for j in await bob.journals.list()} == {"Personal"}


async def dreams_beside_personal(ana: Client) -> dict[str, Any]:
    """ana's export: an entry in Personal, and a private "Dreams" with an entry and a PHQ-9
    (item 9 above 0)."""
    await ana.entries.write("Personal", "A day at work.")
    await ana.journals.create("Dreams")
    await ana.entries.write("Dreams", "Flying again")
    await ana.measures.take("phq9", ITEM_9, journal="Dreams")
    exported: dict[str, Any] = json.loads(json.dumps(await ana.archive.export_json()))
    return exported


async def test_a_restore_into_a_named_journal_names_each_journal_of_the_file_folded_in(
    signup: ClientFactory,
) -> None:
    """NU72 F4: a file with Personal and a private Dreams, imported into a new account's
    Personal: both go there, and the report names each, with what came of it."""
    data = await dreams_beside_personal(await signup("ana"))
    mia = await signup("mia")
    report = await mia.archive.import_json(data, into="Personal")
    assert report.into == "Personal" and report.into_readers == []
    assert report.folded_in == {
        "Personal": {"entries": 1},
        "Dreams": {"entries": 1, "results": 1},
    }
    assert report.to_dict()["folded_in"] == report.folded_in


async def test_folding_a_journal_of_the_file_into_one_a_therapist_reads_is_confirmed_first(
    signup: ClientFactory,
) -> None:
    """NU72 F4: into a Personal that drjones reads, the file's Dreams (which the file does not
    say was private) is not folded in unasked: refused (subject FOLD_SHARED) before anything
    is written; with `fold_into_shared` it goes in, named. The file's own Personal alone (its
    Dreams all held here already) is not refused."""
    data = await dreams_beside_personal(await signup("ana"))
    mia, drjones = await signup("mia"), await signup("drjones")
    await share_with(mia, drjones, "Personal")
    with pytest.raises(InvalidInput) as refused:
        await mia.archive.import_json(data, into="Personal")
    assert refused.value.subject == FOLD_SHARED
    assert refused.value.names == {"journal": "Personal", "readers": "drjones", "folded": "Dreams"}
    said = str(refused.value)
    assert "the file's 'Dreams' (1 entry and 1 questionnaire result) would go into" in said, said
    assert "where drjones reads it: nothing was imported" in said, said
    assert await mia.entries.list("Personal") == [] and await mia.measures.list() == []
    report = await mia.archive.import_json(data, into="Personal", fold_into_shared=True)
    assert report.into_readers == ["drjones"]
    assert report.folded_in == {"Personal": {"entries": 1}, "Dreams": {"entries": 1, "results": 1}}
    again = await mia.archive.import_json(data, into="Personal")  # nothing of Dreams new
    assert again.folded_in == {} and again.duplicates == 3


async def test_a_restore_names_the_read_only_copy_of_the_journal_it_restored(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU72 F6: "Work", deleted on the laptop, is restored on the tablet from an export made
    there: the tablet's read-only copy of Work (the same journal) is named, with its id and
    the journal restored into, holding nothing the restore did not bring back. From an older
    file (an entry written since is only in the copy), the copy is named holding 1 item."""
    laptop = await signup("ana")
    tablet = await login("ana")
    await laptop.journals.create("Work")
    await laptop.entries.write("Work", "before the export")
    older = json.loads(json.dumps(await laptop.archive.export_json(journals=["Work"])))
    await laptop.measures.take("phq9", ITEM_9, journal="Work")
    await laptop.entries.write("Work", "a note for myself")
    for device in (laptop, tablet, laptop):
        await device.sync()
    await laptop.journals.delete("Work")
    for device in (laptop, tablet):
        await device.sync()
    [copy] = [j for j in await tablet.journals.list() if j.read_only_copy]
    exported = json.loads(json.dumps(await tablet.archive.export_json(journals=[copy.id])))
    expected = {"journal": "Work", "journal_id": copy.id}
    from_older = await tablet.archive.import_json(older)
    assert from_older.created_journals == ["Work (imported)"]
    assert from_older.old_copies == [  # the PHQ-9 and the later entry only in the copy
        expected | {"restored_into": "Work (imported)", "restored_now": True, "not_restored": 2}
    ]
    report = await tablet.archive.import_json(exported)
    assert report.created_journals == ["Work (imported 2)"]
    assert report.old_copies == [
        expected | {"restored_into": "Work (imported 2)", "restored_now": True, "not_restored": 0}
    ]
    assert report.to_dict()["old_copies"] == report.old_copies
