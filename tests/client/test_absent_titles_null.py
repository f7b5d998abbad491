"""An untitled entry's title is null in every JSON the SDK gives, as in `Entry.to_dict`
(the absent-values rule): the discuss list, a brief's `to_discuss` (marked and tagged
"to-discuss"), and a sync's overtaken edits and merged texts (real server on loopback)."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk.settling import MergedText, OvertakenEdit, Settled
from tests.conftest import ClientFactory


async def test_an_untitled_entry_is_null_titled_in_the_discuss_list_and_a_brief(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write("Personal", "no title here")
    tagged = await ana.entries.write("Personal", "tagged, untitled", tags=["to-discuss"])
    assert entry.to_dict()["title"] is None
    item = await ana.briefs.mark_to_discuss(entry.id)
    assert item is not None and item.to_dict()["title"] is None, item.to_dict()
    assert [i.to_dict()["title"] for i in await ana.briefs.to_discuss()] == [None]
    brief = await ana.briefs.prepare(journals=["Personal"])
    assert {i["id"]: i["title"] for i in brief.to_discuss} == {entry.id: None, tagged.id: None}
    assert "no title here" in brief.text()  # told by its preview
    titled = await ana.entries.write("Personal", "with one", title="Sleep")
    assert (await ana.briefs.mark_to_discuss(titled.id) or item).to_dict()["title"] == "Sleep"


def test_a_syncs_overtaken_edits_and_merged_texts_give_null_for_no_title() -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    settled = Settled("ab" * 16, "", "mood", 3, 4, at)
    overtaken = OvertakenEdit("ab" * 16, "", True, "phone", at)
    merged = MergedText("ab" * 16, "safety_plan", "", "Personal", at)
    assert [x.to_dict()["title"] for x in (settled, overtaken, merged)] == [None, None, None]
    assert MergedText("ab" * 16, "entry", "Sleep", "Personal", at).to_dict()["title"] == "Sleep"
