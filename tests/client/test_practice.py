"""The caseload and the pre-session brief through a real server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from client_sdk import AccessError, Client, NotFound
from client_sdk.brief import discuss_update
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_brief_is_shared_as_one_time_boxed_item_and_shows_in_the_caseload(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "The argument with my sister.", title="Sister", mood=3,
                    tags=["to-discuss"])  # fmt: skip
    await ana.entries.write("Personal", "Private thoughts.", mood=5)
    await ana.measures.take("gad7", [1] * 7)
    brief = await ana.briefs.prepare(journals=["Personal"])
    assert [e["title"] for e in brief.to_discuss] == ["Sister"]
    until = datetime.now().astimezone() + timedelta(days=3)
    shared = await ana.briefs.share(
        brief, "tom", expires_at=until, fingerprint=await tom.shares.fingerprint()
    )
    assert shared.expires_at is not None and shared.role == "read"
    await ana.sync()
    await tom.sync()

    [received] = await tom.briefs.received()
    assert received.client == "ana" and received.text == brief.text()
    assert "Sister" in received.text and "Private thoughts" not in received.text
    assert await tom.entries.list() == []  # the brief opens nothing else
    [row] = await tom.caseload.list()
    assert (row.client, row.brief_id) == ("ana", received.id)

    # shared again: the same period end, so the same minute in the name: "... (2)"
    await ana.briefs.share(brief, "tom", fingerprint=await tom.shares.fingerprint())
    await tom.sync()
    names = [b.journal for b in await tom.briefs.received()]
    assert len(names) == 2 and len(set(names)) == 2, names


async def test_the_caseload_has_one_row_per_client_with_who_needs_attention_first(
    signup: ClientFactory,
) -> None:
    tom = await signup("tom")
    clients: list[Client] = [await signup(name) for name in ("amy", "bob", "cat")]
    for client in clients:
        await share_with(client, tom, role="annotate")
        # compared both ways in session: no "fingerprint not verified" (R13 finding 4)
        await tom.shares.verify(client.username, await client.shares.fingerprint())
    amy, bob, cat = clients
    await amy.entries.write("Personal", "Fine week.", mood=7)
    two_weeks_ago = datetime.now().astimezone() - timedelta(days=14)
    await bob.measures.take("phq9", [1] * 8 + [0], taken_at=two_weeks_ago)
    await bob.measures.take("phq9", [2] * 8 + [0])  # 8 -> 16 in 2 weeks: reliable deterioration
    await bob.measures.take("phq9", [2] * 7 + [3, 0])  # 17 minutes later: still 9 above 8
    await bob.entries.write("Personal", "Hard.", mood=2)
    await cat.entries.write("Personal", "Ok.", mood=6)
    await cat.safety.set_plan(share_flags=True)
    taken = await cat.measures.take("phq9", [0] * 8 + [1])
    await cat.safety.respond(taken.result)
    goal = await amy.goals.add("Walk", measure="4 sessions")
    await amy.goals.checkin(goal.id)
    for client in clients:
        await client.sync()
    await tom.sync()
    await tom.assignments.assign("bob/Personal", "measure", "gad7",
                                 starts_at=datetime.now().astimezone() - timedelta(days=3))  # fmt: skip

    rows = await tom.caseload.list()
    assert [r.client for r in rows] == ["cat", "bob", "amy"]
    assert rows[0].flags[0] == "safety flag (1 unacknowledged)"
    today = datetime.now().astimezone().date().isoformat()
    assert rows[1].flags == (
        # first score to last (REV-CLIN F1), the first named (NU43 #13)
        f"PHQ-9 reliable deterioration (from 8 on {two_weeks_ago.date().isoformat()})",
        f"mood 2/10 on {today}",
        "1 overdue",
    )
    [bob_phq9] = rows[1].scores
    assert bob_phq9.change is not None and bob_phq9.change.change == 1  # 16 -> 17, plain
    assert bob_phq9.since_baseline is not None and bob_phq9.since_baseline.change == 9
    assert rows[1].overdue == ("GAD-7",)
    amy_row = rows[2]
    assert amy_row.flags == () and amy_row.overdue == ()
    assert [g.title for g in amy_row.goals] == ["Walk"] and amy_row.goals[0].last_checkin
    assert amy_row.entries_this_week == 1 and amy_row.mood_recent == 7.0
    [flag] = await tom.safety.flags("cat/Personal")
    await tom.safety.acknowledge(flag.id)
    # acknowledged, cat's shared item 9 above 0 still comes before bob's deterioration (NU19 C5)
    after = await tom.caseload.list()
    assert [r.client for r in after] == ["cat", "bob", "amy"]
    assert after[0].flags == ("PHQ-9 item 9 answered above 0",) and after[0].tier == 0
    assert [r.tier for r in after[1:]] == [2, 4]


async def test_entries_and_notes_marked_to_discuss_reach_the_therapist_in_the_brief(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    old = await ana.entries.write(
        "Personal", "Months ago: the move.", title="The move",
        created_at=datetime.now().astimezone() - timedelta(days=60),
    )  # fmt: skip
    await ana.entries.write("Personal", "Private, not marked.", mood=5)
    mine = await ana.notes.add("Personal", "Ask about the sleep diary")
    await tom.sync()
    theirs = await tom.notes.add("ana/Personal", "Try the thought record before Thursday")
    await tom.sync()
    await ana.sync()

    marked = await ana.briefs.mark_to_discuss(old.id[:6])
    assert marked is not None and (marked.kind, marked.title) == ("entry", "The move")
    reply = await ana.notes.add("Personal", "About Tom's note: the thought record felt hard")
    await ana.briefs.mark_to_discuss(mine.id)
    await ana.briefs.mark_to_discuss(reply.id)
    with pytest.raises(AccessError):
        await ana.briefs.mark_to_discuss(theirs.id)  # the therapist's note is not hers to mark
    assert [i.id for i in await ana.briefs.to_discuss()] == [old.id, mine.id, reply.id]
    # marked on one device, seen on the other
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    assert [i.id for i in await phone.briefs.to_discuss()] == [old.id, mine.id, reply.id]

    await ana.briefs.mark_to_discuss(mine.id, False)
    brief = await ana.briefs.prepare(
        journals=["Personal"]
    )  # 14 days: the 60-day-old entry is listed all the same
    assert [(e["id"], e["kind"]) for e in brief.to_discuss] == [
        (old.id, "entry"),
        (reply.id, "note"),
    ]
    assert "Private, not marked" not in brief.text() and "The move" in brief.text()
    await ana.briefs.share(brief, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    await tom.sync()
    [received] = await tom.briefs.received()
    assert [e["id"] for e in received.digest["to_discuss"]] == [old.id, reply.id]
    assert "the thought record felt hard" in received.text

    # the therapist cannot mark the client's items; after the session the client clears
    with pytest.raises(AccessError):
        await tom.briefs.mark_to_discuss(old.id)
    assert await ana.briefs.clear_to_discuss() == 2
    assert await ana.briefs.to_discuss() == []
    with pytest.raises(NotFound):
        await ana.briefs.mark_to_discuss("ffffffff")


async def test_a_therapist_marking_their_own_note_to_discuss_does_not_reach_the_clients_brief(
    signup: ClientFactory,
) -> None:
    """A member may change the notes it wrote, `to_discuss` included; the client's devices
    count marks only on entries and on notes the client wrote."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    note = await tom.notes.add("ana/Personal", "Bring this up, please")
    local, document = await tom.context.document_of_kind(note.id, "note")
    await tom.replica.commit(local, document, discuss_update(document, True, 1_000))
    await tom.sync()
    await ana.sync()
    [seen] = [n for n in await ana.notes.list("Personal") if n.id == note.id]
    assert seen.by_therapist  # the note and the change were accepted: tom may edit his note
    assert await ana.briefs.to_discuss() == []
    assert (await ana.briefs.prepare(journals=["Personal"])).to_discuss == []
