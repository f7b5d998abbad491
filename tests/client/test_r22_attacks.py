"""R22: attacks on the member-left notice (s8-left), the recovery key replacement
(s8-recover) and "share role changes never widen" (s8-nu19). Real server on 127.0.0.1,
real crypto; a hostile server is the proxy of tests/client/hostile.py plus direct edits
of the real server's database, as a compromised server can."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgpack
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, crypto, departures, keys, wire
from client_sdk.crypto import Context
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_zero_knowledge import server_files
from tests.conftest import PASSWORD, ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "I never told anyone about the accident"


def chain_members(client: Client, journal: bytes) -> set[str]:
    state = client.replica.chains.current(journal)
    return {m.username for m in state.members.values()}


def server_stops_serving(live_server: RunningServer, journal: bytes, member: bytes) -> None:
    """What /v1/shares/leave does server-side, done by a hostile server without the member
    asking, and without raising meta_version (nothing for the owner's sync to notice)."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        for table in ("members", "journal_keys"):
            db.execute(
                f"DELETE FROM {table} WHERE journal_id = ? AND account_id = ?", (journal, member)
            )
        db.commit()


# --- 1. member-left notice ------------------------------------------------------------------


async def test_a_server_cannot_remove_a_member_silently_by_failing_the_left_or_erased_question(
    through: Through, signup: ClientFactory, hostile: HostileServer, live_server: RunningServer
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    carol = await signup("carol")
    await ana.entries.write("Personal", "Before the shares.")
    await share_with(ana, tom)
    personal = await journal_id(ana, "Personal")
    assert chain_members(ana, personal) == {"tom"}

    # The server stops serving tom (tom did not leave) and, when the owner next changes the
    # members (here: sharing with carol), refuses the one question the notice needs.
    server_stops_serving(live_server, personal, tom.profile.account_id)

    async def refuse() -> None:
        raise web.HTTPForbidden()

    hostile.holds["/v1/account/identity-by-id"] = refuse
    try:
        await share_with(ana, carol)
    except Exception:  # noqa: BLE001 - whatever the owner saw, see what it is told later
        pass
    del hostile.holds["/v1/account/identity-by-id"]

    # The owner's device signed tom's removal ...
    assert "tom" not in chain_members(ana, personal)
    # ... and is told so at a later sync, as the notice promises ("once"), or never.
    told = [d.member for _ in range(2) for d in (await ana.sync()).departures]
    assert told == ["tom"]


# --- 3. share role changes never widen -------------------------------------------------------


async def test_renewing_a_lapsed_mood_only_share_after_a_sync_stays_mood_only(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom's bodies are read from every journal he reads (`entries.list()`): as first
    written (`list("ana/Personal")`), the test could not pass once the share stays limited,
    since tom then has no journal named so (NotFound); the assertion is unchanged."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(
        ana, tom, only=["mood"], expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await ana.sync()
    await tom.sync()
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    # The owner's phone or laptop syncs once after the end date: the everyday case.
    await ana.sync()

    renewed = await ana.shares.grant(
        "Personal", "tom", expires_at=datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    )
    personal = await journal_id(ana, "Personal")
    whole = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    await tom.sync()
    bodies = {e.body for e in await tom.entries.list()}  # every journal tom reads
    assert (whole, SECRET in bodies) == (None, False)
    assert (renewed.kind, renewed.fields) == ("mirror", ("mood",))
    assert first.journal == renewed.journal


@pytest.mark.parametrize("lie", ["shorter chain", "journal left out"])
async def test_a_server_cannot_widen_a_field_level_share_by_breaking_the_mirror_chain(
    lie: str, through: Through, signup: ClientFactory, hostile: HostileServer
) -> None:
    """tom's bodies are read from every journal he reads (`entries.list()`; see the test
    above for why not `list("ana/Personal")`)."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    first = await share_with(ana, tom, only=["mood"])
    await ana.sync()
    await tom.sync()
    mirror = bytes.fromhex(first.journal_id)

    def shorter(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList(
                [
                    dataclasses.replace(j, chain_length=j.chain_length - 1)
                    if j.journal_id == mirror
                    else j
                    for j in listed
                    if lie == "shorter chain" or j.journal_id != mirror
                ]
            )
        )

    hostile.replies["/v1/journals/list"] = shorter
    try:
        await ana.shares.grant("Personal", "tom", role="annotate")
    except Exception:  # noqa: BLE001 - refusing is a fine answer; widening is not
        pass
    del hostile.replies["/v1/journals/list"]
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    whole = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    await tom.sync()
    bodies = {e.body for e in await tom.entries.list()}  # every journal tom reads
    assert (whole, SECRET in bodies) == (None, False)


# --- 2. recovery key replacement -------------------------------------------------------------


async def test_no_recovery_key_or_its_subkeys_reach_the_servers_files_or_logs(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The guide's rule, on the server's files and logs (the s8-recover tests look at the
    wire only), and on the devices' files: after signup, a replacement from a signed-in device and a recovery (which
    draws one more), no form of any of the three keys is in the server's files or logs."""
    ana = await signup("ana")
    assert ana.recovery_key is not None
    replaced = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    new_password = "a quiet lake at dawn"
    rescued = await Client.recover(
        live_server.url,
        "ana",
        replaced,
        new_password,
        home=tmp_path / "rescued",
        kdf_cost=INSECURE_TEST_COST,
    )
    try:
        assert rescued.recovery_key is not None
        await rescued.sync()
        shown = (ana.recovery_key, replaced, rescued.recovery_key)
    finally:
        await rescued.close()
    secrets: dict[str, bytes] = {"new password": new_password.encode()}
    for n, text in enumerate(shown):
        raw = keys.parse_recovery_key(text)
        secrets[f"key {n} as shown"] = text.encode()
        secrets[f"key {n} without dashes"] = text.replace("-", "").encode()
        secrets[f"key {n}"] = raw
        secrets[f"key {n} wrap key"] = crypto.derive_subkey(raw, Context.KDF_RECOVERY_WRAP)
        secrets[f"key {n} login seed"] = crypto.derive_subkey(raw, Context.KDF_RECOVERY_LOGIN)
    files = server_files(live_server)
    assert len(files) >= 2
    # Nor on the devices: the SDK never stores a recovery key (shown once).
    for home in (tmp_path / "rescued", ana.home):
        files.update({str(f): f.read_bytes() for f in Path(home).rglob("*") if f.is_file()})
    found = [(name, path) for name, s in secrets.items() for path, b in files.items() if s in b]
    assert found == []
    assert await live_server.rows(
        "SELECT recovery_login_public_key FROM accounts WHERE username = 'ana'"
    ) == [(bytes(keys.recovery_login_key(keys.parse_recovery_key(shown[2])).verify_key),)]


async def test_a_departure_notice_is_not_told_after_the_owner_shared_again(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Before the share.")
    await share_with(ana, tom)
    await ana.sync()
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await tom.shares.leave("ana/Personal")
    assert [(s.member, s.expired, s.dropped_at is not None) for s in await ana.shares.list()] == [
        ("tom", True, True)
    ]  # dropped here, told later  # listed as ended: they left (NU22 C9)
    await share_with(ana, tom)  # "if they did not mean to leave, share again"
    assert chain_members(ana, personal) == {"tom"}
    report = await ana.sync()
    false_news = [str(d) for d in report.departures if d.member in chain_members(ana, personal)]
    assert false_news == []


async def test_the_owners_other_device_is_told_why_a_member_was_removed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Before the share.")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await tom.shares.leave("ana/Personal")
    assert [d.member for d in (await phone.sync()).departures] == ["tom"]  # the phone, once
    laptop = [d.member for _ in range(2) for d in (await ana.sync()).departures]
    assert chain_members(ana, personal) == set()
    assert laptop == ["tom"]


async def test_the_owners_other_device_words_the_removal_as_the_servers_word(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R22 F5: the laptop's notice says the server said so and another device acted on it,
    never "this device removed them" nor an owner's revocation."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await tom.sync()
    await tom.shares.leave("ana/Personal")
    await phone.sync()
    [told] = (await ana.sync()).departures
    assert told.reason == departures.DROPPED
    assert "the server says" in str(told) and "another of your devices" in str(told)


async def test_a_member_dropped_on_the_servers_word_is_not_told_the_owner_removed_them(
    through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """R22 F5: the server stops serving tom (he did not leave); ana's device drops him on
    its word. tom's device, verifying the signed `removed` entry (a server may go on listing
    the journal), says the server said he had left, not that ana stopped sharing."""
    ana = await through("ana")
    tom = await signup("tom")
    carol = await signup("carol")
    await ana.entries.write("Personal", "Before the shares.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    server_stops_serving(live_server, personal, tom.profile.account_id)
    await share_with(ana, carol)  # the owner's device drops tom on the server's word
    assert "tom" not in chain_members(ana, personal)
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "INSERT INTO members (journal_id, account_id, role, expires_at) "
            "VALUES (?, ?, 'annotate', 0)",
            (personal, tom.profile.account_id),
        )
        db.commit()
    [told] = (await tom.sync()).departures
    assert (told.reason, told.owner) == (departures.DROPPED, "ana")
    assert "the server said you had left" in str(told) and "stopped sharing" not in str(told)


async def test_a_server_cannot_strip_the_reason_from_a_removal_on_its_word(
    signup: ClientFactory, login: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The reason is inside the owner's signature: a server serving the laptop the removal
    without it (to pass the server's word off as the owner's revocation) has its chain
    refused: the laptop never believes an owner's revocation that was not signed."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        await laptop.sync()
        personal = await journal_id(ana, "Personal")
        await tom.sync()
        await tom.shares.leave("ana/Personal")
        await ana.sync()  # drops tom, signing the reason

        def stripped(request: bytes, reply: bytes) -> bytes:
            served = wire.decode(wire.AccessReply, reply)
            chains = [
                dataclasses.replace(c, entries=[strip_reason(e) for e in c.entries])
                for c in served.chains
            ]
            return wire.encode(dataclasses.replace(served, chains=chains))

        hostile.replies["/v1/journals/access"] = stripped
        report = await laptop.sync()
        assert report.departures == []
        assert laptop.replica.chains.problem(personal) is not None
        state = laptop.replica.chains.state(personal)  # what it verified: nothing unsigned
        assert state is not None and tom.profile.account_id in {
            m.account_id for m in state.members.values()
        }
    finally:
        await laptop.close()


def strip_reason(entry: bytes) -> bytes:
    body, signature = msgpack.unpackb(entry, raw=False)
    fields = msgpack.unpackb(body, raw=False)
    fields[6] = {k: v for k, v in fields[6].items() if k != "because"}
    packed: bytes = msgpack.packb(
        [msgpack.packb(fields, use_bin_type=True), signature], use_bin_type=True
    )
    return packed


async def test_replacing_a_copied_recovery_key_ends_what_the_copy_opened(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    from client_sdk import account
    from client_sdk.transport import Transport

    ana = await signup("ana")
    assert ana.recovery_key is not None
    copied = keys.parse_recovery_key(ana.recovery_key)  # photographed from the fridge
    thief = Transport(live_server.url)
    try:
        session = await account.recover(thief, "ana", copied, "a phone")
        assert session.secrets.account_key == ana.profile.secrets.account_key
        # The owner learns the key was seen and retires it, as the CLI's help advises.
        await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        signed_in = Transport(live_server.url, session.reply.token)
        try:
            still = True
            try:
                await signed_in.call("/v1/journals/list", wire.ListRequest(b""), wire.JournalList)
            except Exception:  # noqa: BLE001 - any refusal is what the words promise
                still = False
        finally:
            await signed_in.close()
        assert not still, "a session opened with the retired key still syncs the journals"
    finally:
        await thief.close()


async def test_the_owners_other_device_keeps_a_field_level_share_limited(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Holds on 9300e3d: a phone that has not synced since the laptop made a mood-only share
    still finds it (the mirror's chain is read in limited_share's journal list refresh)."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", SECRET, mood=3)
    phone = await login("ana")
    await phone.sync()
    await share_with(ana, tom, only=["mood"])
    await ana.sync()
    await phone.shares.grant("Personal", "tom", role="annotate", trust_on_first_use=True)
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    assert ana.replica.chains.current(personal).member_by_account(tom.profile.account_id) is None
    await tom.sync()
    assert SECRET not in {e.body for e in await tom.entries.list()}


async def test_a_copied_recovery_key_cannot_silently_replace_the_owners_recovery_key(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    from client_sdk import account
    from client_sdk.errors import AuthError
    from client_sdk.transport import Transport

    ana = await signup("ana")
    assert ana.recovery_key is not None
    copied = keys.parse_recovery_key(ana.recovery_key)
    thief = Transport(live_server.url)
    try:
        session = await account.recover(thief, "ana", copied, "a phone")
        signed_in = Transport(live_server.url, session.reply.token)
        try:
            with pytest.raises(AuthError):
                await account.replace_recovery_key(
                    signed_in,
                    "ana",
                    session.reply.account_id,
                    session.secrets,
                    keys.recovery_login_key(copied),
                )
        finally:
            await signed_in.close()
    finally:
        await thief.close()
    # The owner's key, written down at signup, still gets them back in.
    rescued = await Client.recover(
        live_server.url,
        "ana",
        ana.recovery_key,
        "a quiet lake at dawn",
        home=tmp_path / "rescued",
        kdf_cost=INSECURE_TEST_COST,
    )
    await rescued.close()
