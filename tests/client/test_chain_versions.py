"""Chain versions and padded `granted` entries against a real server (protocol.md 4.19,
"Chain versions"). Entries a newer app, an older app or a hostile server would have stored
are written into the server's database between steps, as whoever runs the server can: the
devices must say "update the app" for the owner's newer entry, and refuse everything else.
ana owns the journal; tom is a member."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import msgpack

from client_sdk import Client, access, crypto, keys
from client_sdk.crypto import Context
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401  (fixtures)

LONGEST = "t" * 64  # the longest username the server accepts


def stored_chain(live_server: RunningServer, journal: bytes) -> list[bytes]:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        rows = db.execute(
            "SELECT entry FROM access_chain WHERE journal_id = ? ORDER BY position", (journal,)
        ).fetchall()
    return [bytes(row[0]) for row in rows]


def store_entry(live_server: RunningServer, journal: bytes, position: int, raw: bytes) -> None:
    """Append an entry to the journal's chain on the server, as a rotation stores it (which
    also moves the journal's metadata version: devices then read the journal list again)."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("INSERT INTO access_chain VALUES (?, ?, ?)", (journal, position, raw))
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (journal,)
        )


def body_of(raw: bytes) -> list[Any]:
    fields: list[Any] = msgpack.unpackb(msgpack.unpackb(raw)[0])
    return fields


async def shared_journal(ana: Client, tom: Client, live_server: RunningServer) -> bytes:
    await share_with(ana, tom)
    await tom.sync()
    await ana.sync()
    return await journal_id(ana, "Personal")


async def synced(*devices: Client) -> list[Any]:
    reports = []
    for device in devices:
        await device.replica.refresh_journals()
        reports.append(await device.sync())
    return reports


async def test_an_owner_entry_of_a_newer_chain_version_says_update_the_app_not_tampering(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """ana's device of a later app version signed an entry of a newer chain version (a body this
    version cannot read): ana's other device and tom's say "update the app", keep the chain
    they verified, and report no rollback or tampering."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    chain = stored_chain(live_server, personal)
    head = access.verify(
        None, ana.replica.reader, personal, ana.profile.account_id,
        ana.profile.secrets.sign_public_key, chain,
    )  # fmt: skip
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, personal, len(chain), head.head, "renamed", 1, {}, "later"],
        use_bin_type=True,
    )
    store_entry(
        live_server, personal, len(chain), access.sign_entry(ana.profile.secrets.signing_key, body)
    )
    for device, report in zip((ana, tom), await synced(ana, tom), strict=True):
        assert report.rollbacks == [], report.rollbacks
        [said] = report.update_needed
        assert "update the app" in said and f"chain version {access.CHAIN_VERSION + 1}" in said
        assert "tamper" not in said and "malformed" not in said
        assert device.replica.chains.needs_update(personal)
        state = device.replica.chains.state(personal)
        assert state is not None and state.length == len(chain)  # verified up to it, kept
    again = await synced(tom)
    assert again[0].update_needed and again[0].rollbacks == []  # said at every sync


async def test_a_newer_chain_version_entry_the_server_forged_is_tampering_not_update(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server writes an entry of a newer chain version signed by a key of its own, hoping
    devices say "update" (and users wait) instead of refusing it: the signature is checked
    before the version, so it is an integrity problem."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    chain = stored_chain(live_server, personal)
    previous = crypto.hash32(access.signed_input(msgpack.unpackb(chain[-1])[0]))
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, personal, len(chain), previous, "renamed", 1, {}],
        use_bin_type=True,
    )
    forged = access.sign_entry(keys.AccountSecrets.generate().signing_key, body)
    store_entry(live_server, personal, len(chain), forged)
    for device, report in zip((ana, tom), await synced(ana, tom), strict=True):
        assert report.update_needed == []
        assert report.rollbacks and "invalid signature" in report.rollbacks[0]
        assert not device.replica.chains.needs_update(personal)


async def test_granted_entries_are_the_same_length_for_a_short_and_the_longest_username(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """What the server stores and every member is served of a `granted` entry: the same
    number of bytes for a 3-character and a 64-character username."""
    ana = await signup("ana")
    tom, longest = await signup("tom"), await signup(LONGEST)
    await share_with(ana, tom)
    await share_with(ana, longest)
    personal = await journal_id(ana, "Personal")
    granted = [raw for raw in stored_chain(live_server, personal) if body_of(raw)[4] == "granted"]
    assert len(granted) == 2
    assert len(granted[0]) == len(granted[1])
    copies = [body_of(raw)[6]["owner_copy"] for raw in granted]
    assert [len(c) for c in copies] == [24 + 256 + 16] * 2
    assert [body_of(raw)[0] for raw in granted] == [access.CHAIN_VERSION] * 2
    for device in (tom, longest):  # each still recognises its own entry
        await device.sync()
        [shared] = [j for j in await device.journals.list() if j.role != "owner"]
        assert shared.role == "read"


async def test_an_unpadded_grant_of_an_older_app_after_the_update_is_refused_everywhere(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """An entry as the app before chain version 2 signs it (version 1, `granted` with an
    unpadded owner_copy: the username's length shows), at the head of a later-version chain:
    an owner device not yet updated, or a server replaying what it got from one. Every
    device refuses it (versions never decrease), so it never becomes a member's share; an
    old entry the server serves again at the head is refused as out of order."""
    ana, tom = await signup("ana"), await signup("tom")
    ben = await signup("ben")
    personal = await shared_journal(ana, tom, live_server)
    chain = stored_chain(live_server, personal)
    assert {body_of(raw)[0] for raw in chain} == {access.CHAIN_VERSION}
    previous = crypto.hash32(access.signed_input(msgpack.unpackb(chain[-1])[0]))
    handle, salt = crypto.random_bytes(16), crypto.random_bytes(32)
    who = access.Identity(
        ben.profile.account_id, "ben", ben.profile.secrets.sign_public_key,
        ben.profile.secrets.box_public_key,
    )  # fmt: skip
    details = msgpack.packb(
        [who.account_id, who.username, who.sign_public_key, who.box_public_key, salt],
        use_bin_type=True,
    )
    ad = crypto.associated_data(Context.ACCESS_OWNER, personal, handle)
    payload = {
        "member": handle,
        "commit": access.member_commit(personal, handle, salt, who),
        "owner_copy": crypto.seal(ana.profile.secrets.account_key, details, ad),
        "member_copy": crypto.seal_to(who.box_public_key, salt),
        "role": "read",
        "expires_at": 0,
    }
    body = access.encode_body(personal, len(chain), previous, "granted", 1, payload, 1)
    store_entry(
        live_server, personal, len(chain), access.sign_entry(ana.profile.secrets.signing_key, body)
    )
    with closing(sqlite3.connect(server_db(live_server))) as db, db:  # and serves it to ben
        db.execute(
            "INSERT INTO members VALUES (?, ?, 'read', 0)", (personal, ben.profile.account_id)
        )
    for report in await synced(ana, tom, ben):
        assert report.update_needed == []
        assert report.rollbacks and "never decrease" in report.rollbacks[0]
    assert [j.role for j in await ben.journals.list()] == ["owner"]  # only ben's own
    assert ben.replica.chains.state(personal) is None  # nothing of it believed
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE access_chain SET entry = ? WHERE journal_id = ? AND position = ?",
            (chain[1], personal, len(chain)),
        )  # an old entry of this chain, served again at the head
    for report in await synced(ana, tom):
        assert report.rollbacks and "out of order" in report.rollbacks[0]


async def test_tj_sync_says_update_the_app_and_exits_1_for_a_newer_chain_version(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    live_server: RunningServer,
) -> None:
    """What the user sees on the other device: a warning to update the app (no word of
    tampering or of a rollback), in `--json` under `update_needed`, and exit status 1."""
    await laptop.ok("write", "Before the newer app.")
    await laptop.ok("sync")
    async with await Client.open(laptop.home) as ana:
        personal = await journal_id(ana, "Personal")
        chain = stored_chain(live_server, personal)
        head = crypto.hash32(access.signed_input(msgpack.unpackb(chain[-1])[0]))
        body = msgpack.packb(
            [access.CHAIN_VERSION + 1, personal, len(chain), head, "renamed", 1, {}],
            use_bin_type=True,
        )
        newer = access.sign_entry(ana.profile.secrets.signing_key, body)
    store_entry(live_server, personal, len(chain), newer)
    result = await phone.tj("sync")
    assert result.exit_code == 1, result.output
    newer = f"chain version {access.CHAIN_VERSION + 1}"
    assert "Warning: update the app:" in result.stderr and newer in result.stderr
    assert "roll" not in result.stderr and "Traceback" not in result.output
    as_json = await phone.tj("sync", "--json")
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["rollbacks"] == [] and len(report["update_needed"]) == 1
