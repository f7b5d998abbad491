"""An owner's device signs at most one rotation for a verified chain head when it ends a
share or rotates a key (`Replica.change_access`, as `tj unshare` and the end of a share whose
end date passed use it): a server that refuses it gets the same signed bytes again at each
attempt, and at a later call on the same head, never a newly signed rotation with another key
(two signed on one head would let it show each device a different chain); a rotation the
server stored while answering with a refusal is taken as stored, never followed by another.

Real server on 127.0.0.1; the loopback hostile proxy (tests/client/hostile.py) in front of it
for the owner's device; real crypto."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import wire
from client_sdk.errors import ConflictError, TJError
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_chain_versions import stored_chain
from tests.client.test_legacy_upgrade_once import ROTATE, refuse_rotations
from tests.conftest import ClientFactory, RunningServer


async def test_a_refused_access_change_sends_the_one_rotation_it_signed_at_each_attempt(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server answers every rotation of ana's tablet 409 `chain_conflict` while its chain
    stays the same: ending ben's share tries three times, each with the same signed bytes,
    and so does a second try; once the server takes it, it stores that same rotation."""
    ana = await signup("ana")
    ben = await signup("ben")
    await share_with(ana, ben)
    jid = await journal_id(ana, "Personal")
    length = len(stored_chain(live_server, jid))
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        for _ in range(2):
            with pytest.raises(ConflictError):
                await tablet.shares.revoke("Personal", "ben")
        assert len(refusing.kept) == 6, len(refusing.kept)
        assert len(set(refusing.kept)) == 1  # one rotation signed, sent six times
        assert len(stored_chain(live_server, jid)) == length
        refusing.on = False
        await tablet.shares.revoke("Personal", "ben")
        assert hostile.bodies(ROTATE) == [refusing.kept[0]]
        chain = stored_chain(live_server, jid)
        assert chain[length:] == wire.decode(wire.RotateRequest, refusing.kept[0]).chain
        assert tablet.replica.chains.current(jid).members == {}
    finally:
        await tablet.close()


async def test_a_rotation_stored_behind_a_refusal_is_taken_as_stored_not_signed_again(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server stores ana's tablet's first rotation, then answers it 409 `chain_conflict`:
    the retry reads the verified chain, finds that rotation at its head, and is done; no
    second rotation is signed, and the tablet holds the new epoch's key."""
    ana = await signup("ana")
    ben = await signup("ben")
    await share_with(ana, ben)
    jid = await journal_id(ana, "Personal")
    length = len(stored_chain(live_server, jid))
    forward = hostile.forward
    sent: list[bytes] = []

    async def store_then_refuse(
        session: aiohttp.ClientSession, request: web.Request
    ) -> web.Response:
        reply = await forward(session, request)
        if request.path != ROTATE or sent:
            return reply
        sent.append(hostile.bodies(ROTATE)[-1])
        refused = wire.encode(wire.ErrorReply("chain_conflict", "refused"))
        return web.Response(status=409, body=refused, content_type="application/msgpack")

    hostile.forward = store_then_refuse  # type: ignore[method-assign]
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
        after = await tablet.replica.change_access(local, [])
        assert hostile.bodies(ROTATE) == sent  # one rotation, stored once
        chain = stored_chain(live_server, jid)
        assert len(chain) == length + 1
        assert chain[length:] == wire.decode(wire.RotateRequest, sent[0]).chain
        assert after.length == length + 1
        key = await tablet.replica.journal_key(local, after.epoch)
        assert after.key_matches(after.epoch, key) is True
        await tablet.entries.write("Personal", "after the rotation")
        await tablet.sync()
        assert (await ben.sync()).problems == []
        assert "after the rotation" in [e.body for e in await ben.entries.list("ana/Personal")]
    finally:
        await tablet.close()


async def test_a_rotation_stored_behind_an_error_does_not_stand_for_another_change(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server stores a plain rotation of ana's tablet and answers it 500: the call fails.
    Ending ben's share next finds that rotation stored (taken as such, not signed again) and
    still signs ben's removal on top of it: the earlier rotation never stands for it."""
    ana = await signup("ana")
    ben = await signup("ben")
    await share_with(ana, ben)
    jid = await journal_id(ana, "Personal")
    length = len(stored_chain(live_server, jid))
    forward = hostile.forward
    failed: list[bytes] = []

    async def store_then_fail(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        reply = await forward(session, request)
        if request.path != ROTATE or failed:
            return reply
        failed.append(hostile.bodies(ROTATE)[-1])
        error = wire.encode(wire.ErrorReply("internal", "failed"))
        return web.Response(status=500, body=error, content_type="application/msgpack")

    hostile.forward = store_then_fail  # type: ignore[method-assign]
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
        with pytest.raises(TJError):
            await tablet.replica.change_access(local, [])
        assert len(stored_chain(live_server, jid)) == length + 1
        await tablet.shares.revoke("Personal", "ben")
        assert hostile.bodies(ROTATE)[0] == failed[0]
        assert len(hostile.bodies(ROTATE)) == 2  # the removal, signed on top of it
        assert tablet.replica.chains.current(jid).members == {}
        assert tablet.replica._unsent == {}
    finally:
        await tablet.close()
