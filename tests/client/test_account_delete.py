"""Erasing an account: the server forgets every row and byte of it, in one go, and nothing of
anyone else, but for the audit rows of what it read of other owners' journals: those owners'
record, kept with its id and username, marked erased (protocol.md, /v1/account/delete).
Checked against the server's own database, table by table, on both backends, and byte by
byte in SQLite's files (PostgreSQL keeps dead row versions until vacuum: README, Deployment).

zoe.erased is the account erased; she owns two journals, shares one with dr.keep (annotate,
who leaves a note in it), and reads a journal ben.stays shares with her.
"""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, keys, wire
from tests.conftest import BACKENDS, PASSWORD, ClientFactory, RunningServer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

ERASED = "zoe.erased"
Rows = dict[str, set[tuple[Any, ...]]]


async def snapshot(server: RunningServer) -> Rows:
    """Every row of every table of the server's database, read as an attacker would."""
    if server.database_url is None:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        listing = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    tables = [name for (name,) in await server.rows(listing)]
    assert "records" in tables
    return {table: set(await server.rows(f"SELECT * FROM {table}")) for table in tables}


def mentions(row: tuple[Any, ...], needles: set[bytes], username: str) -> bool:
    for value in row:
        if isinstance(value, bytes) and any(needle in value for needle in needles):
            return True
        if isinstance(value, str) and username in value:
            return True
    return False


async def setup_accounts(signup: ClientFactory) -> tuple[Client, Client, Client]:
    zoe = await signup(ERASED)
    therapist = await signup("dr.keep")
    ben = await signup("ben.stays")
    await zoe.journals.create("Dreams")
    await zoe.entries.write("Personal", "The session helped.", mood=6, tags=["therapy"])
    await zoe.entries.write("Dreams", "Flying over the sea.")
    await zoe.shares.grant(
        "Personal", "dr.keep", role="annotate", trust_on_first_use=True, full=True
    )
    await zoe.sync()
    await therapist.sync()
    await therapist.notes.add(f"{ERASED}/Personal", "Try the breathing exercise.")
    await therapist.sync()
    await ben.entries.write("Personal", "Ben's own day.", mood=8)
    await ben.shares.grant("Personal", ERASED, role="read", trust_on_first_use=True, full=True)
    await ben.sync()
    await zoe.sync()  # reads ben's journal: the server writes an audit row about zoe
    return zoe, therapist, ben


def reads_kept(before: Rows, account_id: bytes, own_journals: set[bytes]) -> set[Any]:
    """The audit rows of the account's reads of other owners' journals, as its erasure keeps
    them: account_id (column 1) NULL, reader_id and reader_name (columns 6, 7) its own."""
    return {
        (row[0], None, *row[2:])
        for row in before["audit"]
        if row[1] == account_id and row[0] not in own_journals
    }


async def test_deleting_an_account_leaves_nothing_of_it_in_the_server_database(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    zoe, therapist, ben = await setup_accounts(signup)
    account_id = zoe.profile.account_id
    own_journals = {bytes.fromhex(j.id) for j in await zoe.journals.list() if j.role == "owner"}
    needles = {account_id, *own_journals}
    before = await snapshot(live_server)
    assert any(r[0] in own_journals for r in before["audit"])  # dr.keep's reads of hers
    kept = reads_kept(before, account_id, own_journals)
    assert [(r[1], r[6], r[7]) for r in kept] == [(None, account_id, ERASED)]  # ben's journal
    assert any(mentions(row, needles, ERASED) for row in before["records"])
    [account] = [row for row in before["accounts"] if row[0] == account_id]
    # its salt, public keys, key bundles and signature: none of them is in a kept row
    secrets = {value for value in account[2:] if isinstance(value, bytes) and len(value) >= 16}

    await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    after = await snapshot(live_server)
    assert after["audit"] >= kept
    for table, rows in after.items():
        left = [row for row in rows if mentions(row, needles, ERASED)]
        if table == "audit":
            left = [row for row in left if row not in kept]
        assert not left, f"{table} still holds {left}"
    if live_server.backend == "postgresql":
        return  # the byte-level check is SQLite's secure_delete (README: erasure on PostgreSQL)
    files = sorted(live_server.data_dir.glob("journal.db*"))
    assert files
    for path in files:
        raw = path.read_bytes()
        # its id and username stay in the kept audit rows only (checked row by row above)
        assert not any(needle in raw for needle in {*own_journals, *secrets}), path.name
    assert not (zoe.home / "profile").exists()
    assert not (zoe.home / "store.db").exists()


async def test_other_accounts_keep_every_row_that_was_not_the_erased_accounts(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    zoe, therapist, ben = await setup_accounts(signup)
    needles = {zoe.profile.account_id}
    needles |= {bytes.fromhex(j.id) for j in await zoe.journals.list() if j.role == "owner"}
    before = await snapshot(live_server)
    expected = {
        t: {r for r in rows if not mentions(r, needles, ERASED)} for t, rows in before.items()
    }
    # Its reads of ben's journal stay in ben's audit, its account_id NULL (protocol.md).
    expected["audit"] |= reads_kept(before, zoe.profile.account_id, needles)
    # The journals of others she was a member of move their meta_version (column 4), as at a
    # leave, so that their owners' next sync tells that she is gone: the one change there.
    membered = {
        bytes(r[0]) for r in before["members"] if r[1] == zoe.profile.account_id and r[2] != "owner"
    }
    assert membered  # ben shares with her
    expected["journals"] = {
        (*r[:4], r[4] + 1, *r[5:]) if bytes(r[0]) in membered else r for r in expected["journals"]
    }

    await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    after = await snapshot(live_server)
    # Stored-bytes counters are derived: the therapist's shrinks with its notes in zoe's
    # journals. Each remaining counter must equal what its account still has stored.
    for account_id, stored_bytes in after.pop("account_usage"):
        pushed = [row for row in after["records"] if row[5] == account_id]  # pushed_by
        assert stored_bytes == sum(len(row[4]) for row in pushed)  # ciphertext
    expected.pop("account_usage")
    # The deletion used a challenge: its random nonce is kept until the challenge expires,
    # so that it cannot be replayed; it holds nothing of the account (not even a MAC of
    # its name), and it is the one row the erasure added.
    used = after["used_challenges"] - expected["used_challenges"]
    assert [len(nonce) for nonce, _keep_until in used] == [10]
    after["used_challenges"] -= used
    assert after == expected
    await ben.sync()
    assert [e.body for e in await ben.entries.list("Personal")] == ["Ben's own day."]
    # no share is left; the one with zoe stays listed as ended by her account's erasure
    assert [
        (s.member, s.expired, s.account_erased is not None) for s in await ben.shares.list()
    ] == [("zoe.erased", True, True)]
    assert [s for s in await therapist.shares.with_me() if not s.read_only_copy] == []
    assert [j.name for j in await therapist.journals.list() if not j.read_only_copy] == ["Personal"]


async def test_every_device_of_the_erased_account_is_signed_out_and_the_name_is_free(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    zoe = await signup(ERASED)
    phone = await login(ERASED)
    await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    with pytest.raises(AuthError):
        await phone.sync()
    with pytest.raises(AuthError):
        await login(ERASED, device="tablet")
    again = await signup(ERASED, device="new-laptop")
    assert again.profile.account_id != zoe.profile.account_id


async def test_a_wrong_password_erases_nothing(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    zoe = await signup(ERASED)
    await zoe.entries.write("Personal", "Still here.")
    await zoe.sync()
    before = (await snapshot(live_server))["accounts"]
    with pytest.raises(AuthError):
        await zoe.delete_account("not the password", minimum_cost=INSECURE_TEST_COST)
    assert (await snapshot(live_server))["accounts"] == before
    assert (zoe.home / "profile").exists()
    assert [e.body for e in await zoe.entries.list()] == ["Still here."]


async def deletion_signed_with(client: Client, signing_key: Any, purpose: str) -> None:
    challenge = await client.transport.call(
        "/v1/auth/challenge", wire.ChallengeRequest(client.username, purpose), wire.ChallengeReply
    )
    signature = keys.sign_challenge(
        signing_key, client.username, challenge.server_id, purpose, challenge.challenge
    )
    request = wire.AccountDeleteRequest(challenge.challenge, signature)
    await client.transport.call("/v1/account/delete", request, wire.Empty)


async def test_a_session_token_alone_or_the_recovery_key_cannot_erase_an_account(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    zoe = await signup(ERASED)
    assert zoe.recovery_key is not None
    recovery_login = keys.recovery_login_key(keys.parse_recovery_key(zoe.recovery_key))
    with pytest.raises(AuthError):
        await deletion_signed_with(zoe, recovery_login, "delete")
    pre = await zoe.transport.call(
        "/v1/auth/prelogin", wire.PreloginRequest(ERASED), wire.PreloginReply
    )
    password_keys = keys.password_keys(PASSWORD, pre.salt, INSECURE_TEST_COST)
    with pytest.raises(AuthError):  # a challenge asked for another purpose
        await deletion_signed_with(zoe, password_keys.login_key, "password")
    assert len((await snapshot(live_server))["accounts"]) == 1
    await deletion_signed_with(zoe, password_keys.login_key, "delete")
    assert (await snapshot(live_server))["accounts"] == set()
