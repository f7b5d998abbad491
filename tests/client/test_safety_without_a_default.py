"""The safety path of an older account whose adopted default journal takes no write naming
no journal (unconfirmed: no journal list read since the update; ended: shared since): the
plan, its history and the safety message are read from that journal all the same, and a
flag without a score reaches the members the owner's plan opted in. Plain writes naming no
journal stay refused (default_journal.py, protocol.md 4.16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, NotFound, keys, wire
from client_sdk.default_journal import NO_DEFAULT
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_default_journal import upgraded
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.client.test_nu43_findings import hiding
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PLAN = "Ring Jo, then walk to the park."


async def older_tablet(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    *,
    shared: bool,
) -> tuple[Client, Client]:
    """ana's plan (emergency 999) written on her laptop, "Personal" shared with drlee (who
    is opted in to safety flags) when `shared`; then her tablet, an older account's device
    just updated and not synced since. The tablet and drlee."""
    laptop = await signup("ana")
    drlee = await signup("drlee")
    first = await journal_id(laptop, "Personal")
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await named_by_an_older_sdk(live_server, laptop, first, "Personal")
    await laptop.safety.set_plan(emergency_number="999", plan=PLAN)
    if shared:
        await share_with(laptop, drlee, role="annotate")
        await laptop.safety.set_plan(share_flags=True, flags_for="drlee")
    await laptop.sync()
    tablet = await login("ana", "tablet")
    await tablet.sync()
    return await upgraded(tablet), drlee


@pytest.mark.parametrize("shared", [False, True], ids=["unconfirmed", "ended"])
async def test_the_safety_plan_is_read_while_no_default_takes_a_write(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    shared: bool,
) -> None:
    """Unconfirmed (not synced since the update) or ended (shared with drlee, synced): a
    write naming no journal is refused, and the plan, its history and the safety message,
    with the number and the text ana set, are read from her adopted "Personal"."""
    tablet, _ = await older_tablet(signup, login, live_server, monkeypatch, shared=shared)
    try:
        if shared:
            await tablet.sync()
        with pytest.raises(NotFound) as refused:
            await tablet.entries.write(None, "Meant for my private journal")
        assert refused.value.subject == (NO_DEFAULT if shared else "sync")
        plan = await tablet.safety.plan()
        assert (plan.emergency_number, plan.plan) == ("999", PLAN)
        assert await tablet.safety.history() == []  # none written on the tablet: read, not refused
        message = "\n".join(await tablet.safety.message())
        assert "call 999" in message
        assert PLAN in message
        assert "default journal" not in message
    finally:
        await tablet.close()


async def test_a_flag_without_a_score_reaches_the_opted_in_member_with_no_default(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana's adopted "Personal" is shared with drlee, whom her owner-signed plan opts in to
    safety flags: an item-9 answer above 0 whose result cannot be saved naming no journal
    (no default to write in) still seals a flag without a score for drlee."""
    tablet, drlee = await older_tablet(signup, login, live_server, monkeypatch, shared=True)
    try:
        await tablet.sync()
        with pytest.raises(NotFound):
            await tablet.measures.take("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 3])
        response = await tablet.safety.respond_to_answer("phq9", 9, 3)
        assert response.flagged_to == ["drlee"]
        assert PLAN in "\n".join(response.lines)
        await tablet.sync()
    finally:
        await tablet.close()
    await drlee.sync()
    [flag] = await drlee.safety.flags()
    assert (flag.journal, flag.item, flag.answer, flag.result_id) == ("ana/Personal", 9, 3, "")


@pytest.mark.parametrize("scoreless_first", [False, True], ids=["result-only", "scoreless-first"])
async def test_the_sync_seals_the_flag_owed_in_the_journal_a_result_was_saved_in(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    scoreless_first: bool,
) -> None:
    """With no default to write in, a flag without a score is sealed in the adopted journal
    for drlee under a result id; the result is then saved under that id into "Therapy" (the
    draft's command with --journal, as the CLI says) and the process stops before `respond`:
    the sync seals tom's flag in Therapy, as when no flag came first."""
    tablet, _ = await older_tablet(signup, login, live_server, monkeypatch, shared=True)
    tom = await signup("tom")
    worst = [0] * 8 + [3]
    try:
        await tablet.sync()  # adoption ENDED: Personal is shared with drlee
        await tablet.journals.create("Therapy")
        await share_with(tablet, tom, "Therapy", role="annotate")
        await tablet.safety.set_plan(journal="Therapy", share_flags=True, flags_for="tom")
        await tablet.sync()
        rid = tablet.measures.new_result_id()
        if scoreless_first:
            with pytest.raises(NotFound):
                await tablet.measures.take("phq9", worst, result_id=rid)
            response = await tablet.safety.respond_to_answer("phq9", 9, 3, result_id=rid)
            assert response.flagged_to == ["drlee"]
        await tablet.measures.take("phq9", worst, journal="Therapy", result_id=rid)
        report = await tablet.sync()
        assert [(f.journal, f.members) for f in report.late_flags] == [("Therapy", ("tom",))]
        await tablet.sync()
    finally:
        await tablet.close()
    await tom.sync()
    flags = await tom.safety.flags()
    assert [(f.journal, f.answer, f.result_id) for f in flags] == [("ana/Therapy", 3, rid)]


async def test_the_sync_seals_a_flag_for_a_worse_answer_saved_under_a_scoreless_flags_id(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flag without a score for an answer of 1 does not stand for a result of 3 saved
    under its id since, at the sync as in `respond`: drlee gets a flag with the answer 3."""
    tablet, drlee = await older_tablet(signup, login, live_server, monkeypatch, shared=True)
    try:
        await tablet.sync()
        rid = tablet.measures.new_result_id()
        response = await tablet.safety.respond_to_answer("phq9", 9, 1, result_id=rid)
        assert response.flagged_to == ["drlee"]
        await tablet.measures.take("phq9", [0] * 8 + [3], journal="Personal", result_id=rid)
        report = await tablet.sync()
        assert [f.members for f in report.late_flags] == [("drlee",)]
        await tablet.sync()
    finally:
        await tablet.close()
    await drlee.sync()
    assert sorted(f.answer for f in await drlee.safety.flags()) == [1, 3]


async def with_no_default_journal(signup: ClientFactory) -> Client:
    """fay deleted "Personal", the journal her sign-up made, and wrote her plan (emergency
    number 112) in "Work": she has no default journal until she chooses one."""
    fay = await signup("fay")
    await fay.journals.create("Work")
    await fay.safety.set_plan(journal="Work", emergency_number="112", plan="Call Sam")
    await fay.journals.delete("Personal")
    with pytest.raises(NotFound) as none:
        await fay.journals.default()
    assert none.value.subject == NO_DEFAULT
    return fay


NOT_SHOWN = "The safety plan of your default journal cannot be shown"


async def test_the_safety_message_with_no_default_journal_says_its_plan_cannot_be_shown(
    signup: ClientFactory,
) -> None:
    """With no default journal here, the message naming no journal shows the built-in
    numbers and says the default journal's plan cannot be shown, never the plan of "Work"
    in its place: which other journal a device holds is the server's word (rev29a F1, F2).
    Once fay chooses Work as her default, its plan is shown."""
    fay = await with_no_default_journal(signup)
    lines = await fay.safety.message()
    assert not any("Call Sam" in line or "call 112 " in line for line in lines), lines
    assert any(line.startswith(NOT_SHOWN) for line in lines), lines
    assert not any("not written" in line for line in lines), lines
    assert await fay.safety.message("") == lines
    await fay.journals.set_default("Work")
    chosen = " ".join(await fay.safety.message())
    assert "call 112 " in chosen and "Call Sam" in chosen and NOT_SHOWN not in chosen, chosen


async def test_a_stopped_answer_with_no_default_journal_gets_the_message_and_says_no_flag(
    signup: ClientFactory,
) -> None:
    fay = await with_no_default_journal(signup)
    response = await fay.safety.respond_to_answer("phq9", 9, 3)
    assert any(line.startswith(NOT_SHOWN) for line in response.lines), response.lines
    assert not any("Call Sam" in line for line in response.lines), response.lines
    assert (response.flagged_to, response.flag_id) == ([], None)
    assert response.no_flag is not None and "no default journal" in response.no_flag
    with pytest.raises(NotFound):  # a journal named and unknown is still an error
        await fay.safety.respond_to_answer("phq9", 9, 3, journal="Nowhere")


async def test_a_withheld_default_journal_still_gives_the_users_own_plan_kept_here(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """fay's plan (112, "Call Sam") is in "Work", the default her phone chose; the server
    then leaves "Work" out of the phone's journal list. The phone keeps a read-only copy of
    her own journal, its plan signed by her: the safety message and a stopped answer show
    that plan, never "not written", and the no-flag line names the default no longer on the
    server."""
    fay = await signup("fay")
    await fay.journals.create("Work")
    await fay.safety.set_plan(journal="Work", emergency_number="112", plan="Call Sam")
    await fay.sync()
    work = bytes.fromhex((await fay.journals.get("Work")).id)
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await Client.login(
            hostile.url, "fay", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        try:
            await phone.sync()
            await phone.journals.set_default("Work")
            assert any("Call Sam" in line for line in await phone.safety.message())
            hostile.replies["/v1/journals/list"] = hiding(work)
            await fay.journals.create("Other")  # the phone reads the journal list again
            await fay.sync()
            await phone.sync()
            [kept] = [j for j in await phone.journals.list() if j.name == "Work"]
            assert kept.read_only_copy
            lines = await phone.safety.message()
            answered = await phone.safety.respond_to_answer("phq9", 9, 3)
        finally:
            await phone.close()
    for shown in (lines, answered.lines):
        assert any("112" in line for line in shown), shown
        assert any("Call Sam" in line for line in shown), shown
        assert not any("not written" in line for line in shown), shown
    assert not answered.plan_missing
    assert answered.no_flag is not None and "Work" in answered.no_flag
    assert "no longer on the server" in answered.no_flag
    assert (answered.flagged_to, answered.flag_id) == ([], None)


async def test_with_no_default_a_therapists_line_shows_only_for_the_journal_it_was_set_in(
    signup: ClientFactory,
) -> None:
    """fay shares "Work" with drlee, who sets a crisis line there; fay deletes "Personal"
    and has written no plan: the message naming "Work" shows drlee's line; one naming no
    journal shows the built-in numbers and says the default journal's plan cannot be shown,
    never a line of another journal, which a server could pick by what it lists (rev29a
    F2)."""
    fay, drlee = await signup("fay"), await signup("drlee")
    await fay.journals.create("Work")
    await share_with(fay, drlee, "Work", role="annotate")
    await drlee.sync()
    [shared] = [j for j in await drlee.journals.list() if j.name.endswith("Work")]
    await drlee.safety.set_crisis_line(shared.id, "Clinic line 0800 555 000")
    await drlee.sync()
    await fay.sync()
    await fay.journals.delete("Personal")
    line = "To talk to someone now: Clinic line 0800 555 000 (set by drlee)."
    work = await fay.safety.message("Work")
    assert line in work and any(shown.startswith(NOT_SHOWN) for shown in work), work
    for lines in (
        await fay.safety.message(),
        (await fay.safety.respond_to_answer("phq9", 9, 3)).lines,
    ):
        assert not any("Clinic line" in shown for shown in lines), lines
        assert any(shown.startswith(NOT_SHOWN) for shown in lines), lines


async def test_with_no_default_a_members_journal_relabelled_as_own_never_gives_its_plan(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """mal shares her journal "Mine" (her plan: 666, "Call mal now") with fay; the server
    relabels it in fay's phone's journal list as fay's own, and fay has no default journal:
    the journal's owner is the one its signed chain names, so neither the message nor a
    stopped answer shows mal's plan."""
    fay, mal = await signup("fay"), await signup("mal")
    await mal.journals.create("Mine")
    await mal.safety.set_plan(journal="Mine", emergency_number="666", plan="Call mal now")
    await share_with(mal, fay, "Mine", role="read")
    await mal.sync()
    mine = bytes.fromhex((await mal.journals.get("Mine")).id)

    def relabel(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        account = fay.context.profile.account_id
        own = {"owner_id": account, "role": "owner", "owner_name": "fay"}
        return wire.encode(
            wire.JournalList(
                [wire.Journal(**{**vars(j), **own}) if j.journal_id == mine else j for j in listed]
            )
        )

    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await Client.login(
            hostile.url, "fay", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        try:
            await phone.sync()
            await phone.journals.delete("Personal")
            hostile.replies["/v1/journals/list"] = relabel
            await mal.journals.create("Other")
            await mal.sync()
            try:
                await phone.sync()
            except Exception:  # noqa: BLE001 - a refusal of the relabelled list is fine too
                pass
            lines = await phone.safety.message()
            answered = await phone.safety.respond_to_answer("phq9", 9, 3)
        finally:
            await phone.close()
    for line in lines + answered.lines:
        assert "666" not in line and "Call mal" not in line, line
