"""R23 F1: a field-level share is named in its source journal's own access chain (a
`limited` entry, closed by `limited_removed` when the owner ends it), so that an owner
device that never saw the copy (a new phone; the server hides the copy) learns of it from
owner-signed data and never widens it; and an account that is no member of a journal gets a
whole-journal share only with `full=True`. Real server on 127.0.0.1 (and the hostile proxy of
tests/client/hostile.py), real crypto."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.errors import InvalidInput
from client_sdk.sharing import Sharing
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_share_ended_notices import DAY_MS, move_clocks
from tests.conftest import PASSWORD, ClientFactory, RunningServer

SECRET = "I never told anyone about the accident"


def hiding(mirror: bytes) -> object:
    def hide(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != mirror]))

    return hide


async def new_phone(url: str, home: Path) -> Client:
    return await Client.login(
        url, "ana", PASSWORD, home=home, device_name="phone", minimum_cost=INSECURE_TEST_COST
    )


async def tom_reads_the_secret(ana: Client, tom: Client) -> tuple[object, bool]:
    """(tom's whole-journal membership of Personal as ana's laptop verifies it, whether
    tom's device reads the secret entry body)."""
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    whole = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    await tom.sync()
    return whole, SECRET in {e.body for e in await tom.entries.list()}


async def test_the_source_chain_names_the_copy_and_the_member_gets_no_key_of_the_source(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    personal = await journal_id(ana, "Personal")
    state = ana.replica.chains.current(personal)
    in_force, closed = state.limited_of(tom.profile.account_id)
    assert [(s.mirror, s.who and s.who.username) for s in in_force] == [
        (bytes.fromhex(first.journal_id), "tom")
    ]
    assert closed == [] and state.members == {}  # no membership: nothing sealed to tom
    assert all(not handles for handles in state.sealed_to.values())
    await tom.sync()
    shared = [j.name for j in await tom.journals.list() if j.name != "Personal"]
    assert shared == [f"ana/{first.journal}"]  # not ana's Personal
    assert [k for k in tom.replica._keys if k[0] == personal] == []
    members = "SELECT account_id FROM members WHERE journal_id = ?"
    assert rows(server_db(live_server), members, personal) == [(ana.profile.account_id,)]

    await ana.shares.revoke("Personal", "tom")
    in_force, closed = ana.replica.chains.current(personal).limited_of(tom.profile.account_id)
    assert (in_force, [s.mirror for s in closed]) == ([], [bytes.fromhex(first.journal_id)])


async def test_a_new_device_refuses_a_role_change_when_an_earlier_whole_share_lapsed(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """tom's whole share ran out (an `ended` entry: a lapsed membership, which a new role
    would renew); then ana shares only mood with him. On a new phone the server hides the
    copy: only the source chain's `limited` entry says tom reads part of Personal, and the
    phone refuses instead of renewing the whole share."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "An old entry.", mood=4)
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs `ended`
    personal = await journal_id(ana, "Personal")
    lapsed = ana.replica.chains.current(personal).last_terms(tom.profile.account_id)
    assert lapsed is not None and lapsed[1] is False
    first = await share_with(ana, tom, only=["mood"])
    await ana.entries.write("Personal", SECRET, mood=3)
    await ana.sync()

    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = await new_phone(hostile.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        with pytest.raises(InvalidInput, match=r"can't tell whether tom reads only some.*full"):
            await phone.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
        with pytest.raises(InvalidInput, match="full"):
            await phone.shares.limited("Personal", "tom")
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    assert await tom_reads_the_secret(ana, tom) == (None, False)


async def test_a_new_device_with_an_honest_server_changes_the_role_of_the_copy(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    phone = await new_phone(live_server.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        changed = await phone.shares.grant(
            "Personal", "tom", role="annotate", trust_on_first_use=True
        )
    finally:
        await phone.close()
    assert (changed.journal, changed.kind, changed.fields, changed.role) == (
        first.journal,
        "mirror",
        ("mood",),
        "annotate",
    )
    assert await tom_reads_the_secret(ana, tom) == (None, False)
    await tom.sync()
    shared = [(j.name, j.role) for j in await tom.journals.list() if j.name != "Personal"]
    assert shared == [(f"ana/{first.journal}", "annotate")]


async def test_after_the_copy_ended_a_new_device_asks_for_full_or_only_even_if_it_is_hidden(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    await ana.shares.revoke("Personal", "tom")

    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = await new_phone(hostile.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        with pytest.raises(InvalidInput, match=r"tom read only some fields of 'Personal'.*full"):
            await phone.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
        with pytest.raises(InvalidInput, match="full=True.*only="):
            await phone.shares.grant("Personal", "tom", expires_at=datetime.now().astimezone()
                                     + timedelta(days=3), trust_on_first_use=True)  # fmt: skip
        again = await phone.shares.grant("Personal", "tom", only=["mood"])
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    assert (again.kind, again.fields) == ("mirror", ("mood",))
    assert await tom_reads_the_secret(ana, tom) == (None, False)
    widened = await ana.shares.grant("Personal", "tom", full=True)
    assert (widened.journal, widened.kind) == ("Personal", "journal")


async def test_a_grant_to_someone_who_is_no_member_takes_full_or_only(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    fingerprint = await tom.shares.fingerprint()
    for terms in ({}, {"role": "annotate"}, {"expires_at": datetime.now().astimezone()
                                             + timedelta(days=3)}):  # fmt: skip
        with pytest.raises(InvalidInput, match=r"tom is not a member of 'Personal'.*full=True"):
            await ana.shares.grant("Personal", "tom", fingerprint=fingerprint, **terms)
    assert await tom_reads_the_secret(ana, tom) == (None, False)
    shared = await ana.shares.grant("Personal", "tom", fingerprint=fingerprint, full=True)
    assert (shared.journal, shared.kind, shared.role) == ("Personal", "journal", "read")
    changed = await ana.shares.grant("Personal", "tom", role="annotate")  # a member: no full
    assert (changed.journal, changed.role) == ("Personal", "annotate")


async def test_a_copy_made_before_the_source_named_it_keeps_working(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older chain (a copy made by an app before `limited` entries): it verifies; a
    device that verified the copy keeps it limited; a new device the server hides it from
    refuses a role alone (tom is no member of Personal), never widens."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    with monkeypatch.context() as old_app:
        old_app.setattr(Sharing, "_limited_changes", lambda self, state, peer, mirror: [])
        first = await share_with(ana, tom, only=["mood"])
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).limited == {}  # no entry: the old format
    changed = await ana.shares.grant("Personal", "tom", role="annotate")
    assert (changed.journal, changed.kind, changed.fields) == (first.journal, "mirror", ("mood",))

    hostile.replies["/v1/journals/list"] = hiding(bytes.fromhex(first.journal_id))
    phone = await new_phone(hostile.url, tmp_path / "ana-phone")
    try:
        await phone.sync()
        with pytest.raises(InvalidInput, match=r"tom is not a member of 'Personal'.*full=True"):
            await phone.shares.grant("Personal", "tom", role="read", trust_on_first_use=True)
    finally:
        await phone.close()
    del hostile.replies["/v1/journals/list"]
    assert await tom_reads_the_secret(ana, tom) == (None, False)
