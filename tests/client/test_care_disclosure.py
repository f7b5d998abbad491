"""Field-level shares and care documents, through a real server: what `only` carries of
measure results and homework (client_sdk/care_disclosure.py), and that a therapist with a
mood-only share cannot read the rest, not even with every key their device ever held."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import AccessError, Client, InvalidInput, NotFound
from tests.client.sharing_support import share_with
from tests.client.test_sharing import assert_words_unreadable_by
from tests.conftest import ClientFactory, RunningServer


async def thought_record(client: Client, situation: str = "Meeting with Lisbeth") -> str:
    values = {
        "situation": situation,
        "automatic_thought": "They think I am useless",
        "emotion": "shame",
        "intensity": 80,
    }
    return (await client.homework.add("thought-record", values)).id


async def test_a_mood_only_share_carries_no_scores_answers_or_homework(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"], role="annotate")
    await ana.entries.write("Personal", "A long day.", mood=4)
    taken = await ana.measures.take("phq9", [2, 2, 2, 1, 1, 1, 1, 1, 1], unscored=2)
    await thought_record(ana, "Argument with Lisbeth about the flat")
    await ana.sync()
    await tom.sync()

    [entry] = await tom.entries.list()
    assert (entry.mood, entry.body) == (4, "")  # the mood is shared, nothing else
    assert await tom.measures.list() == []
    assert await tom.homework.list() == []
    with pytest.raises(NotFound):
        await tom.measures.get(taken.result.id)
    [row] = await tom.caseload.list()
    assert row.scores == ()
    assert_words_unreadable_by(tom, live_server, tmp_path, "Argument with Lisbeth")
    # the client still sees their own, once each (copies for the therapist are not listed)
    assert len(await ana.measures.list()) == 1 and len(await ana.homework.list()) == 1


async def test_a_scores_share_carries_the_score_but_not_the_answers(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood", "scores"])
    taken = await ana.measures.take("phq9", [3, 3, 3, 3, 3, 0, 0, 0, 1], unscored=3)
    assert taken.result.safety_concern
    await thought_record(ana)
    await ana.sync()
    await tom.sync()

    [copy] = await tom.measures.list()
    assert (copy.measure, copy.score, copy.band) == ("phq9", 16, "moderately severe")
    assert (copy.answers, copy.unscored, copy.safety_concern) == (None, None, False)
    assert copy.taken_at == taken.result.taken_at
    assert await tom.homework.list() == []
    [row] = await tom.caseload.list()
    assert [line.result.score for line in row.scores] == [16]

    # deleting the result deletes the therapist's copy at the next sync
    await ana.measures.delete(taken.result.id)
    await ana.sync()
    await tom.sync()
    assert await tom.measures.list() == []


async def test_an_answers_share_carries_item_answers_and_the_difficulty_answer(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["answers"])
    await ana.entries.write("Personal", "Not shared at all.", mood=2)
    # the PHQ-9's: GAD-7 asks none since its version 3 (REV-CLIN F2)
    await ana.measures.take("phq9", [1, 1, 1, 1, 1, 0, 0, 0, 0], unscored=1)
    await ana.sync()
    await tom.sync()
    [copy] = await tom.measures.list()
    assert (copy.score, copy.answers, copy.unscored) == (5, (1, 1, 1, 1, 1, 0, 0, 0, 0), 1)
    assert (
        await tom.entries.list() == []
    )  # no entry field chosen: no entry copied, not even its time


async def test_a_homework_share_follows_edits_and_deletion(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["homework"])
    homework_id = await thought_record(ana, "Called the landlord")
    await ana.sync()
    await tom.sync()
    [copy] = await tom.homework.list()
    assert copy.completion == "fully" and "Called the landlord" in copy.values.values()
    assert await tom.measures.list() == []

    await ana.homework.edit(homework_id, completion="partly")
    await ana.sync()
    await tom.sync()
    assert [h.completion for h in await tom.homework.list()] == ["partly"]
    with pytest.raises(AccessError):
        await tom.homework.edit(copy.id, completion="fully")  # a therapist cannot change it

    await ana.homework.delete(homework_id)
    await ana.sync()
    await tom.sync()
    assert await tom.homework.list() == []
    assert await ana.homework.list() == []


async def test_results_written_before_the_share_are_not_carried(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.measures.take("phq9", [1] * 9)
    await share_with(ana, tom, only=["scores"])
    await ana.sync()
    await tom.sync()
    assert await tom.measures.list() == []


async def test_a_single_entry_share_takes_only_entry_fields(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    entry = await ana.entries.write("Personal", "Just this one.", mood=5)
    with pytest.raises(InvalidInput):
        await ana.shares.grant_entry(
            entry.id, "tom", only=["scores"], fingerprint=await tom.shares.fingerprint()
        )


async def test_an_assignment_in_a_field_level_share_is_completed_by_the_clients_own_results(
    signup: ClientFactory,
) -> None:
    """The therapist assigns in the journal kept for them; the client takes the measure in
    their own journal: done for the client, and for the therapist when scores are shared."""
    ana, tom = await signup("ana"), await signup("tom")
    info = await share_with(ana, tom, only=["mood", "scores"], role="annotate")
    await tom.sync()
    await tom.assignments.assign(f"ana/{info.journal}", "measure", "phq9", every_days=14)
    await tom.sync()
    await ana.sync()
    assert [d.assignment.target for d in await ana.assignments.due()] == ["phq9"]
    await ana.measures.take("phq9", [0] * 9)
    assert await ana.assignments.due() == []
    await ana.sync()
    await tom.sync()
    assert await tom.assignments.due(f"ana/{info.journal}") == []


async def test_a_device_opened_again_lists_each_result_homework_and_entry_once_and_deletes_the_copies(
    signup: ClientFactory,
) -> None:
    """New-user pass 2, finding 2: with an --only share, a client opened again (every `tj`
    command) listed the copies kept for the therapist beside the originals, and deleting a
    result left its copy with the therapist."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.shares.grant(
        "Personal", "tom", only=["mood", "scores", "homework"], trust_on_first_use=True
    )
    await ana.entries.write(None, "hello", mood=5)
    taken = await ana.measures.take("phq9", [0] * 9)
    await ana.homework.add(
        "behavioural-activation", {"activity": "Walk", "planned": True, "done": True}
    )
    await ana.sync()
    home = ana.home
    await ana.close()
    again = await Client.open(home)
    try:
        assert [r.journal for r in await again.measures.list()] == ["Personal"]
        assert [e.journal for e in await again.entries.list()] == ["Personal"]
        assert [h.journal for h in await again.homework.list()] == ["Personal"]
        assert (
            await again.briefs.prepare(journals=["Personal"])
        ).entries == 1  # finding 52: copies not counted
        await again.measures.delete(
            taken.result.id,
        )
        await again.sync()
    finally:
        await again.close()
    await tom.sync()
    assert await tom.measures.list() == []
