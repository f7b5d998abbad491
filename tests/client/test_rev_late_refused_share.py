"""REV-LATE F1: the server's journal list names who owns a journal; `_refused_shares` took
that word for it. A hostile server relabels a journal whose chain it rolled back as owned by
an account whose identity it makes this device refuse: the rollback is then told as someone
else's "refused share", and `report.rollbacks` is empty."""

from __future__ import annotations

import dataclasses

from client_sdk import wire
from tests.client.hostile import HostileServer, Through
from tests.client.test_chain_problem_holds import move_epoch
from tests.client.test_chain_versions import shared_journal
from tests.conftest import ClientFactory, RunningServer


def _relabel(hostile: HostileServer, journal: bytes, owner_id: bytes, other: wire.Identity) -> None:
    def listed(request: bytes, reply: bytes) -> bytes:
        journals = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList(
                [
                    dataclasses.replace(j, owner_id=owner_id, owner_name="mal")
                    if j.journal_id == journal
                    else j
                    for j in journals
                ]
            )
        )

    def refused(request: bytes, reply: bytes) -> bytes:  # pinning mal fails: IntegrityError
        asked = wire.decode(wire.AccountRequest, request).account_id
        return wire.encode(other) if asked == owner_id else reply

    hostile.replies["/v1/journals/list"] = listed
    hostile.replies["/v1/account/identity-by-id"] = refused


def _identity(client) -> wire.Identity:  # type: ignore[no-untyped-def]
    from client_sdk import keys

    s = client.profile.secrets
    return wire.Identity(
        client.profile.account_id,
        client.profile.username,
        s.sign_public_key,
        s.box_public_key,
        keys.sign_identity(s, client.profile.account_id, client.profile.username),
    )


async def test_a_rollback_of_my_own_journal_is_not_told_as_a_refused_share(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await through("ana")
    tom, mal = await signup("tom"), await signup("mal")
    personal = await shared_journal(ana, tom, live_server)
    move_epoch(live_server, personal, -1)  # a real rollback of ana's own journal
    _relabel(hostile, personal, mal.profile.account_id, _identity(tom))
    await ana.replica.refresh_journals()
    report = await ana.sync()
    assert report.refused_shares == [], report.refused_shares
    assert report.rollbacks, "the rollback of ana's own journal is not reported as one"


async def test_a_rollback_of_a_verified_owners_journal_is_not_told_as_a_refused_share(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    ana, mal = await signup("ana"), await signup("mal")
    tom = await through("tom")
    personal = await shared_journal(ana, tom, live_server)
    await tom.shares.verify("ana", await ana.shares.fingerprint())
    await tom.sync()
    move_epoch(live_server, personal, -1)
    _relabel(hostile, personal, mal.profile.account_id, _identity(ana))
    await tom.replica.refresh_journals()
    report = await tom.sync()
    assert report.refused_shares == [], report.refused_shares
    assert report.rollbacks, "the rollback of verified ana's journal is not reported as one"
