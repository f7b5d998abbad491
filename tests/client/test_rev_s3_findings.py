"""REV-S3 findings (scope: f1655e8..17a041e): the owed share boundary names the signed grant
and is taken back when the request "was never sent" (NetworkError.unsent). Real server on
127.0.0.1 behind the loopback hostile proxy, real crypto, no SDK function replaced. Each
finding's test asserts the intended behaviour (F1 fixed: the transport follows no redirect,
a 3xx is an error whose request left)."""

from __future__ import annotations

import pytest
from aiohttp import web

from client_sdk import owed_shares
from client_sdk.errors import NetworkError
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory

NOWHERE = "http://127.0.0.1:1"  # a port nothing listens on: the connection is refused


async def test_s3_f1_a_redirect_after_the_grant_is_stored_makes_it_look_unsent(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana shares with lea. The server stores the rotate (lea's grant is on the chain) and
    answers `307 Temporary Redirect` to an address that refuses connections. aiohttp follows
    the redirect (its default), its connect failed with ClientConnectorError, so the transport
    reported `unsent=True` although the server received and stored every byte, and `_rotate`
    took the owed note back: lea a member on the owner-signed chain, reading nothing, nothing
    told. Now the transport follows no redirect: the 307 is an error of a request that left,
    the note stays, and the next sync seals the boundary."""
    ana = await through("ana")
    written = [await ana.entries.write(None, f"entry {n}") for n in range(3)]
    await ana.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    lea = await signup("lea")

    honest = hostile.forward
    stored: list[int] = []

    async def forward(session, request: web.Request) -> web.Response:  # type: ignore[no-untyped-def]
        reply = await honest(session, request)
        if request.path == "/v1/journals/rotate" and reply.status == 200 and not stored:
            stored.append(1)  # the real server stored the grant
            raise web.HTTPTemporaryRedirect(NOWHERE + request.path)
        return reply

    hostile.forward = forward  # type: ignore[method-assign]
    with pytest.raises(NetworkError) as raised:
        await share_with(ana, lea)
    hostile.forward = honest  # type: ignore[method-assign]
    assert stored  # the server has the grant
    assert not raised.value.unsent  # the 307 is an answer: the request left (none followed)
    noted = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))

    report = await ana.sync()
    again = await ana.sync()
    state = ana.replica.chains.state(personal)
    assert state is not None
    assert any(m.who is not None and m.who.username == "lea" for m in state.members.values())
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync()
    # Intended: the note survives a request the server may have received, the next sync
    # seals the boundary, and lea reads the journal.
    assert report.problems == [] and again.problems == []  # nothing told either
    assert sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(
        e.id for e in written
    )
    assert personal in noted
    assert report.finished_shares == [owed_shares.finished("lea", "Personal")] or (
        again.finished_shares == [owed_shares.finished("lea", "Personal")]
    )
