"""An owner's device that ends a share or rotates a key (`Replica.change_access`, as
`tj unshare` and the end of a share whose end date passed use it) sends, within one process,
the same signed bytes again when the same change is retried on the same verified chain head
with unchanged inputs, never a newly signed rotation with another key; a rotation the server
stored while answering with a refusal is taken as stored, never followed by another. When
what it would sign changed meanwhile (a record of the member taken in: its write limits; an
end date that passed), it signs anew on that head: the server stores at most one of the two,
and the user's change is carried out on top of whichever it stored.

Real server on 127.0.0.1; the loopback hostile proxy (tests/client/hostile.py) in front of it
for the owner's device; real crypto."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import wire
from client_sdk.errors import ConflictError, ShareAlreadyEnded, TJError
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_chain_versions import stored_chain
from tests.client.test_legacy_upgrade_once import ROTATE, refuse_rotations
from tests.client.test_note_before_end import DAY_MS, move_clocks
from tests.conftest import ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


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


async def test_a_note_written_between_a_refused_unshare_and_its_retry_reaches_the_owner(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """ana's tablet ends tom's share (annotate); the server answers 503, storing nothing. The
    share is still on, so the server takes a note of tom's. ana tries again in the same app:
    the retry pulls tom's note first, and the rotation it sends must limit tom's writes so
    that note is inside: a new one, not the bytes signed before it (whose limits leave it
    out, so every owner device would refuse a note tom's device saw delivered, NU22 C17)."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await ana.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        refusing = refuse_rotations(hostile, 503, "unavailable")
        with pytest.raises(TJError):
            await tablet.shares.revoke("Personal", "tom")
        refusing.on = False
        note = await tom.notes.add("ana/Personal", "Written while the share was still on.")
        assert (await tom.sync()).set_aside == []
        await tablet.shares.revoke("Personal", "tom")
        report = await ana.sync()  # ana's laptop, away meanwhile
        assert report.problems == []
        assert [n.text for n in await ana.notes.list()] == [note.text]
        assert [(n.text, n.delivered) for n in await tom.notes.list()] == [(note.text, True)]
        sent = hostile.bodies(ROTATE)
        assert len(sent) == 1 and sent != refusing.kept  # signed anew, with the note inside
        assert wire.decode(wire.RotateRequest, sent[0]).chain_after == (
            wire.decode(wire.RotateRequest, refusing.kept[0]).chain_after
        )
    finally:
        await tablet.close()


@pytest.mark.parametrize("stored", ["the unshare", "the end of the share that ran out"])
async def test_an_unshare_is_carried_out_whichever_rotation_of_one_head_the_server_stored(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stored: str,
) -> None:
    """ana's tablet ends ben's share; the server answers 503. tom's end date passes, and the
    tablet's next sync signs the end of tom's share on the same chain head (what it signs
    changed: the unshare's bytes are not sent for it); the server answers 503 again. Two
    rotations of one process are now signed on that head, and the server stores one of them
    (the chain is linear). Either way, ana's unshare tried again is carried out on top of
    whichever it stored: neither ben nor tom is a member of the verified chain on the tablet
    nor on ana's laptop, which verifies it with no problem."""
    ana, tom, ben = await signup("ana"), await signup("tom"), await signup("ben")
    await ana.entries.write("Personal", "Shared.")
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    await share_with(ana, tom, role="read", expires_at=tomorrow)
    await share_with(ana, ben)
    jid = await journal_id(ana, "Personal")
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        refusing = refuse_rotations(hostile, 503, "unavailable")
        with pytest.raises(TJError):
            await tablet.shares.revoke("Personal", "ben")
        move_clocks(live_server, monkeypatch, 2 * DAY_MS)  # tom's end date passes
        try:
            await tablet.sync()
        except TJError:
            pass  # the end of tom's share refused too
        candidates = list(dict.fromkeys(refusing.kept))
        heads = {wire.decode(wire.RotateRequest, body).chain_after for body in candidates}
        assert len(candidates) == 2 and len(heads) == 1  # two signed on one head
        refusing.on = False
        chosen = candidates[0] if stored == "the unshare" else candidates[1]
        await tablet.replica.transport.call(  # the server stores that one
            ROTATE, wire.decode(wire.RotateRequest, chosen), wire.Empty
        )
        await tablet.sync()  # the app's next sync: tom's end signed on top of the unshare
        current = tablet.replica.chains.current(jid)
        assert {m.username for m in current.members.values()} == (
            set() if stored == "the unshare" else {"ben"}
        )
        request = wire.decode(wire.RotateRequest, chosen)  # its key is the one held for it
        local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
        key = await tablet.replica.journal_key(local, request.epoch)
        assert current.key_matches(request.epoch, key) is True
        if stored == "the unshare":  # carried out by it: the retry is told so
            with pytest.raises(ShareAlreadyEnded):
                await tablet.shares.revoke("Personal", "ben")
        else:
            await tablet.shares.revoke("Personal", "ben")  # the user tries again
        assert tablet.replica.chains.current(jid).members == {}
        await tablet.entries.write("Personal", "After both ended.")
        await tablet.sync()
        assert (await ana.sync()).problems == []
        assert "After both ended." in [e.body for e in await ana.entries.list("Personal")]
        assert ana.replica.chains.current(jid).members == {}
        chain = stored_chain(live_server, jid)
        assert chain[request.chain_after : request.chain_after + len(request.chain)] == (
            request.chain
        )  # the one stored stays, the change is signed on top of it
    finally:
        await tablet.close()
