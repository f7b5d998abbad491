"""New terms of a share are told as what they are (NU26 C5): the owner's `grant` says what
it changed (`ShareInfo.previous_role`, `previous_expires_at`), and the member's device,
comparing its membership's terms in the owner-signed chain it verified before and after,
tells "ana changed your access to Personal from read to annotate" (or the end date that
moved), never a new share and never nothing. A server that replays an old chain entry or
leaves one out makes no such notice: only a verified chain is compared."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from client_sdk import wire
from client_sdk.departures import CHANGED, NARROWED, Departure
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


def ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


async def test_a_role_change_to_annotate_is_told_to_both_sides_as_a_change(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    first = await share_with(ana, tom, role="read")
    assert first.previous_role == ""  # a new share
    await tom.sync()
    changed = await share_with(ana, tom, role="annotate")
    assert (changed.role, changed.previous_role, changed.previous_expired) == (
        "annotate",
        "read",
        False,
    )
    assert changed.to_dict()["previous_role"] == "read"
    [told] = (await tom.sync()).departures
    personal = await journal_id(ana, "Personal")
    assert (told.owner, told.journal_id, told.reason) == ("ana", personal.hex(), CHANGED)
    assert (told.was_role, told.role, told.was_until, told.until) == (
        "read",
        "annotate",
        None,
        None,
    )
    assert str(told).startswith("ana changed your access to 'Personal' from read to annotate (")
    assert "shared" not in str(told)
    assert (await tom.sync()).departures == []  # once
    assert [s.role for s in await tom.shares.with_me()] == ["annotate"]


async def test_an_end_date_set_then_lifted_is_told_each_time_with_both_dates(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    until = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=30)
    dated = await share_with(ana, tom, expires_at=until)
    assert (dated.previous_role, dated.previous_expires_at) == ("annotate", None)
    [told] = (await tom.sync()).departures
    assert (told.reason, told.was_role, told.role) == (CHANGED, "", "")
    assert (told.was_until, told.until) == (0, ms(dated.expires_at))
    assert str(told).startswith("ana changed the end of your share of 'Personal' from no end date")
    lifted = await ana.shares.grant("Personal", "tom", no_end=True)
    assert lifted.previous_expires_at == dated.expires_at and lifted.expires_at is None
    [told] = (await tom.sync()).departures
    assert (told.reason, told.was_until, told.until) == (CHANGED, ms(dated.expires_at), 0)
    assert "to no end date (" in str(told)
    # The same terms again: nothing changed, nothing told.
    same = await ana.shares.grant("Personal", "tom", role="annotate")
    assert (same.previous_role, same.previous_expires_at) == ("annotate", None)
    assert (await tom.sync()).departures == []


async def test_read_only_with_a_new_end_date_is_one_notice_saying_both(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    until = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=10)
    narrowed = await share_with(ana, tom, role="read", expires_at=until)
    [told] = (await tom.sync()).departures
    assert (told.reason, told.was_role, told.role) == (NARROWED, "annotate", "read")
    assert (told.was_until, told.until) == (0, ms(narrowed.expires_at))
    assert str(told).startswith("ana made your share of 'Personal' read-only (")
    assert ", and changed its end from no end date to " in str(told)
    # Kept between a sync's refresh and its report: the terms survive the store.
    assert Departure(**{**told.stored(), "fields": ()}) == told  # the form the store keeps


async def test_a_server_replaying_or_leaving_out_a_chain_entry_cannot_make_up_or_hide_a_role_change(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """The member's device compares only chains it verified: served an old `changed` entry
    again (the owner's read -> annotate, replayed where annotate -> read was signed) or the
    chain without the new entry (its `rotated` alone), it verifies nothing past what it
    had, tells no change the owner did not sign and keeps the role it verified; served the
    truth, it tells the change the owner did sign, once. (A server that serves nothing new
    only delays it: withholding, as for every chain entry.)"""
    ana = await signup("ana")
    tom = await through("tom")
    personal = await journal_id(ana, "Personal")
    await share_with(ana, tom, role="read")
    await tom.sync()
    await share_with(ana, tom, role="annotate")  # signed: `changed` to annotate, `rotated`
    [told] = (await tom.sync()).departures
    assert (told.reason, told.role) == (CHANGED, "annotate")
    [old] = [
        chain.entries
        for reply in hostile.replies_to("/v1/journals/access")
        for chain in wire.decode(wire.AccessReply, reply).chains
        if chain.journal_id == personal and len(chain.entries) == 2
    ]
    await share_with(ana, tom, role="read")  # signed: `changed` to read, `rotated`

    def served(entries: list[bytes]) -> object:
        def rewrite(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.AccessReply, reply)
            chains = [
                dataclasses.replace(c, entries=entries(c.entries))
                if c.journal_id == personal and c.entries
                else c
                for c in real.chains
            ]
            return wire.encode(dataclasses.replace(real, chains=chains))

        return rewrite

    for attack in (
        lambda new: list(old),  # the earlier change to annotate, replayed
        lambda new: [old[0], new[1]],  # that change in place of the new one
        lambda new: new[1:],  # the new change left out: its rotation alone
    ):
        hostile.replies["/v1/journals/access"] = served(attack)  # type: ignore[assignment]
        report = await tom.sync()
        listed = wire.decode(wire.JournalList, hostile.replies_to("/v1/journals/list")[-1])
        # The server's own answer says "read": never what the device tells.
        assert {j.journal_id: j.role for j in listed.journals}[personal] == "read"
        assert [d for d in report.departures if d.reason in (CHANGED, NARROWED)] == []
        assert tom.replica.chains.problem(personal) is not None
        state = tom.replica.chains.state(personal)
        assert state is not None
        verified = state.member_by_account(tom.profile.account_id)
        assert verified is not None and verified.role == "annotate"
    del hostile.replies["/v1/journals/access"]
    report = await tom.sync()
    [told] = [d for d in report.departures if d.journal_id == personal.hex()]
    assert (told.reason, told.was_role, told.role) == (NARROWED, "annotate", "read")
    assert (await tom.sync()).departures == []
    assert [s.role for s in await tom.shares.with_me()] == ["read"]


async def test_the_owners_other_device_is_told_new_terms_once_and_the_one_that_gave_them_not(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await share_with(ana, tom, role="read")
    await phone.sync()
    await share_with(ana, tom, role="annotate")
    assert (await ana.sync()).departures == []  # its own change: said by `grant`
    [told] = (await phone.sync()).departures
    personal = await journal_id(ana, "Personal")
    assert (told.member, told.owner, told.journal_id, told.reason) == (
        "tom",
        "",
        personal.hex(),
        CHANGED,
    )
    assert (told.was_role, told.role) == ("read", "annotate")
    assert str(told).startswith(
        "tom's share of Personal was given new terms from one of your devices ("
    )
    assert str(told).endswith("): from read to annotate")
    assert (await phone.sync()).departures == []
    # Changed, then ended before the phone synced: only the end is told.
    await share_with(ana, tom, role="read")
    await ana.shares.revoke("Personal", "tom")
    assert [d.reason for d in (await phone.sync()).departures] == ["unshared"]
