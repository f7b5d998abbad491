"""`copy_plan` copies only the plan the source journal's owner wrote, as this device holds
it (fix30b 6): a safety plan document a member (with the server's help) put in the source
journal is never copied, nor its number or text (the plan is the owner-created document
alone, and members' SAFETY_PLAN records are refused); a server withholding the source plan's
latest change gets the older plan copied (a freshness limit, as anywhere), which the
record-withholding check names once a later record of that device arrives (protocol.md 4.18).
Real server on loopback (the record dropped from its database), real crypto."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from client_sdk import InvalidInput, crypto, wire
from client_sdk.documents import Document
from client_sdk.safety import SAFETY_PLAN, plan_update
from tests.client.sharing_support import forged_record, journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer


async def test_a_plan_a_member_put_in_the_source_journal_is_never_copied(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Work")
    await share_with(ana, tom, "Work", role="annotate")
    await tom.sync()
    forged = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_PLAN)
    payload = plan_update(
        forged, 1, emergency_number="0900 123", crisis_line="Tom's paid line",
        plan="Call 0900 123 first.", creating=True,
    )  # fmt: skip
    upload = await forged_record(tom, "ana/Work", forged, SAFETY_PLAN, payload)
    work = await journal_id(ana, "Work")
    await tom.transport.call("/v1/records/push", wire.PushRequest(work, [upload]), wire.PushReply)
    report = await ana.sync()  # stored by the server, served to ana: refused there
    assert report.refused == 1, report.problems
    with pytest.raises(InvalidInput) as refused:  # ana wrote none in Work: nothing to copy
        await ana.safety.copy_plan("Work")
    assert "has no safety plan written" in str(refused.value)
    await ana.safety.set_plan(journal="Work", emergency_number="999", plan="Call Mum.")
    copied = await ana.safety.copy_plan("Work")
    assert (copied.emergency_number, copied.crisis_line, copied.plan) == ("999", None, "Call Mum.")
    said = " ".join(await ana.safety.message())
    assert "0900" not in said and "Tom's paid line" not in said, said


async def test_a_withheld_change_of_the_source_plan_copies_the_older_plan_and_is_named(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Work")
    await laptop.safety.set_plan(journal="Work", emergency_number="111", plan="Old plan.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    work = await journal_id(laptop, "Work")
    await laptop.safety.set_plan(journal="Work", emergency_number="222", plan="New plan.")
    held = [r.record_id for r in await laptop.store.outbox() if r.journal_id == work]
    await laptop.sync()
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.executemany("DELETE FROM records WHERE record_id = ?", [(r,) for r in held])
    await phone.sync()  # nothing tells the phone yet: the server may always be behind
    copied = await phone.safety.copy_plan("Work", replace_written=True)
    assert (copied.emergency_number, copied.plan) == ("111", "Old plan.")
    await laptop.entries.write("Work", "A later entry.")
    await laptop.sync()
    report = await phone.sync()  # a later record of the laptop: the gap is named
    assert [g.journal_id for g in report.withheld] == [work], report.withheld
