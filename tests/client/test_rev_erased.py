"""REV-ERASED: hostile-server attacks on the replaced-verified state (NU43 #1) and the
"appears erased" words (NU43 #8). Each test fails on the weakness it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, access, keys, wire
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

Answer = Callable[[bytes], bytes | None]


@dataclass
class Impostor(HostileServer):
    """A hostile server that may answer a path itself (`answers`: None forwards)."""

    answers: dict[str, Answer] = field(default_factory=dict)

    async def forward(self, session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path in self.answers:
            body = await request.read()
            answered = self.answers[request.path](body)
            if answered is not None:
                self.paths.append(request.path)
                return web.Response(status=200, body=answered, content_type="application/msgpack")
            return await self._forward_body(session, request, body)
        return await super().forward(session, request)

    async def _forward_body(
        self, session: aiohttp.ClientSession, request: web.Request, body: bytes
    ) -> web.Response:
        self.paths.append(request.path)
        headers = {
            h: request.headers[h] for h in ("Content-Type", "Authorization") if h in request.headers
        }
        async with session.post(self.upstream + request.path, data=body, headers=headers) as real:
            status, reply = real.status, await real.read()
        if status == 200:
            self.exchanges.append((request.path, body, reply))
        if status == 200 and request.path in self.replies:
            reply = self.replies[request.path](body, reply)
        return web.Response(status=status, body=reply, content_type="application/msgpack")


@pytest.mark.parametrize(
    ("first_verified", "record_lost"), [(True, False), (False, False), (False, True)]
)
async def test_a_replaced_owners_id_cannot_come_back_with_other_keys_and_extend_the_verified_chain(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    first_verified: bool,
    record_lost: bool,
) -> None:
    """F1. drsmith verified kim; kim erased her account; a new person took "kim" and drsmith
    verified her (`verify` replaced the first kim's pin: that account id has no pin any
    more, only a row in `peer_verifications` with the keys it verified). A hostile server
    then answers identity-by-id for the first kim's id with a self-signed identity under
    another username ("kimberly") and its own keys: `pin_on_first_use` pins it (no pin of
    that id, no pin of that name), and the chain of the kept copy, verified under the
    first kim's key, is extended by an entry the server signed with its key (here: drsmith's
    role raised to annotate with a later end date). The device must refuse keys of an
    account other than those it verified for it."""
    kim = await signup("kim")
    proxy = Impostor(live_server.url)
    async with serving(proxy) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "drsmith", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(kim, drsmith)
            if first_verified:
                await drsmith.shares.verify("kim", await kim.shares.fingerprint())
            await kim.entries.write(None, "The first kim's words.", mood=2)
            await kim.sync()
            await drsmith.sync()
            jid = await journal_id(kim, "Personal")
            old_id = kim.profile.account_id
            listed = [
                j
                for reply in hostile.replies_to("/v1/journals/list")
                for j in wire.decode(wire.JournalList, reply).journals
                if j.journal_id == jid
            ][-1]
            await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
            await drsmith.sync()
            other = await signup("kim", "another laptop")
            await drsmith.shares.verify("kim", await other.shares.fingerprint())
            assert await drsmith.store.peer(old_id) is None
            [old_copy] = [j for j in await drsmith.store.journals() if j.journal_id == jid]
            # NU43 #1: kept verified (and never verified when it was not)
            assert drsmith.replica.owner_verified(old_copy) is first_verified
            if record_lost:  # a store that kept no trace of the replaced pin (one replaced
                # before this device kept first-use pins it replaced: REV-S8 S8-2)
                await drsmith.store._db.execute(  # noqa: SLF001 - the test's own store
                    "DELETE FROM peer_verifications WHERE account_id = ?", (old_id,)
                )

            # The hostile server brings the first kim's id back with its own keys.
            forger = keys.AccountSecrets.generate()
            forged = wire.Identity(
                old_id,
                "kimberly",
                forger.sign_public_key,
                forger.box_public_key,
                keys.sign_identity(forger, old_id, "kimberly"),
            )
            state = drsmith.replica.chains.state(jid)
            assert state is not None
            length = state.length
            me = drsmith.profile.account_id
            [handle] = [
                h for h, m in state.members.items() if m.who is not None and m.who.account_id == me
            ]
            entries, _ = access.extend(
                state,
                drsmith.replica.reader,
                forger.signing_key,
                [access.changed(handle, "annotate", now_ms() + 10 * 365 * 86_400_000)],
                now_ms(),
            )

            def identity(body: bytes) -> bytes | None:
                asked = wire.decode(wire.AccountRequest, body)
                return wire.encode(forged) if asked.account_id == old_id else None

            def journals(body: bytes, reply: bytes) -> bytes:
                real = wire.decode(wire.JournalList, reply).journals
                again = replace(listed, chain_length=length + 1, role="annotate")
                return wire.encode(wire.JournalList([*real, again]))

            def chain(body: bytes) -> bytes | None:
                asked = wire.decode(wire.AccessRequest, body)
                if [c.journal_id for c in asked.cursors] != [jid]:
                    return None
                return wire.encode(wire.AccessReply([wire.AccessChain(jid, length + 1, entries)]))

            hostile.answers["/v1/account/identity-by-id"] = identity
            hostile.answers["/v1/journals/access"] = chain
            hostile.replies["/v1/journals/list"] = journals
            try:
                await drsmith.replica.refresh_journals()
            except Exception:  # noqa: BLE001 - a refusal is what we want
                pass
            pinned = await drsmith.store.peer(old_id)
            after = drsmith.replica.chains.state(jid)
            forged_pin = pinned is not None and pinned.sign_public_key == forger.sign_public_key
            extended = after is not None and after.length > length
            roles = (
                [m.role for m in after.members.values() if m.who and m.who.account_id == me]
                if after
                else []
            )
            if record_lost:
                # Nothing held the first kim's keys any more: the server's are pinned on
                # first use, unverified, but the chain verified under her key is not
                # extended under theirs (access.check_signer).
                assert forged_pin and pinned is not None and not pinned.verified
                assert not extended, (length, after.length if after else None, roles)
                problem = drsmith.replica.chains.problems().get(jid, "")
                assert "did not sign the access chain it verified" in problem, problem
                return
            assert not forged_pin and not extended, (
                f"server's keys pinned for the first kim's id: {forged_pin}; the chain verified "
                f"under the first kim's key extended by the server's entry: {extended} "
                f"({length} -> {after.length if after else None}, drsmith's role now {roles})"
            )
        finally:
            await drsmith.close()
