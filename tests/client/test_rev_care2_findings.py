"""REV-CARE2: the `care` branch's REV-CARE F1 (refused safety flags and results tried again,
unwithdrawn) and F2 (crisis lines) attacked as a hostile server. Real server on 127.0.0.1
behind tests/client/hostile.py's proxy, real crypto. See /work/REV-CARE2-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def refuse_record(
    hostile: HostileServer,
    record_id: bytes,
    *,
    times: int = 1,
    store: bool = False,
    code: str = "too_large",
    status: int = 400,
) -> list[int]:
    """The server answers `times` pushes that carry `record_id` with `status` `code` (a
    refusal for good); with `store`, it stores the batch first (forwards it) and lies. The
    returned list counts the pushes that carried the record."""
    seen = [0]
    forward = hostile.forward

    async def refusing(session, request: web.Request) -> web.Response:  # type: ignore[no-untyped-def]
        if request.path == "/v1/records/push":
            body = await request.read()
            if record_id in body:
                seen[0] += 1
                if seen[0] <= times:
                    if store:
                        await forward(session, request)
                    reply = wire.encode(wire.ErrorReply(code, "refused"))
                    return web.Response(
                        status=status, body=reply, content_type="application/msgpack"
                    )
        return await forward(session, request)

    hostile.forward = refusing  # type: ignore[method-assign]
    return seen


async def flagged(ana: Client, tom: Client) -> tuple[str, bytes]:
    """ana shares Personal with tom (annotate), opts in, and answers PHQ-9 item 9 with 2 (a
    questionnaire stopped there: the flag is the only trace). Returns (flag id, the outbox
    record id of the flag)."""
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    await ana.sync()
    await tom.sync()
    response = await ana.safety.respond_to_answer("phq9", 9, 2, journal="Personal")
    assert response.flag_id is not None
    [record] = [r for r in await ana.store.outbox() if r.doc_id == bytes.fromhex(response.flag_id)]
    return response.flag_id, record.record_id


async def test_q1_a_flag_stored_then_refused_settles_once_the_server_answers_honestly(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server stores the flag and answers its push 400 (a lie). Next syncs are honest:
    the same bytes are acknowledged idempotently; nothing is left set aside, waiting, or
    withheld anywhere (ana's other device, strict, included)."""
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    seen = refuse_record(hostile, record_id, store=True)
    report = await ana.sync()
    assert report.set_aside == []  # refused, then served back by the same sync: delivered
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]  # stored all along
    report = await ana.sync()
    assert seen[0] == 1  # the pull of the sync of the lie served it (a stub): delivered
    assert report.set_aside == []
    assert await ana.set_aside() == []
    assert not await ana.safety.waiting(flag_id)
    await ana.entries.write(None, "later")
    await ana.sync()
    assert (await tom.sync()).withheld == []
    assert await tom.problems() == []
    await phone.sync(strict=True)
    await phone.close()


async def test_q1_a_flag_stored_then_refused_then_a_rotation_is_not_refused_forever(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """The server stores the flag and answers its push 400 once (one lie). Before the next
    sync ana ends eve's share (a key rotation: the set-aside flag, out of the outbox, is not
    sealed again then). The next sync pushes the old sealing: `stale_epoch`; it is sealed
    again under the same id: the honest server answers `record_conflict` (it holds the first
    sealing); the pull does not serve it again (served in the sync of the lie): set aside
    again, `record_conflict`, tried again at every sync, refused at every sync, for good,
    though tom has had the flag since the first push."""
    ana = await through("ana")
    tom = await signup("tom")
    eve = await signup("eve")
    await share_with(ana, eve, role="read")
    await eve.sync()
    flag_id, record_id = await flagged(ana, tom)
    seen = refuse_record(hostile, record_id, store=True)
    report = await ana.sync()
    assert report.set_aside == []  # refused, then served back by the same sync: delivered
    phone = await login("ana")  # ana's other device ends eve's share
    await phone.sync()
    await phone.shares.revoke("Personal", "eve")
    reports = []
    for _ in range(3):
        reports.append(await ana.sync())
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]  # tom has it
    codes = [[a.code for a in r.set_aside] for r in reports]
    assert await ana.set_aside() == [], (codes, seen[0])
    assert not await ana.safety.waiting(flag_id)


async def test_q1_a_retry_answered_record_conflict_once_still_delivers(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Refused (not stored) once, then the retry answered 409 `record_conflict` (a lie):
    set aside again, tried again, delivered at the next honest sync."""
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    seen = refuse_record(hostile, record_id)
    await ana.sync()
    hostile.forward = HostileServer.forward.__get__(hostile)  # type: ignore[method-assign]
    refuse_record(hostile, record_id, code="record_conflict", status=409)
    report = await ana.sync()
    assert [a.code for a in report.set_aside] == ["record_conflict"], seen
    report = await ana.sync()
    assert report.set_aside == []
    assert not await ana.safety.waiting(flag_id)
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]


async def test_q1_the_gap_at_the_therapist_and_own_devices_clears_once_delivered(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """Refused (not stored) once while a later entry gets through: tom's device and ana's
    phone see a record of ana's laptop withheld (strict sync raises there: real, the server
    does withhold it). At ana's next sync it is delivered: the gap and every problem clear,
    strict syncs pass."""
    from client_sdk.errors import WithheldRecordsError

    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    await phone.sync()
    await ana.entries.write(None, "written after the flag")
    refuse_record(hostile, record_id, times=2)  # the batch of two, then the flag's half
    await ana.sync()
    assert [c.doc_id for c in await ana.set_aside()] == [flag_id]
    gap = (await tom.sync()).withheld
    assert len(gap) == 1
    try:
        await phone.sync(strict=True)
        raised = False
    except WithheldRecordsError:
        raised = True
    assert raised
    await ana.sync()
    assert not await ana.safety.waiting(flag_id)
    assert (await tom.sync()).withheld == []
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
    assert await tom.problems() == []
    await phone.sync(strict=True)
    assert await phone.problems() == []
    await phone.close()


async def test_q2_a_new_share_while_a_flag_is_set_aside(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Refused (not stored) once; ana then shares Personal with sam (a cut: a new epoch).
    The flag, out of the outbox at the grant, is sealed again only at the next sync's
    `stale_epoch`: it reaches tom, no gap is left at tom or sam, nothing stays set aside."""
    ana = await through("ana")
    tom = await signup("tom")
    sam = await signup("sam")
    flag_id, record_id = await flagged(ana, tom)
    refuse_record(hostile, record_id, times=2)
    await ana.entries.write(None, "after the flag")
    await ana.sync()
    assert [c.doc_id for c in await ana.set_aside()] == [flag_id]
    await share_with(ana, sam, role="annotate")
    reports = [await ana.sync() for _ in range(2)]
    assert await ana.set_aside() == [], [[a.code for a in r.set_aside] for r in reports]
    assert not await ana.safety.waiting(flag_id)
    tom_report = await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
    assert tom_report.withheld == []
    assert await tom.problems() == []
    sam_report = await sam.sync()
    assert sam_report.withheld == []
    assert await sam.problems() == []


async def test_q2_a_sync_with_nothing_set_aside_stays_quiet_and_one_with_a_flag_is_not(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    refuse_record(hostile, record_id, times=100)
    await ana.sync()
    await ana.sync()
    assert ana.replica._quiet_at is None
    await ana.drop_set_aside(flag_id)
    await ana.sync()
    await ana.sync()
    assert ana.replica._quiet_at is not None
    assert (await tom.sync()).withheld == []


async def test_q3_the_therapist_sees_the_crisis_line_he_set_on_his_own_device(
    signup: ClientFactory,
) -> None:
    """REV-CARE F2 reads the annotating members from `Replica.current_shares`, which lists
    the members of this account's OWN journals only (`Replica._shares`): on tom's device
    (a member of ana/Personal) nobody annotates, so the line tom set himself is "none set"
    in `tom.safety.plan("ana/Personal")` / `tj safety plan ana/Personal` (it was his line
    before the branch)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Call tom: 555 0199")
    await tom.sync()
    await ana.sync()
    assert (await ana.safety.plan("Personal")).crisis_line_set_by == "tom"  # the owner: fine
    plan = await tom.safety.plan("ana/Personal")
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == ("Call tom: 555 0199", "tom")


async def test_q1_a_flag_delivered_then_a_rotation_leaves_no_problem_anywhere(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """The rotation case above: once the lie's own pull served the flag back, it is
    delivered; after the rotation nothing is set aside, waiting or withheld anywhere."""
    ana = await through("ana")
    tom = await signup("tom")
    eve = await signup("eve")
    await share_with(ana, eve, role="read")
    await eve.sync()
    flag_id, record_id = await flagged(ana, tom)
    refuse_record(hostile, record_id, store=True)
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.shares.revoke("Personal", "eve")
    await ana.sync()
    # served back as a stub by the sync of the lie, it was delivered then: never sealed
    # again, nothing set aside to drop (REV-CARE2 F1's loop cannot start)
    assert await ana.set_aside() == []
    assert not await ana.safety.waiting(flag_id)
    await ana.entries.write(None, "later")
    await ana.sync()
    report = await tom.sync()
    assert report.withheld == [] and await tom.problems() == []
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
    await phone.sync(strict=True)
    assert await phone.problems() == []
    assert (await ana.sync()).set_aside == []


def test_q4_a_tag_holding_a_comma_is_still_named_by_the_cli() -> None:
    """The SDK takes a tag "work,sleep" (documents.check_tags: no comma rule; a Day One
    import, an entry tagged before this branch, another app): `--untag` names a tag whole,
    and the `--tag` filters of `tj list` / `tj search` look for the whole value as well as
    its parts, so the CLI can still remove and find it."""
    import click

    from cli.entries import edit, list_entries
    from cli.main import tag_filter_argument

    ctx = click.Context(click.Command("x"))
    assert tag_filter_argument(ctx, click.Option(["--tag"]), ("work,sleep",)) == (
        "work,sleep",
        "work",
        "sleep",
    )
    [untag] = [p for p in edit.params if p.name == "untags"]
    assert untag.process_value(ctx, ("work,sleep",)) == ("work,sleep",)
    [filtered] = [p for p in list_entries.params if p.name == "tags"]
    assert "work,sleep" in filtered.process_value(ctx, ("work,sleep",))
