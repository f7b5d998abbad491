"""What a device cannot see of a journal is never taken for "no one" (rev29b): a member's
device counts an ended co-member who still holds the key it writes under (F1); a device the
default journal is not on asks before moving the default away from it (F2); a late safety
flag sent in a sync cut off afterwards is told by the next completed sync (F3). A real server
on loopback, a hostile proxy where the server lies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput, NotFound, ReadersToConfirm, TJError, keys, records
from client_sdk.default_journal import DEFAULT_SETTING
from client_sdk.models import ID_SHOWN
from tests.client.flag_judging import past_ms, shift_clock
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_default_journal import upgraded
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.client.test_late_safety_flags import ITEM_9, answer_later
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_brief_read_only_copy import without_journal


async def test_a_members_device_counts_an_ended_co_member_who_holds_the_key_it_writes_under(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rev29b F1: coach's end date passed while ana's devices are offline, so nothing ended
    coach's share or rotated the key. drsmith's device (a member's) would seal what it
    writes next under the key coach holds: `readers()` for what is written next names coach
    (as "an account": members do not learn each other), as for what the journal holds.
    Since rev30a F1 that device holds the note in its outbox until ana's rotation is
    verified there: nothing of it reaches the server under coach's key."""
    ana, drsmith, coach = await signup("ana"), await signup("drsmith"), await signup("coach")
    await share_with(ana, drsmith, role="annotate")
    until = datetime.now(UTC) + timedelta(seconds=4)
    await share_with(ana, coach, role="read", expires_at=until)
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    # The devices' clocks as they will read in a few seconds, past coach's end date.
    shift_clock(monkeypatch, past_ms(until))
    # ana's devices are offline (her phone is off): nothing of hers ends coach's share yet
    said = await drsmith.journals.readers("ana/Personal")
    held = await drsmith.journals.readers("ana/Personal", ended=True)
    assert said == held == ["an account", "ana"]
    await drsmith.notes.add("ana/Personal", "Private words for ana only.")
    await drsmith.sync()
    personal = await journal_id(ana, "Personal")
    local = await coach.context.local_journal("ana/Personal")
    opened = []
    for record_id, epoch, ciphertext in rows(
        server_db(live_server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE journal_id = ? ORDER BY seq",
        personal,
    ):
        try:
            key = await coach.replica.journal_key(local, epoch)
        except TJError:  # an epoch sealed after coach's share ended: not coach's to open
            continue
        body = records.open_record(
            key,
            personal,
            bytes(record_id),
            epoch,
            bytes(ciphertext),
            lambda author: (
                (
                    drsmith if author == drsmith.profile.account_id else ana
                ).profile.secrets.sign_public_key
            ),
        )
        if body.author == drsmith.profile.account_id:
            opened.append(body)
    assert not any(b"Private words for ana only." in body.payload for body in opened)
    assert await drsmith.store.outbox(), "the note left drsmith's device"
    # what drsmith's device says reads what it writes next names whoever can open it
    assert "an account" in said


def joined(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_a_device_the_default_journal_is_not_on_asks_before_moving_the_default(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev29b F2: the server never lists ana's shared default journal (drsmith reads it and
    gets its safety flags) to her new phone, which holds no copy of it. Moving the default
    to "Private" there is asked (subject "readers left"), saying the default journal is not
    on this device and who reads it cannot be checked here, and changes nothing; confirmed
    (`leave_readers`), it moves."""
    laptop = await signup("ana")
    drsmith = await signup("drsmith")
    await laptop.safety.set_plan(emergency_number="999", crisis_line="Ana's line", plan="Call Mum.")
    await share_with(laptop, drsmith, role="annotate", safety_flags=True)
    await laptop.journals.create("Private")
    await laptop.sync()
    with pytest.raises(InvalidInput) as control:  # asked where Personal is held
        await laptop.journals.set_default("Private")
    assert control.value.subject == "readers left"
    personal = (await laptop.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        assert personal not in [j.id for j in await phone.journals.list()]
        with pytest.raises(ReadersToConfirm) as asked:
            await phone.journals.set_default("Private")
        assert asked.value.subject == "readers left"
        said = joined([str(asked.value)])
        assert f"your default journal (id {personal[:ID_SHOWN]}, the one made when you " in said, (
            said
        )
        assert "is not on this device" in said, said
        assert "who reads it, and whom its safety flags reach, cannot be checked here" in said
        assert asked.value.names["journal id"] == personal
        with pytest.raises(NotFound):  # nothing was changed
            await phone.journals.default()
        moved = await phone.journals.set_default("Private", leave_readers=True)
        assert (await phone.journals.default()).id == moved.id
    finally:
        await phone.close()


async def test_an_older_accounts_new_device_is_asked_and_its_upgraded_device_is_not(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An account made before SDKs derived the default journal's id (its "Personal" has
    another id, named by an older SDK): the device that held it before this SDK adopts it
    (DEFAULT_SETTLED) and moves its default with no question where no one else reads it; a
    device signed in with this SDK cannot tell that account from a withheld default, and
    asks (rev29b F2), its words naming the older account; confirmed, it moves."""
    laptop = await signup("ana")
    personal = await journal_id(laptop, "Personal")
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await named_by_an_older_sdk(live_server, laptop, personal, "Personal")
    await laptop.journals.create("Later")
    await laptop.sync()
    laptop = await upgraded(laptop)
    try:
        assert await laptop.store.setting(DEFAULT_SETTING) == personal.hex()
        await laptop.sync()
        assert (await laptop.journals.set_default("Later")).name == "Later"
    finally:
        await laptop.close()
    desktop = await login("ana", "desktop")
    await desktop.sync()
    with pytest.raises(ReadersToConfirm) as asked:
        await desktop.journals.set_default("Later")
    said = joined([str(asked.value)])
    assert "your account is older than default journals made by id" in said, said
    assert (await desktop.journals.set_default("Later", leave_readers=True)).name == "Later"


@pytest.mark.parametrize("cut", [False, True], ids=["completed", "cut-off"])
async def test_a_late_flag_sent_in_a_sync_cut_off_afterwards_is_told_by_the_next(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cut: bool,
) -> None:
    """rev29b F3 (R37's late flag, rev29a F4's kind): the phone answers PHQ-9 item 9 before
    it knew of the opt-in; its next sync seals the late flag and pushes it, then the server
    holds the sign-ins look past the quick-sync limit (`cut-off`). The flag reaches drsmith,
    and exactly one later report names it (the next completed sync's `flags_sent`, of the
    same process or a new one); `completed`: the sync's own `late_flags` names it, once."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        await share_with(laptop, drsmith, role="annotate")
        await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
        await laptop.sync()
        answer_later(live_server, monkeypatch)  # the phone has not synced since
        taken = await phone.measures.take("phq9", ITEM_9)
        response = await phone.safety.respond(taken.result)
        assert response.flag_id is None  # the phone did not know of the opt-in yet
        told: list[object] = []
        if cut:
            stalled = asyncio.Event()
            held: list[str] = []

            async def stall() -> None:
                held.append("held")
                limit.reschedule(asyncio.get_running_loop().time())
                await stalled.wait()

            phone.devices.look_soon()
            for path in ("/v1/account/sign-ins", "/v1/devices/list"):
                hostile.holds[path] = stall
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(10) as limit:  # a command's quick-sync limit
                    await phone.sync()
            assert held, hostile.paths[-5:]
            hostile.holds.clear()
            stalled.set()
        else:
            report = await phone.sync()
            told += [*report.late_flags, *report.flags_sent]
        await drsmith.sync()
        got = await drsmith.safety.flags("ana/Personal")
        assert len(got) == 1  # the late flag reached drsmith
        report = await phone.sync()
        told += [*report.late_flags, *report.flags_sent]
        reopened = await Client.open(phone.home)  # the next `tj sync`
        try:
            report = await reopened.sync()
            told += [*report.late_flags, *report.flags_sent]
        finally:
            await reopened.close()
        assert len(told) == 1, told
    finally:
        await phone.close()
