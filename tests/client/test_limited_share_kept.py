"""R22 F1/F2 follow-up: what decides that a member reads a journal only through a
field-level copy is what the owner signed and this device verified and keeps, never what
the server lists now; a lapsed copy is renewed as it was, a removed one is not. Real server
on 127.0.0.1 (and the hostile proxy of tests/client/hostile.py), real crypto."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import wire
from client_sdk.errors import InvalidInput
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "I never told anyone about the accident"


async def test_a_copy_the_server_stops_listing_refuses_a_new_role_naming_full(
    through: Through, signup: ClientFactory, hostile: HostileServer
) -> None:
    """While the server leaves the mood-only copy out of the journal list, a new role is
    refused (nothing changes, the error names full), `limited` refuses too (the CLI's
    --safety-flags guard), and once the server lists it again the role change applies to
    the copy."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    mirror = bytes.fromhex(first.journal_id)
    personal = await journal_id(ana, "Personal")

    def left_out(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != mirror]))

    hostile.replies["/v1/journals/list"] = left_out
    with pytest.raises(InvalidInput, match=r"can't tell whether tom reads only some fields.*full"):
        await ana.shares.grant("Personal", "tom", role="annotate")
    with pytest.raises(InvalidInput, match="full"):
        await ana.shares.limited("Personal", "tom")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    del hostile.replies["/v1/journals/list"]

    changed = await ana.shares.grant("Personal", "tom", role="annotate")
    assert (changed.journal, changed.kind, changed.fields, changed.role) == (
        first.journal,
        "mirror",
        ("mood",),
        "annotate",
    )
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}


async def test_a_lapsed_copy_renewed_after_a_sync_keeps_its_role_and_fields(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `ended` entry the sync signs keeps the lapsed terms: `limited` still finds the
    share (expired, role annotate), and a new end date renews it with that role."""
    ana = await signup("ana")
    tom = await signup("tom")
    first = await share_with(
        ana,
        tom,
        only=["mood", "tags"],
        role="annotate",
        expires_at=datetime.now().astimezone() + timedelta(days=1),
    )
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    await ana.sync()  # signs the copy's `ended` entry
    copy = ana.replica.chains.current(bytes.fromhex(first.journal_id))
    assert copy.member_by_account(tom.profile.account_id) is None

    lapsed = await ana.shares.limited("Personal", "tom")
    assert lapsed is not None
    assert (lapsed.journal, lapsed.role, lapsed.expired, lapsed.fields) == (
        first.journal,
        "annotate",
        True,
        ("mood", "tags"),
    )
    until = datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    renewed = await ana.shares.grant("Personal", "tom", expires_at=until)
    assert (renewed.journal, renewed.kind, renewed.role, renewed.fields) == (
        first.journal,
        "mirror",
        "annotate",
        ("mood", "tags"),
    )
    # told as a renewal (NU30 #4): the terms it renewed, which a listing does not hold
    assert (renewed.previous_role, renewed.previous_expired) == ("annotate", True)
    assert renewed.previous_expires_at == first.expires_at is not None
    assert await ana.shares.limited("Personal", "tom") == dataclasses.replace(
        renewed, expired=False, previous_role="", previous_expires_at=None, previous_expired=False
    )


async def test_sharing_again_after_a_copy_was_removed_takes_full_or_only(
    signup: ClientFactory,
) -> None:
    """A member whose mood-only copy was removed (here by the owner's revoke) has no share
    left: new terms alone do not say what they read, so sharing again without `full` or
    `only` is refused (nothing changes); `full=True` shares the whole journal."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, only=["mood"])
    await ana.shares.revoke("Personal", "tom")
    with pytest.raises(InvalidInput, match="full"):  # the CLI's --safety-flags guard asks
        await ana.shares.limited("Personal", "tom")
    with pytest.raises(InvalidInput, match=r"tom read only the mood of 'Personal'.*full"):
        await share_with(ana, tom, role="annotate", full=False)
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    again = await share_with(ana, tom, role="annotate", full=True)
    assert (again.journal, again.kind, again.fields) == ("Personal", "journal", None)


async def test_a_server_that_stops_serving_the_copy_cannot_turn_a_new_role_into_a_whole_share(
    through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server stops serving tom in his mood-only copy (as /v1/shares/leave does, without
    tom asking): the owner's device signs his removal from the copy on the server's word.
    The owner's next new role for tom is then refused, never signed into Personal."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    mirror = bytes.fromhex(first.journal_id)
    server_stops_serving(live_server, mirror, tom.profile.account_id)
    await ana.shares.list()  # drops the members the server no longer serves
    copy = ana.replica.chains.current(mirror)
    assert copy.member_by_account(tom.profile.account_id) is None

    with pytest.raises(InvalidInput, match="full"):
        await ana.shares.grant("Personal", "tom", role="annotate")
    personal = await journal_id(ana, "Personal")
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}
