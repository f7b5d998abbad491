"""REV-37 findings (hostile review of main..integ37), fixed: F1, `Shares.list(local_only=True)`
(`tj shares` with the server down) lists the members the verified chains name, never the
saved `shares` table that a refresh cut off after a chain change leaves behind."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, NetworkError, wire
from client_sdk.sharing import ShareInfo
from tests.client.hostile import HostileServer, Through, login_through
from tests.conftest import ClientFactory


def list_fails_after_rotate(hostile: HostileServer) -> list[bool]:
    """Once a rotation went through, the server answers every journal list with an error
    (status 418: a NetworkError, not retried): a share change is signed, sent and verified
    on the device, and the refresh that follows it fails (a server that hangs or drops
    right after taking the rotation, as `tj shares` on a hung server meets it)."""
    armed = [False]
    forward = hostile.forward

    async def failing(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if armed[0] and request.path == "/v1/journals/list":
            body = wire.encode(wire.ErrorReply("teapot", "no"))
            return web.Response(status=418, body=body, content_type="application/msgpack")
        reply = await forward(session, request)
        if request.path == "/v1/journals/rotate" and reply.status == 200:
            armed[0] = True
        return reply

    hostile.forward = failing  # type: ignore[method-assign]
    return armed


def chain_members(client: Client, journal_id: str) -> dict[str, str]:
    """Member -> role, as the verified chain this device holds says now."""
    state = client.replica.chains.state(bytes.fromhex(journal_id))
    assert state is not None
    return {m.username: m.role for m in state.members.values() if m.who is not None}


def listed(shares: list[ShareInfo], journal_id: str) -> dict[str, str]:
    return {s.member: s.role for s in shares if s.journal_id == journal_id and not s.expired}


async def test_offline_shares_list_what_the_verified_chains_say(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await through("ana")
    await signup("tom")  # the account to share with
    await signup("ben")  # the account to share with
    await ana.entries.write("Personal", "Mine.")
    await ana.sync()
    await ana.shares.grant("Personal", "tom", trust_on_first_use=True, full=True)
    await ana.sync()
    [personal] = [j.id for j in await ana.journals.list() if j.name == "Personal"]
    assert listed(await ana.shares.list(), personal) == {"tom": "read"}

    failing = list_fails_after_rotate(hostile)
    # ana ends tom's share and gives ben the annotate role; each rotation is signed, taken
    # by the server and accepted into the chain kept on this device; the refresh after it
    # fails.
    with pytest.raises(NetworkError):
        await ana.shares.revoke("Personal", "tom")
    assert chain_members(ana, personal) == {}
    after_revoke = listed(await ana.shares.list(local_only=True), personal)
    failing[0] = False  # the server answers again, until the next rotation
    with pytest.raises(NetworkError):
        await ana.shares.grant(
            "Personal", "ben", role="annotate", trust_on_first_use=True, full=True
        )
    assert chain_members(ana, personal) == {"ben": "annotate"}

    # `tj shares` with the server hung: the online list fails, the offline one is shown.
    with pytest.raises(NetworkError):
        await ana.shares.list()
    here = listed(await ana.shares.list(local_only=True), personal)
    home = ana.home
    await ana.close()
    again = await Client.open(home)  # the next `tj shares`, another process
    try:
        later = listed(await again.shares.list(local_only=True), personal)
        verified = chain_members(again, personal)
    finally:
        await again.close()
    assert verified == {"ben": "annotate"}
    # What the verified chains say: tom reads no more once removed; ben annotates.
    seen = (after_revoke, here, later)
    assert seen == ({}, verified, verified), seen


async def test_offline_shares_after_a_cut_off_refresh_name_the_member_the_chain_verified(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await through("ana")
    await signup("tom")  # the account to share with
    await signup("ben")  # the account to share with
    await laptop.entries.write("Personal", "Mine.")
    await laptop.journals.create("Work")
    await laptop.sync()
    for name in ("Personal", "Work"):
        await laptop.shares.grant(name, "tom", trust_on_first_use=True, full=True)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        ids = {j.name: j.id for j in await phone.journals.list()}
        assert {listed(await phone.shares.list(), ids[n])["tom"] for n in ids} == {"read"}
        for name in ("Personal", "Work"):  # on the laptop: ben annotates both
            await laptop.shares.grant(
                name, "ben", role="annotate", trust_on_first_use=True, full=True
            )

        # The server serves the phone one journal's new entries, then fails the walk.
        served = [0]
        forward = hostile.forward

        async def cut(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
            if request.path == "/v1/journals/access" and served[0] >= 1:
                body = wire.encode(wire.ErrorReply("teapot", "no"))
                return web.Response(status=418, body=body, content_type="application/msgpack")
            return await forward(session, request)

        def one_chain(request: bytes, reply: bytes) -> bytes:
            served[0] += 1
            answer = wire.decode(wire.AccessReply, reply)
            return wire.encode(wire.AccessReply(answer.chains[:1]))

        hostile.forward = cut  # type: ignore[method-assign]
        hostile.replies["/v1/journals/access"] = one_chain
        with pytest.raises(NetworkError):
            await phone.shares.list()
        verified = {
            jid: chain_members(phone, jid) for jid in ids.values()
        }  # one journal's chain now names ben
        assert sorted(len(m) for m in verified.values()) == [1, 2], verified
        shown = {jid: listed(await phone.shares.list(local_only=True), jid) for jid in ids.values()}
        assert shown == verified, (shown, verified)
    finally:
        await phone.close()
