"""`client.safety.copy_plan` (NU74 F2): the one step that puts a plan a plain import left in
"Personal (imported)" where the safety message of the default journal (and of every journal
with no plan of its own) reads it. It never overwrites a plan written there unasked, asks
before the plan's words reach a reader of the journal (its verified chain), and keeps the
`imported` mark honest. Real server on loopback, real crypto."""

from __future__ import annotations

import json

import pytest

from client_sdk import Client
from client_sdk.errors import InvalidInput, ReadersToConfirm
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def imported_plan(ana: Client, eve: Client) -> None:
    """eve's plan (0800 555 01, her line, her text), imported by ana into "Personal (imported)"."""
    await eve.safety.set_plan(
        emergency_number="0800 555 01", crisis_line="EVE-LINE", plan="Ring Jo."
    )
    await eve.entries.write("Personal", "eve's")
    data = json.loads(json.dumps(await eve.archive.export_json()))
    report = await ana.archive.import_json(data)
    assert report.plans_alone == {"Personal (imported)": "Personal"}, report.to_dict()


async def test_a_copied_imported_plan_is_shown_for_the_default_and_stays_marked_imported(
    signup: ClientFactory,
) -> None:
    ana, eve = await signup("ana"), await signup("eve")
    await imported_plan(ana, eve)
    await ana.journals.create("Dreams")
    assert "0800 555 01" not in " ".join(await ana.safety.message())  # before: the built-in numbers
    copied = await ana.safety.copy_plan("Personal (imported)")
    assert (copied.journal, copied.emergency_number, copied.crisis_line, copied.plan) == (
        "Personal", "0800 555 01", "EVE-LINE", "Ring Jo."
    )  # fmt: skip
    assert copied.imported and not copied.share_flags  # an import's words, no consent copied
    for journal in (None, "Dreams"):  # the default's message, and a journal borrowing it
        said = " ".join(await ana.safety.message(journal))
        assert "0800 555 01" in said and "EVE-LINE" in said and "Ring Jo." in said, said
    with pytest.raises(InvalidInput) as written:  # a second copy: a plan is written there
        await ana.safety.copy_plan("Personal (imported)")
    assert written.value.subject == "plan written"
    assert written.value.names["journal"] == "Personal"


async def test_a_plan_written_by_hand_is_never_overwritten_unasked(signup: ClientFactory) -> None:
    ana, eve = await signup("ana"), await signup("eve")
    await ana.safety.set_plan(emergency_number="112", plan="Mine.")
    await imported_plan(ana, eve)
    with pytest.raises(InvalidInput) as refused:
        await ana.safety.copy_plan("Personal (imported)")
    assert refused.value.subject == "plan written"
    kept = await ana.safety.plan()
    assert (kept.emergency_number, kept.plan, kept.imported) == ("112", "Mine.", False)
    copied = await ana.safety.copy_plan("Personal (imported)", replace_written=True)
    assert (copied.emergency_number, copied.plan, copied.imported) == (
        "0800 555 01",
        "Ring Jo.",
        True,
    )


async def test_a_copy_into_a_journal_someone_reads_names_them_and_waits_for_a_yes(
    signup: ClientFactory,
) -> None:
    ana, eve, tom = await signup("ana"), await signup("eve"), await signup("tom")
    await imported_plan(ana, eve)
    await share_with(ana, tom, role="annotate")
    with pytest.raises(ReadersToConfirm) as asked:
        await ana.safety.copy_plan("Personal (imported)")
    refused = asked.value
    assert refused.subject == "plan readers" and refused.journal == "Personal"
    assert [r.username for r in refused.readers] == ["tom"]
    assert "read by tom" in str(refused) and not (await ana.safety.plan()).plan
    copied = await ana.safety.copy_plan("Personal (imported)", to_readers=True)
    assert copied.plan == "Ring Jo."


async def test_nothing_to_copy_and_the_same_journal_are_refused(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.journals.create("Dreams")
    with pytest.raises(InvalidInput, match="has no safety plan written"):
        await ana.safety.copy_plan("Dreams")
    await ana.safety.set_plan(journal="Dreams", plan="Walk.")
    with pytest.raises(InvalidInput, match="is the journal to copy into"):
        await ana.safety.copy_plan("Dreams", journal="Dreams")
    assert (await ana.safety.copy_plan("Dreams")).plan == "Walk."
    assert not (
        await ana.safety.copy_plan("Dreams", journal="Personal", replace_written=True)
    ).imported
