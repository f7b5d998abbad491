"""The continuity-of-care words of an import (`care_apart_text`) name safety flags only for
the members a flag reaches now (the owner's signed opt-in, `safety.flags_reach` "on"), and
new results only for readers whose share carries them (never a copy of mood alone)."""

from __future__ import annotations

import json

from cli.export import care_apart_text
from client_sdk import Client, ImportReport
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def imported_apart(ana: Client) -> tuple[ImportReport, str]:
    """ana takes a PHQ-9, exports, deletes the result, imports the file again: the result
    goes to a journal made for it, apart from the default one."""
    await ana.measures.take("phq9", [1] * 8 + [0])
    await ana.sync()
    handed = json.loads(json.dumps(await ana.archive.export_json()))
    await ana.measures.delete((await ana.measures.list())[0].id)
    report = await ana.archive.import_json(handed)
    assert report.care_apart == ["Personal (imported)"], report.care_apart
    return report, " ".join(care_apart_text(report).split())


async def test_flags_are_named_only_for_the_member_they_reach(signup: ClientFactory) -> None:
    ana, drjones, tom = await signup("ana"), await signup("drjones"), await signup("tom")
    await share_with(ana, drjones, role="read")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    assert await ana.safety.flags_reach() == {"drjones": "off", "tom": "on"}
    report, said = await imported_apart(ana)
    assert report.default_result_readers == ["drjones", "tom"]
    assert report.default_flag_readers == ["tom"]
    assert (
        "new results would then no longer reach drjones and tom, who read 'Personal'; "
        "and their safety flags would no longer reach tom)" in said
    ), said
    assert "safety flags would then no longer reach drjones" not in said, said


async def test_no_flag_reaches_a_read_only_member_nor_results_a_mood_copy(
    signup: ClientFactory,
) -> None:
    ana, drjones, kim = await signup("ana"), await signup("drjones"), await signup("kim")
    await share_with(ana, drjones, role="read")
    await share_with(ana, kim, only=["mood"])
    report, said = await imported_apart(ana)
    assert report.default_readers == ["drjones", "kim"]
    assert report.default_result_readers == ["drjones"]
    assert report.default_flag_readers == []
    assert (
        "new results would then no longer reach drjones, who read 'Personal'; safety flags "
        "from it reach no one now)" in said
    ), said
    assert "kim, who read" not in said and "their safety flags" not in said, said
