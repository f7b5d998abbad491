"""Safety flags follow the member's CURRENT role in the owner-signed access chain: an
opted-in therapist (annotate) whom the client gives the read role gets no flag (a member who
only reads could never mark one as read: NU24 C15), on the immediate path (`respond`,
`respond_to_answer`) and the late one (`seal_missed`), and every answer about whom flags
reach (`flags_reach`, `SafetyPlan`, `shares.list()`) says so. Giving them the read role
while flags reach them raises FlagsWouldStop unless `stop_flags=True`; the annotate role
again makes the opt-in, never withdrawn, count again, for answers given from then on. The
therapist's device, by its own verified chain, shows such flags as not to acknowledge. A
server that replays an old (annotate) chain link, or lists the member as annotate, changes
none of it. Real server on loopback, real crypto."""

from __future__ import annotations

import dataclasses

import pytest

from client_sdk import (
    AccessError,
    Client,
    FlagsWouldStop,
    InvalidInput,
    RollbackError,
    access,
    wire,
)
from client_sdk.errors import READ_ROLE
from client_sdk.replica import stored_document
from client_sdk.safety import CLOCK_SKEW_MS, SAFETY_FLAG, flag_recipients
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_hostile_access import edit_server_db
from tests.client.test_late_safety_flags import ITEM_9
from tests.client.test_share_ended_notices import move_clocks
from tests.conftest import ClientFactory, RunningServer


async def drsmith_receives_flags(ana: Client, drsmith: Client) -> None:
    await ana.entries.write("Personal", "hello", mood=5)
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    assert await ana.safety.flags_reach("Personal") == {"drsmith": "on"}


async def sealed_for(client: Client, member: Client) -> list[str]:
    """Ids of the safety flags the owner's device holds that name `member` (or everyone)."""
    local = await client.context.local_journal("Personal")
    found = []
    for stored in await client.store.documents(local.journal_id, (SAFETY_FLAG,)):
        to = flag_recipients(stored_document(stored))
        if to is None or member.profile.account_id.hex() in to:
            found.append(stored.doc_id.hex())
    return found


async def test_a_member_made_read_only_gets_no_flag_and_every_answer_says_why(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await drsmith_receives_flags(ana, drsmith)
    changed = await ana.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    assert changed.role == "read" and changed.safety_flags is False
    assert changed.safety_flags_read_role and not changed.safety_flags_earlier

    assert await ana.safety.flags_reach("Personal") == {"drsmith": "read"}
    plan = await ana.safety.plan()
    assert plan.flags_reach == () and plan.reads_only == ("drsmith",)
    assert plan.opted_in_reads_only == ("drsmith",) and plan.opted_in_earlier == ()
    [share] = await ana.shares.list()
    assert (share.safety_flags, share.safety_flags_read_role) == (False, True)

    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert (response.flagged_to, response.flag_id) == ([], None)
    assert response.no_flag is not None
    assert "drsmith, who only reads Personal now (the read role)" in response.no_flag
    assert "choice to send them safety flags stands" in response.no_flag
    assert "earlier share" not in response.no_flag  # not told as a share made again
    stopped = await ana.safety.respond_to_answer("phq9", 9, 2)
    assert stopped.flagged_to == [] and stopped.flag_id is None
    await ana.sync()
    assert await sealed_for(ana, drsmith) == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_giving_the_read_role_to_a_member_flags_reach_needs_stop_flags(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await drsmith_receives_flags(ana, drsmith)
    with pytest.raises(FlagsWouldStop) as refused:
        await ana.shares.grant("Personal", "drsmith", role="read")
    assert isinstance(refused.value, InvalidInput)
    assert (refused.value.journal, refused.value.member) == ("Personal", "drsmith")
    assert refused.value.reason == READ_ROLE
    assert "Nothing was changed" in str(refused.value) and "stop_flags=True" in str(refused.value)
    [share] = await ana.shares.list()
    assert (share.role, share.safety_flags) == ("annotate", True)  # nothing changed
    assert await ana.safety.flags_reach("Personal") == {"drsmith": "on"}


async def test_the_read_role_for_a_member_flags_do_not_reach_asks_nothing(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")  # never opted in
    changed = await ana.shares.grant("Personal", "drsmith", role="read")
    assert changed.role == "read" and changed.safety_flags is False
    assert await ana.safety.flags_reach("Personal") == {"drsmith": "off"}


async def test_the_annotate_role_again_resumes_flags_for_answers_from_then_on(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await drsmith_receives_flags(ana, drsmith)
    await ana.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    while_reading = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(while_reading.result)).flagged_to == []

    again = await ana.shares.grant("Personal", "drsmith", role="annotate")
    assert again.safety_flags is True and not again.safety_flags_read_role
    assert await ana.safety.flags_reach("Personal") == {"drsmith": "on"}
    assert (await ana.safety.plan()).flags_reach == ("drsmith",)
    # the answer given while he only read gets none, even asked again
    assert (await ana.safety.respond(while_reading.result)).flagged_to == []
    after = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(after.result)
    assert response.flagged_to == ["drsmith"] and response.flag_id is not None
    await ana.sync()
    await drsmith.sync()
    assert [f.id for f in await drsmith.safety.flags()] == [response.flag_id]


async def test_no_late_flag_for_an_answer_given_while_the_member_only_read(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone records an answer while drsmith reads only; the laptop gives him the
    annotate role back later. The phone's late-flag check (`seal_missed`, at each sync) must
    not seal a flag for that answer: he held the annotate role only after it."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await drsmith_receives_flags(laptop, drsmith)
    await laptop.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    answered = move_clocks(live_server, monkeypatch, CLOCK_SKEW_MS + 60_000)
    for module in ("client_sdk.measures", "client_sdk.safety_path"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: answered)
    taken = await phone.measures.take("phq9", ITEM_9)
    assert (await phone.safety.respond(taken.result)).flagged_to == []

    later = move_clocks(live_server, monkeypatch, CLOCK_SKEW_MS + 60_000)
    for module in ("client_sdk.measures", "client_sdk.safety_path"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    await laptop.shares.grant("Personal", "drsmith", role="annotate")
    await laptop.sync()
    report = await phone.sync()
    assert report.late_flags == []
    assert await phone.safety.flags_reach("Personal") == {"drsmith": "on"}
    assert await sealed_for(phone, drsmith) == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_therapist_made_read_only_is_not_shown_flags_to_acknowledge(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await drsmith_receives_flags(ana, drsmith)
    taken = await ana.measures.take("phq9", ITEM_9)
    sent = await ana.safety.respond(taken.result)
    assert sent.flagged_to == ["drsmith"] and sent.flag_id is not None
    await ana.sync()
    await drsmith.sync()
    [flag] = await drsmith.safety.flags()
    assert flag.unacknowledged and not flag.reads_only

    await ana.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    await drsmith.sync()  # his device learns the read role from the owner-signed chain
    [flag] = await drsmith.safety.flags()
    assert flag.reads_only and flag.to_dict()["read_only_member"] is True
    with pytest.raises(AccessError, match="you only read Personal now"):
        await drsmith.safety.acknowledge(flag.id)
    [row] = await drsmith.caseload.list()
    assert row.flags[0] == (
        "safety flag (1 unacknowledged; you only read this journal now and cannot mark them read)"
    )
    await drsmith.sync()
    await ana.sync()
    [own] = await ana.safety.flags()
    assert own.acknowledged == ()


@pytest.mark.parametrize("replay", ["old chain", "old link appended"])
async def test_a_replayed_annotate_chain_link_seals_no_flag_for_a_member_made_read_only(
    replay: str,
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    """ana made drsmith read-only. The server (with drsmith, who wants the flags) then lists
    him as annotate in its tables and its share list, and serves ana's device either the
    access chain as it was before the change (its old journal list: the annotate link as the
    head) or the old annotate `granted` link replayed after the current head. ana's device
    decides whom a flag is sealed for from the chain it verified: none is sealed for him."""
    ana = await through("ana")
    drsmith = await signup("drsmith")
    await drsmith_receives_flags(ana, drsmith)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    old_list = hostile.replies_to("/v1/journals/list")[-1]  # drsmith annotate at the head
    owner_key = ana.profile.secrets.sign_public_key
    served = await ana.transport.call(
        "/v1/journals/access",
        wire.AccessRequest([wire.Cursor(personal, 0)]),
        wire.AccessReply,
    )
    old_links = [
        raw for chain in served.chains if chain.journal_id == personal for raw in chain.entries
    ]
    [granted] = [
        raw for raw in old_links if access.parse_entry(raw, personal, owner_key).kind == "granted"
    ]
    await ana.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    await ana.sync()
    assert await ana.safety.flags_reach("Personal") == {"drsmith": "read"}

    edit_server_db(
        live_server,
        "UPDATE members SET role = 'annotate' WHERE journal_id = ? AND account_id = ?",
        personal,
        drsmith.profile.account_id,
    )

    def annotate(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.ShareList, reply)
        return wire.encode(
            wire.ShareList([dataclasses.replace(s, role="annotate") for s in listed.shares])
        )

    def old_chain(request: bytes, reply: bytes) -> bytes:
        old = {j.journal_id: j for j in wire.decode(wire.JournalList, old_list).journals}
        current = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([old.get(j.journal_id, j) for j in current]))

    def one_more(request: bytes, reply: bytes) -> bytes:
        current = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList(
                [
                    dataclasses.replace(j, chain_length=j.chain_length + 1, role="annotate")
                    if j.journal_id == personal
                    else j
                    for j in current
                ]
            )
        )

    def appended(request: bytes, reply: bytes) -> bytes:
        answer = wire.decode(wire.AccessReply, reply)
        return wire.encode(
            wire.AccessReply(
                [
                    dataclasses.replace(c, length=c.length + 1, entries=[*c.entries, granted])
                    if c.journal_id == personal
                    else c
                    for c in answer.chains
                ]
            )
        )

    def bump(request: bytes, reply: bytes) -> bytes:
        """A new meta version in the sync pages: the device fetches the (rewritten) list."""
        real = wire.decode(wire.SyncReply, reply)
        pages = [dataclasses.replace(p, meta_version=p.meta_version + 100) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/shares/list"] = annotate
    hostile.replies["/v1/sync"] = bump
    if replay == "old chain":
        hostile.replies["/v1/journals/list"] = old_chain
    else:
        hostile.replies["/v1/journals/list"] = one_more
        hostile.replies["/v1/journals/access"] = appended
    await ana.replica.refresh_journals()
    await ana.sync()
    assert personal in ana.replica.chains.problems()  # the replay is seen, not believed

    assert await ana.safety.flags_reach("Personal") == {"drsmith": "read"}
    # a questionnaire stopped after item 9: the message, and no flag for him (nothing to
    # seal, so nothing is refused either); a result cannot be stored while rolled back
    stopped = await ana.safety.respond_to_answer("phq9", 9, 1)
    assert (stopped.flagged_to, stopped.flag_id) == ([], None)
    with pytest.raises(RollbackError):
        await ana.measures.take("phq9", ITEM_9)
    assert await sealed_for(ana, drsmith) == []
    assert [s.role for s in await ana.shares.list()] == ["read"]

    for path in list(hostile.replies):  # the truth again: still nothing for drsmith
        del hostile.replies[path]
    await ana.replica.refresh_journals()
    assert (await ana.sync()).late_flags == []
    assert personal not in ana.replica.chains.problems()
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == []
    assert (await ana.sync()).late_flags == []
    assert await sealed_for(ana, drsmith) == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []
