"""Restoring a journal deleted on another device from its export (`tj export --journal ID`,
then `tj import FILE`): its name names the read-only copy kept here, so its content goes into
"NAME (imported)". An existing "NAME (imported)" shared with a therapist who never read the
gone journal is never written into (its results carry the PHQ-9's safety item): a new
"NAME (imported 2)" is made, and the report says so (real server on loopback)."""

from __future__ import annotations

import json
from typing import Any

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_gone_journal_is_never_imported_into_an_existing_shared_imported_journal(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, drjones = await signup("ana"), await signup("drjones")
    await laptop.journals.create("Work")
    await laptop.measures.take("phq9", [1] * 8 + [2], journal="Work")  # item 9: no reader
    await laptop.journals.create("Work (imported)")
    await share_with(laptop, drjones, "Work (imported)", role="read")  # a new therapist
    await laptop.sync()
    tablet = await login("ana")
    await tablet.sync()
    await laptop.journals.delete("Work")
    await tablet.sync()
    [gone] = [j for j in await tablet.journals.list() if j.name == "Work"]
    assert gone.own and gone.read_only_copy
    exported: dict[str, Any] = json.loads(
        json.dumps(await tablet.archive.export_json(journals=[gone.id]))
    )
    assert [r["measure"] for r in exported["results"]] == ["phq9"]

    imported = await tablet.archive.import_json(exported)  # no journal named by the user
    assert imported.imported_as == {"Work": "Work (imported 2)"}, imported
    assert imported.created_journals == ["Work (imported 2)"], imported
    [target] = [j for j in await tablet.journals.list() if j.name == "Work (imported 2)"]
    results = [(r.measure, r.journal_id) for r in await tablet.measures.list()]
    assert sorted(results) == sorted([("phq9", gone.id), ("phq9", target.id)]), results
    await tablet.sync()
    await drjones.sync()
    assert await drjones.measures.list() == []  # the answers reached no new reader

    again = await tablet.archive.import_json(exported)  # the same file again: nothing added
    assert again.imported_as == {} and again.created_journals == [], again  # none made
    assert again.held_in == {"Work (imported 2)": {"results": 1}}, again
    assert again.duplicates == 1 and len(await tablet.measures.list()) == 2, again
