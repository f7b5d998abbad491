"""R49 (hostile review of integ6's last merges: fix-nu26c5, fix-known, fix-nu27b,
fix-nu27c2). Each test fails on integ6 and states the outcome a user is owed.
Real server on loopback, real crypto."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from cli import output
from client_sdk import FlagsWouldStop, SyncReport, wire
from client_sdk.departures import CHANGED, NARROWED, RELISTED, UNLISTED, Departure
from client_sdk.errors import READ_ROLE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


async def test_narrowing_on_a_device_that_had_not_synced_the_opt_in_still_asks_first(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R49 F1: the client opted her therapist in for safety flags on her phone; on her
    laptop (not synced since) an app narrows his share with `grant(only=...)`. The call
    syncs before it signs (`Sharing._grant`: `replica.sync()`), so the narrowing is signed
    knowing flags reach him now, yet FlagsWouldStop was decided before that sync, on the
    laptop's old copy of the plan: flags stop with nobody asked (NU24 C13)."""
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "hello", mood=5, tags=["sleep"])
    await share_with(laptop, tom, role="annotate")
    phone = await login("ana")
    await phone.sync(strict=True)
    await phone.safety.set_plan(share_flags=True, flags_for="tom")
    assert await phone.safety.flags_reach("Personal") == {"tom": "on"}
    await phone.sync(strict=True)

    with pytest.raises(FlagsWouldStop):
        await laptop.shares.grant("Personal", "tom", only=["mood", "tags"])
    [share] = await laptop.shares.list()
    assert share.fields is None  # nothing narrowed
    assert await laptop.safety.flags_reach("Personal") == {"tom": "on"}


async def test_the_read_role_on_a_device_that_had_not_synced_the_opt_in_still_asks_first(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R49 F1, the read role: `grant(role="read")` on the laptop (not synced since the phone
    opted tom in) is decided after the call's own sync, on the plan it signs on:
    FlagsWouldStop (READ_ROLE), tom keeps the annotate role and the flags; with
    `stop_flags=True` the role changes."""
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "hello", mood=5)
    await share_with(laptop, tom, role="annotate")
    phone = await login("ana")
    await phone.sync(strict=True)
    await phone.safety.set_plan(share_flags=True, flags_for="tom")
    await phone.sync(strict=True)

    with pytest.raises(FlagsWouldStop) as asked:
        await laptop.shares.grant("Personal", "tom", role="read")
    assert asked.value.reason == READ_ROLE
    [share] = await laptop.shares.list()
    assert share.role == "annotate"
    assert await laptop.safety.flags_reach("Personal") == {"tom": "on"}
    changed = await laptop.shares.grant("Personal", "tom", role="read", stop_flags=True)
    assert changed.role == "read"
    assert await laptop.safety.flags_reach("Personal") == {"tom": "read"}


async def test_a_server_that_unlists_a_journal_for_one_sync_cannot_hide_a_signed_role_change(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """R49 F2: the member's device tells a role change by comparing the owner-signed terms
    it verified before and after a refresh (`Replica._shares_ended`, `_new_terms`), but only
    for a journal its store held with a live role: `previous.role not in keys.ROLES` skips
    it. A server that leaves the journal out of one journal list (told "no longer served",
    the server's word) and lists it again with the chain that holds the owner's `changed`
    entry gets the change verified and applied with nothing told: the therapist is never
    told "ana made your share of Personal read-only" (nor a new end date): the journal is
    back, read-only, without a word."""
    ana = await signup("ana")
    tom = await through("tom")
    personal = await journal_id(ana, "Personal")
    await share_with(ana, tom, role="annotate")
    await tom.sync()

    def unlisted(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        kept = [j for j in real.journals if j.journal_id != personal]
        return wire.encode(dataclasses.replace(real, journals=kept))

    await share_with(ana, tom, role="read")  # signed: `changed` to read
    hostile.replies["/v1/journals/list"] = unlisted
    hidden = await tom.sync()
    assert [d.reason for d in hidden.departures] == [UNLISTED]  # the server's word, said so
    del hostile.replies["/v1/journals/list"]
    told = (await tom.sync()).departures + (await tom.sync()).departures
    assert [s.role for s in await tom.shares.with_me()] == ["read"]  # verified and applied
    assert [(d.reason, d.was_role, d.role) for d in told if d.journal_id == personal.hex()] == [
        (NARROWED, "annotate", "read")
    ]


async def test_a_journal_listed_again_with_the_same_terms_is_told_served_again_once(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """R49 F2 (fix): a journal the server left out of one journal list (told "no longer
    served", its word) and lists again under the same membership, whose owner-signed terms
    did not change, is told as served again (RELISTED), once; nothing else."""
    ana = await signup("ana")
    tom = await through("tom")
    personal = await journal_id(ana, "Personal")
    await share_with(ana, tom, role="annotate")
    await tom.sync()

    def unlisted(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        kept = [j for j in real.journals if j.journal_id != personal]
        return wire.encode(dataclasses.replace(real, journals=kept))

    hostile.replies["/v1/journals/list"] = unlisted
    await tom.shares.with_me(refresh=True)  # nothing changed on the server: a list asked
    assert [d.reason for d in (await tom.sync()).departures] == [UNLISTED]
    assert [d.reason for d in (await tom.sync()).departures] == []  # told once
    del hostile.replies["/v1/journals/list"]
    await tom.shares.with_me(refresh=True)
    told = (await tom.sync()).departures + (await tom.sync()).departures
    assert [s.role for s in await tom.shares.with_me()] == ["annotate"]
    assert [(d.reason, d.owner) for d in told if d.journal_id == personal.hex()] == [
        (RELISTED, "ana")
    ]
    [back] = told
    assert "serves ana's 'Personal' to you again" in back.describe()


async def test_a_server_that_unlists_a_journal_for_one_sync_cannot_hide_a_new_end_date(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """R49 F2, an end date: the same unlisting cannot hide that the owner set one; told as
    "changed" with both dates, once."""
    ana = await signup("ana")
    tom = await through("tom")
    personal = await journal_id(ana, "Personal")
    await share_with(ana, tom, role="annotate")
    await tom.sync()

    def unlisted(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        kept = [j for j in real.journals if j.journal_id != personal]
        return wire.encode(dataclasses.replace(real, journals=kept))

    until = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=30)
    dated = await share_with(ana, tom, expires_at=until)
    hostile.replies["/v1/journals/list"] = unlisted
    assert [d.reason for d in (await tom.sync()).departures] == [UNLISTED]
    del hostile.replies["/v1/journals/list"]
    await tom.shares.with_me(refresh=True)
    told = (await tom.sync()).departures + (await tom.sync()).departures
    assert dated.expires_at is not None
    assert [(d.reason, d.was_until, d.until) for d in told] == [
        (CHANGED, 0, int(dated.expires_at.timestamp() * 1000))
    ]


def test_served_again_is_said_in_words_by_the_sdk_and_the_cli() -> None:
    """R49 F2: RELISTED's sentence names the owner and journal and says the terms are the
    same (the server's word); `tj sync` says it as a notice."""
    back = Departure("tom", "Personal", "ab" * 16, RELISTED, 1_800_000_000_000, "ana")
    assert back.describe().startswith("the server serves ana's 'Personal' to you again (")
    [line] = output.departure_lines(SyncReport(departures=[back]))
    assert line.startswith("Notice: ana's 'Personal' is served to you again (")
    assert output.shown(line).endswith("you read it as before (`tj shared-with-me`).")
