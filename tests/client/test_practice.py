"""The caseload and the pre-session brief through a real server."""

from __future__ import annotations

from datetime import datetime, timedelta

from client_sdk import Client
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
    brief = await ana.briefs.prepare()
    assert [e["title"] for e in brief.to_discuss] == ["Sister"]
    until = datetime.now().astimezone() + timedelta(days=3)
    shared = await ana.briefs.share(
        brief, "tom", until=until, fingerprint=await tom.shares.fingerprint()
    )
    assert shared.expires_at is not None and shared.role == "read"
    await ana.sync()
    await tom.sync()

    [received] = await tom.briefs.received()
    assert received.client == "ana" and received.text == brief.text()
    assert "Sister" in received.text and "Private thoughts" not in received.text
    assert await tom.entries.list() == []  # the brief opens nothing else
    [row] = await tom.caseload.rows()
    assert (row.client, row.brief_id) == ("ana", received.id)


async def test_the_caseload_has_one_row_per_client_with_who_needs_attention_first(
    signup: ClientFactory,
) -> None:
    tom = await signup("tom")
    clients: list[Client] = [await signup(name) for name in ("amy", "bob", "cat")]
    for client in clients:
        await share_with(client, tom, role="annotate")
    amy, bob, cat = clients
    await amy.entries.write("Personal", "Fine week.", mood=7)
    await bob.measures.take("phq9", [1] * 8 + [0])
    await bob.measures.take("phq9", [2] * 8 + [0])  # 8 -> 16: reliable deterioration
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

    rows = await tom.caseload.rows()
    assert [r.client for r in rows] == ["cat", "bob", "amy"]
    assert rows[0].flags[0] == "safety flag (1 unacknowledged)"
    assert rows[1].flags == ("PHQ-9 reliable deterioration", "1 overdue")
    assert rows[1].overdue == ("GAD-7",)
    amy_row = rows[2]
    assert amy_row.flags == () and amy_row.overdue == ()
    assert [g.title for g in amy_row.goals] == ["Walk"] and amy_row.goals[0].last_checkin
    assert amy_row.entries_this_week == 1 and amy_row.mood_recent == 7.0
    [flag] = await tom.safety.flags("cat/Personal")
    await tom.safety.acknowledge(flag.id)
    assert (await tom.caseload.rows())[0].client == "bob"
