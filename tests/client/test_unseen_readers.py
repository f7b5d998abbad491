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

from client_sdk import Client, InvalidInput, TJError, records
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_late_safety_flags import ITEM_9, answer_later
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_brief_read_only_copy import without_journal


async def test_a_members_device_counts_an_ended_co_member_who_holds_the_key_it_writes_under(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """rev29b F1: coach's end date passed while ana's devices are offline, so nothing ended
    coach's share or rotated the key. drsmith's device (a member's) seals what it writes
    next under the key coach holds: `readers()` for what is written next names coach (as
    "an account": members do not learn each other), as for what the journal holds."""
    ana, drsmith, coach = await signup("ana"), await signup("drsmith"), await signup("coach")
    await share_with(ana, drsmith, role="annotate")
    until = datetime.now(UTC) + timedelta(seconds=4)
    await share_with(ana, coach, role="read", expires_at=until)
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    await asyncio.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.5)
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
    assert any(b"Private words for ana only." in body.payload for body in opened)
    # what drsmith's device says reads what it writes next names whoever can open it
    assert "an account" in said


def joined(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_a_device_the_default_journal_is_not_on_asks_before_moving_the_default(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
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
        said = joined(await phone.safety.message())
        print("G2 message:", said)
        try:
            await phone.journals.set_default("Private")
            moved = "moved without asking"
        except InvalidInput as error:
            moved = f"refused: {error.subject}: {error}"
        print("G2:", moved)
        if moved == "moved without asking":
            taken = await phone.measures.take("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2])
            await phone.sync()
            await drsmith.sync()
            print(
                "G2 take:",
                taken.result.journal,
                "phone flags:",
                await phone.safety.flags(),
                "drsmith flags:",
                await drsmith.safety.flags(),
            )
        assert moved.startswith("refused"), moved
    finally:
        await phone.close()


@pytest.mark.parametrize("cut", [False, True], ids=["completed", "cut-off"])
async def test_a_late_flag_sent_in_a_sync_cut_off_afterwards_is_told_by_the_next(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cut: bool,
) -> None:
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
        print("G3 drsmith holds:", len(got))
        assert len(got) == 1  # the late flag reached drsmith
        report = await phone.sync()
        told += [*report.late_flags, *report.flags_sent]
        reopened = await Client.open(phone.home)  # the next `tj sync`
        try:
            report = await reopened.sync()
            told += [*report.late_flags, *report.flags_sent]
        finally:
            await reopened.close()
        print("G3 told:", told)
        assert len(told) == 1, told
    finally:
        await phone.close()
