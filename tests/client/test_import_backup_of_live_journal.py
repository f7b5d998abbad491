"""An older backup of a journal still served (its export taken before the owner deleted a
PHQ-9 result, item 9 answered) imported after the journal was shared with a new therapist,
under the same name or renamed: what the account holds is skipped, the deleted result goes
into a journal the import makes (shared with no one), and the therapist never reads it
unless the user names the journal (real server on loopback, real crypto)."""

from __future__ import annotations

import json
from typing import Any

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1] * 8 + [2]


async def exported_work(laptop: Client) -> tuple[dict[str, Any], str]:
    """The laptop's "Work" (an entry and a PHQ-9, item 9 answered), exported; and the
    result's id."""
    await laptop.journals.create("Work")
    await laptop.entries.write("Work", "a note for myself")
    taken = await laptop.measures.take("phq9", ITEM_9, journal="Work")
    await laptop.sync()
    [work] = [j for j in await laptop.journals.list() if j.name == "Work"]
    data = await laptop.archive.export_json(journals=[work.id])
    exported: dict[str, Any] = json.loads(json.dumps(data))
    assert [r["measure"] for r in exported["results"]] == ["phq9"]
    return exported, taken.result.id


async def deleted_then_shared(laptop: Client, drjones: Client, result_id: str, name: str) -> str:
    """Delete the result, share the journal (named `name` now) with drjones; its id."""
    await laptop.measures.delete(result_id)  # not for the next therapist
    await share_with(laptop, drjones, name, role="read")
    await laptop.sync()
    await drjones.sync()
    assert await drjones.measures.list() == []
    return (await laptop.journals.get(name)).id


async def test_a_backup_never_puts_a_deleted_result_back_into_its_journal_shared_since(
    signup: ClientFactory,
) -> None:
    laptop, drjones = await signup("ana"), await signup("drjones")
    exported, result_id = await exported_work(laptop)
    work = await deleted_then_shared(laptop, drjones, result_id, "Work")

    imported = await laptop.archive.import_json(exported)  # restoring a backup
    assert imported.created_journals == ["Work (imported)"], imported
    assert imported.imported_as == {"Work": "Work (imported)"}, imported
    assert work not in imported.journals.values()
    assert len(imported.results) == 1 and imported.entries == {}, imported
    assert imported.held_in == {"Work": {"entries": 1}}, imported
    await laptop.sync()
    await drjones.sync()
    assert await drjones.measures.list() == [], "the deleted PHQ-9 reached the new therapist"


async def test_a_backup_never_puts_a_deleted_result_back_into_its_renamed_journal_shared_since(
    signup: ClientFactory,
) -> None:
    laptop, drjones = await signup("ana"), await signup("drjones")
    exported, result_id = await exported_work(laptop)
    await laptop.journals.rename("Work", "Therapy")
    therapy = await deleted_then_shared(laptop, drjones, result_id, "Therapy")

    imported = await laptop.archive.import_json(exported)
    assert imported.created_journals == ["Work"] and imported.imported_as == {}, imported
    assert therapy not in imported.journals.values()
    assert imported.held_in == {"Therapy": {"entries": 1}}, imported
    await laptop.sync()
    await drjones.sync()
    assert await drjones.measures.list() == [], "the deleted PHQ-9 reached the new therapist"

    again = await laptop.archive.import_json(exported)  # held now: nothing added
    assert again.created_journals == [] and again.results == {} and again.entries == {}
    assert again.held_in == {"Therapy": {"entries": 1}, "Work": {"results": 1}}, again
