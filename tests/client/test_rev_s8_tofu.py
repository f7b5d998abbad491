"""REV-S8 S8-2: a trust-on-first-use pin replaced by a verify of another account under the
same username keeps its keys: a server cannot pin its own for that id and swap the kept
copy's journal key."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import serving
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_replaced_tofu_owners_id_gets_no_server_keys_that_open_the_kept_copy(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-ERASED F1's fix kept an id's keys only when its pin was *verified*. drsmith
    pinned kim on first use (the common case: `--trust-on-first-use`, or a share accepted
    before meeting), kim erased her account, a new person took "kim" and drsmith verified
    her: the first kim's TOFU pin was forgotten with no trace (`note_replaced` was only for a
    verified pin; now for every pin a verify replaces). The server then pins its own keys for the first kim's id
    (identity-by-id under another name) and, without touching the access chain (so
    `check_signer` never runs), re-signs the current epoch's share envelope with a key it
    chose (`put_key` is INSERT OR REPLACE, opened with the owner key now pinned). The kept
    copy's journal key becomes the server's: what drsmith writes to it (annotations) is
    sealed under a key the server knows, and records the server signs as the owner verify
    (`_signers` -> `_owner_sign_key`). TOFU's one promise, a changed key for a pinned id is
    refused, is lost for that id by a verify of *another* account."""
    from dataclasses import replace as dc_replace

    from client_sdk import crypto, keys, wire
    from tests.client.sharing_support import journal_id, share_with
    from tests.client.test_rev_erased import Impostor

    kim = await signup("kim")
    proxy = Impostor(live_server.url)
    async with serving(proxy) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "drsmith", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(kim, drsmith)  # pinned on first use, never compared
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
            [local] = [j for j in await drsmith.store.journals() if j.journal_id == jid]
            true_key = await drsmith.replica.journal_key(local, listed.epoch)
            await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
            await drsmith.sync()
            other = await signup("kim", "another laptop")
            await drsmith.shares.verify("kim", await other.shares.fingerprint())
            assert await drsmith.store.peer(old_id) is None

            forger = keys.AccountSecrets.generate()
            forged = wire.Identity(
                old_id,
                "kimberly",
                forger.sign_public_key,
                forger.box_public_key,
                keys.sign_identity(forger, old_id, "kimberly"),
            )
            chosen = crypto.new_key()
            me = drsmith.profile
            terms = keys.ShareTerms(
                old_id,
                me.account_id,
                me.username,
                me.secrets.sign_public_key,
                me.secrets.box_public_key,
                jid,
                listed.role,
                listed.epoch,
                listed.expires_at,
            )
            envelope = keys.seal_share_envelope(forger, terms, chosen)

            def identity(body: bytes) -> bytes | None:
                asked = wire.decode(wire.AccountRequest, body)
                return wire.encode(forged) if asked.account_id == old_id else None

            def journals(body: bytes, reply: bytes) -> bytes:
                real = wire.decode(wire.JournalList, reply).journals
                again = dc_replace(listed, keys=[wire.KeyEnvelope(listed.epoch, envelope)])
                return wire.encode(wire.JournalList([*real, again]))

            hostile.answers["/v1/account/identity-by-id"] = identity
            hostile.replies["/v1/journals/list"] = journals
            try:
                await drsmith.replica.refresh_journals()
            except Exception:  # noqa: BLE001 - a refusal is what we want
                pass
            pinned = await drsmith.store.peer(old_id)
            forged_pin = pinned is not None and pinned.sign_public_key == forger.sign_public_key
            fresh = await Client.open(drsmith.home)  # the next command: nothing cached
            try:
                [local] = [j for j in await fresh.store.journals() if j.journal_id == jid]
                try:
                    key_now = await fresh.replica.journal_key(local, listed.epoch)
                except Exception:  # noqa: BLE001 - refused: what we want
                    key_now = None
            finally:
                await fresh.close()
            assert key_now != chosen, (
                f"server's keys pinned for the first kim's id: {forged_pin}; the kept copy's "
                f"journal key is now the one the server chose (was the owner's: "
                f"{key_now == true_key})"
            )
        finally:
            await drsmith.close()
