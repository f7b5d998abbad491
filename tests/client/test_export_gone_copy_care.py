"""The export of one's own journal deleted on another device (this device's read-only copy)
holds the care records this device keeps of it: its questionnaire results (one taken here
that the server refused for good, set aside, included) and homework, which the lists over
every journal leave out; an import writes the results into the new journal (real
server on loopback, real crypto)."""

from __future__ import annotations

import json
from typing import Any

from tests.client.sharing_support import share_with
from tests.client.test_care import NIGHT
from tests.conftest import ClientFactory


async def test_the_export_of_a_gone_copy_holds_its_results_and_flags_and_imports_them(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.journals.create("Work")
    await share_with(laptop, drsmith, "Work", role="annotate")
    await laptop.safety.set_plan(journal="Work", share_flags=True)
    await laptop.measures.take("gad7", [1] * 7, journal="Work")
    await laptop.homework.add("sleep-diary", NIGHT, journal="Work")
    await laptop.sync()
    tablet = await login("ana")
    await tablet.sync()
    taken = await tablet.measures.take("phq9", [1] * 8 + [2], journal="Work")  # offline
    flag_id = (await tablet.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    await laptop.journals.delete("Work")
    report = await tablet.sync()
    assert {s.doc_id for s in report.set_aside} == {taken.result.id, flag_id}
    [gone] = [j for j in await tablet.journals.list() if j.name == "Work"]
    assert gone.own and gone.read_only_copy

    exported: dict[str, Any] = json.loads(
        json.dumps(await tablet.archive.export_json(journals=[gone.id]))
    )
    assert sorted(r["measure"] for r in exported["results"]) == ["gad7", "phq9"]
    assert len(exported["homework"]) == 1, exported["homework"]

    imported = await tablet.archive.import_json(exported)
    assert len(imported.results) == 2, imported
    [work] = [j for j in await tablet.journals.list() if j.name == "Work (imported)"]
    restored = await tablet.measures.list(work.id)
    assert sorted((r.measure, r.score) for r in restored) == [("gad7", 7), ("phq9", 10)]
