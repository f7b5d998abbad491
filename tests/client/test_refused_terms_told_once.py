"""`client.shares.grant` with new terms (a role) for a member whom the server no longer
serves (they left) takes them off the journal's chain and refuses with InvalidInput saying
so: the refusal tells the departure, so the next sync of the same device does not report it
again (`SyncReport.departures`); the owner's other device, which never saw the refusal,
reports it as it verifies the signed removal. Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput, departures
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_the_refusal_tells_the_departure_and_the_other_device_reports_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await share_with(ana, tom)
    await phone.sync(strict=True)
    await tom.sync(strict=True)
    await tom.shares.leave("ana/Personal")

    with pytest.raises(InvalidInput) as refused:
        await ana.shares.grant("Personal", "tom", role="annotate")
    assert str(refused.value).startswith(
        "tom no longer reads 'Personal': the server says they left the share (not signed by "
        "them), so this device removed them"
    ), refused.value
    assert (await ana.sync()).departures == []  # told by the refusal: once
    [row] = await ana.shares.list()
    assert (row.member, row.expired, row.dropped_at is not None) == ("tom", True, True)

    [told] = (await phone.sync()).departures
    assert (told.member, told.journal, told.reason) == ("tom", "Personal", departures.DROPPED)
    assert (await phone.sync()).departures == []
