"""What an app developer embedding the SDK met (a review of the SDK as an app's library): a
passphrase derived on the event loop, a callback's error failing a write already stored, a
store busy in another process holding the loop and raising sqlite3's error, secrets in
`repr()`, the host name sent as the device's name. Real server on loopback, real crypto,
real SQLite."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
import pkgutil
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import client_sdk
from client_sdk import (
    INSECURE_TEST_COST,
    Change,
    Client,
    ConflictError,
    InvalidInput,
    NetworkError,
    StoreBusy,
    TJError,
    crypto,
    database,
)
from client_sdk.care_archive import CareRecords
from client_sdk.devices import Devices
from client_sdk.documents import Document, EntryFields, entry_view
from client_sdk.keys import AccountSecrets
from client_sdk.models import DEFAULT_DEVICE_NAME
from client_sdk.records import RecordBody
from client_sdk.sharing import share_expiry
from client_sdk.store import STORE_FILE, StoredDocument
from client_sdk.transport import NO_RETRY
from client_sdk.yjs_updates import decode as yjs_decode
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PASSPHRASE = "a passphrase long enough"

# --- secrets never in a repr -----------------------------------------------------------------


def secret_texts(client: Client) -> list[str]:
    """The session token and the account's secret keys, as a repr or a log would show them."""
    profile = client.profile
    texts = [profile.token]
    for key in (
        profile.secrets.account_key,
        profile.secrets.sign_seed,
        profile.secrets.box_secret,
    ):
        texts += [repr(key)[2:-1][:24], key.hex()[:24]]
    return texts


async def test_no_repr_of_the_client_or_its_profile_shows_a_token_or_a_key(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    secrets = secret_texts(ana)
    shown = [
        repr(ana.profile),
        str(ana.profile),
        repr(ana.profile.secrets),
        repr(ana),
        repr(await ana.identity()),
        repr(ana.transport),
    ]
    for text in shown:
        for secret in secrets:
            assert secret not in text
    assert ana.username in repr(ana.profile)  # the rest is still there, for debugging


SECRET_FIELD = re.compile(
    r"(?:^|_)(?:token|secret|secrets|seed|kek|ticket|key|login_key)$|account_key|journal_key"
)


def sdk_dataclasses() -> Iterator[type[Any]]:
    for module in pkgutil.iter_modules(client_sdk.__path__):
        for value in vars(importlib.import_module(f"client_sdk.{module.name}")).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == f"client_sdk.{module.name}"
            ):
                yield value


NOT_SECRET = {
    "client_sdk.records.Unverified.author_key": "the author's public signing key",
    "client_sdk.replica._OpenedEarly.author_key": "the author's public signing key",
    "client_sdk.wire.JournalCreateRequest.key": "a KeyEnvelope: the journal key, sealed",
    "client_sdk.yjs_updates.Struct.key": "the key of a map entry in a text's update",
    "client_sdk.models.NewDevice.by_recovery_key": "whether a sign-in used the recovery key",
    "client_sdk.wire.SignIn.by_recovery_key": "whether a sign-in used the recovery key",
}
"""Fields named like a secret that hold none (the reason)."""


def test_every_dataclass_field_holding_a_secret_stays_out_of_its_repr() -> None:
    """A field named as a token, a secret key, a seed, a key-encryption key or a login
    ticket is `field(repr=False)` in every dataclass of the SDK: an app's debug log, a crash
    reporter or a traceback showing locals must never write one. A field holding the
    account's secrets (`AccountSecrets`, whose own repr shows none) or a sealed key may show."""
    shown = sorted(
        where
        for cls in set(sdk_dataclasses())
        for field in dataclasses.fields(cls)
        if SECRET_FIELD.search(field.name)
        and field.repr
        and "public" not in field.name
        and not field.name.startswith("sealed_")
        and "AccountSecrets" not in str(field.type)
        and (where := f"{cls.__module__}.{cls.__qualname__}.{field.name}") not in NOT_SECRET
    )
    assert not shown, f"secrets in a repr: {shown}"
    secrets = AccountSecrets(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32)
    assert "\\x01" not in repr(secrets) and "0101" not in repr(secrets)


PAYLOAD_FIELD = re.compile(r"(?:^|_)payload$|(?:^|_)private_notes$")
"""A field named as a decrypted payload (a record's plaintext update, a therapist's private
notes)."""

NOT_PAYLOAD = {
    "client_sdk.access.Entry.payload": "a signed access-chain entry, which the server stores as is",
    "client_sdk.portability.CareSources.private_notes": "the manager, whose repr shows no note",
}
"""Fields named like a decrypted payload that hold none (the reason)."""


def test_every_dataclass_field_holding_a_decrypted_payload_stays_out_of_its_repr() -> None:
    """A record's decrypted update and a therapist's private notes are `field(repr=False)`:
    a debug log or a crash reporter showing locals never writes what a journal holds."""
    shown = sorted(
        where
        for cls in set(sdk_dataclasses())
        for field in dataclasses.fields(cls)
        if PAYLOAD_FIELD.search(field.name)
        and field.repr
        and (where := f"{cls.__module__}.{cls.__qualname__}.{field.name}") not in NOT_PAYLOAD
    )
    assert not shown, f"decrypted payloads in a repr: {shown}"
    body = RecordBody(b"a" * 16, b"d" * 16, 1, b"i" * 16, "entry", "update", b"my words", 1)
    assert "my words" not in repr(body)
    care = CareRecords(private_notes=({"text": "a therapist's words"},))
    assert "a therapist's words" not in repr(care)


DECRYPTED_TYPES = re.compile(r"^(?:FoldedText|StoredDocument|Document)\b")
"""Types whose value is a document's decrypted content (a search's folded text, a stored
document's state, a document): a field holding one directly shows it in a repr unless the
type's own repr hides it (StoredDocument: `state` is repr=False)."""

REPR_HIDES = {"StoredDocument"}
"""DECRYPTED_TYPES whose own repr shows none of the content."""


def test_every_dataclass_field_holding_decrypted_content_by_type_stays_out_of_its_repr() -> None:
    """Found by the field's type, not its name: a document's state, a folded text."""
    shown = sorted(
        f"{cls.__module__}.{cls.__qualname__}.{field.name}: {field.type}"
        for cls in set(sdk_dataclasses())
        for field in dataclasses.fields(cls)
        if field.repr
        and (found := DECRYPTED_TYPES.match(str(field.type))) is not None
        and found.group(0) not in REPR_HIDES
    )
    assert not shown, f"decrypted content in a repr: {shown}"


def test_a_stored_document_and_an_entry_view_show_no_content_in_their_repr() -> None:
    """Found by content: the words an entry holds, in the internal objects that carry it."""
    secret = "MY SECRET WORDS"
    document = Document(b"d" * 16, "entry")
    document.change(fields={"title": secret, "tags": [secret]}, texts={"body": secret})
    stored = StoredDocument(b"d" * 16, b"j" * 16, "entry", document.state(), document.waiting())
    assert secret.encode() in stored.state
    view = entry_view(document)
    assert view.title == secret and secret in view.body
    fields = EntryFields(title=secret, body=secret, append=secret)
    structs, _ = yjs_decode(document.state())
    assert any(s.text and secret in s.text for s in structs)
    for value in (stored, view, fields, *structs):
        assert secret not in repr(value), repr(value)
        assert secret.encode().hex() not in repr(value)
        assert "SECRET" not in repr(value), repr(value)


def test_the_secret_field_pattern_catches_what_it_is_for() -> None:
    for name in ("token", "secrets", "account_key", "sign_seed", "box_secret", "kek", "key"):
        assert SECRET_FIELD.search(name), name
    for name in ("login_ticket", "ticket", "journal_key"):
        assert SECRET_FIELD.search(name), name
    for name in ("keys_complete", "keyed", "tokens_used", "journal_id", "device_name"):
        assert not SECRET_FIELD.search(name), name


# --- the default device name -------------------------------------------------------------------


async def test_a_device_signed_in_without_a_name_is_not_named_after_its_host(
    live_server: RunningServer, tmp_path: Path
) -> None:
    import platform

    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
    )
    try:
        names = [d.name for d in await client.devices.list()]
        assert names == [DEFAULT_DEVICE_NAME] == ["device"]
        assert platform.node() not in names or platform.node() == DEFAULT_DEVICE_NAME
    finally:
        await client.close()
    phone = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        assert [d.name for d in await phone.devices.list()] == ["device", "device"]
    finally:
        await phone.close()
    assert "clear" in (Client.signup.__doc__ or "") and "host name" in (Client.signup.__doc__ or "")
    assert "host name" in (Client.login.__doc__ or "")


# --- on_change listeners kept apart ------------------------------------------------------------


async def test_a_failing_change_callback_neither_fails_the_write_nor_starves_the_others(
    signup: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ana = await signup("ana")
    seen: list[str] = []

    def bad(change: Change) -> None:
        raise RuntimeError("the app's bug, quoting: my secret diary line")

    ana.on_change(lambda change: seen.append("before:" + change.kind))
    ana.on_change(bad)
    ana.on_change(lambda change: seen.append("after:" + change.kind))
    async with ana.changes() as stream:
        with caplog.at_level(logging.WARNING, logger="client_sdk.changes"):
            entry = await ana.entries.write(None, "my secret diary line", mood=4)  # no raise
        got = await asyncio.wait_for(stream.__anext__(), 10)
    assert got.id == entry.id  # a change stream subscribed after the bad one got it too
    assert seen == ["before:entry", "after:entry"]
    assert [e.id for e in await ana.entries.list()] == [entry.id]  # stored once
    warnings = [r for r in caplog.records if r.name == "client_sdk.changes"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    logged = warnings[0].getMessage()
    assert "RuntimeError" in logged and "bad" in logged
    assert "diary" not in logged and warnings[0].exc_info is None  # no payload, no traceback


async def test_an_async_change_callback_is_refused_since_it_would_never_run(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")

    async def callback(change: Change) -> None:
        pass

    with pytest.raises(InvalidInput) as refused:
        ana.on_change(callback)  # type: ignore[arg-type]
    assert refused.value.subject == "value" and "changes()" in str(refused.value)


# --- the passphrase's key derived off the event loop ------------------------------------------


@pytest.fixture
def derived_on(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each Argon2id derivation (the real one, called through), whether it ran on the
    thread running the event loop."""
    real = crypto.derive_root
    on_loop: list[bool] = []

    def derive_root(password: str, salt: bytes, cost: crypto.KdfCost) -> bytes:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(password, salt, cost)

    monkeypatch.setattr(crypto, "derive_root", derive_root)
    return on_loop


async def test_no_passphrase_key_is_derived_on_the_event_loop(
    live_server: RunningServer, tmp_path: Path, derived_on: list[bool]
) -> None:
    home = tmp_path / "ana"
    ana = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, device_name="laptop",
        kdf_cost=INSECURE_TEST_COST, passphrase=PASSPHRASE,
    )  # fmt: skip
    await ana.set_passphrase("another passphrase here", cost=INSECURE_TEST_COST)
    await ana.close()
    assert Client.needs_passphrase(home)
    again = await Client.open(home, passphrase="another passphrase here")
    await again.set_passphrase(None)
    await again.close()
    assert not Client.needs_passphrase(home)
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", device_name="phone",
        minimum_cost=INSECURE_TEST_COST, passphrase=PASSPHRASE,
    )  # fmt: skip
    await phone.close()
    relogin = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", device_name="phone",
        minimum_cost=INSECURE_TEST_COST, passphrase=PASSPHRASE,
    )  # fmt: skip
    await relogin.close()
    assert len(derived_on) >= 8  # signup, lock, open, login, the login again: each derived
    assert not any(derived_on), derived_on


def test_set_passphrase_says_what_it_protects_and_what_it_does_not() -> None:
    doc = " ".join((Client.set_passphrase.__doc__ or "").split())
    assert "keys" in doc and "session token" in doc
    assert "store.db" in doc and "plain text" in doc and "disk encryption" in doc
    assert "Called without `await` it does nothing" in doc  # the old call style, plainly
    revoke = " ".join((Devices.revoke.__doc__ or "").split())
    assert "changes no key" in revoke and "written afterwards" in revoke
    assert "set_passphrase" in revoke
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    assert "ends its session but changes no key" in readme
    assert "including records written after the revoke" in readme
    assert "does not encrypt the journal already on the device" in readme


# --- a store another process holds busy ------------------------------------------------------


class HeldStore:
    """Another process's write transaction on the store: a connection of its own holding
    the write lock (BEGIN IMMEDIATE) until `release`."""

    def __init__(self, home: Path) -> None:
        self._connection = sqlite3.connect(
            home / STORE_FILE, isolation_level=None, check_same_thread=False
        )
        self._connection.execute("BEGIN IMMEDIATE")
        self._lock = threading.Lock()
        self._released = False

    def release(self) -> None:
        with self._lock:
            if not self._released:
                self._released = True
                self._connection.execute("ROLLBACK")
                self._connection.close()


async def test_a_write_waiting_for_another_process_leaves_the_event_loop_free(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")  # the store is made and indexed
    held = HeldStore(ana.home)
    try:
        write = asyncio.create_task(ana.entries.write(None, "while held", mood=5))
        ticks = 0
        for _ in range(20):  # the loop runs meanwhile: a write blocking it would be done
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()  # still waiting for the lock, in the worker thread
        assert ticks == 20
    finally:
        held.release()
    entry = await asyncio.wait_for(write, 10)
    assert [e.body for e in await ana.entries.list()] == ["while held", "first"]
    assert entry.mood == 5


async def test_a_write_the_other_process_keeps_waiting_raises_store_busy(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    # The wait, shortened for the test: the busy timeout of a statement and the deadline of
    # the write's tries for the lock (`database._run_waiting`; it alone waited 5 s here).
    monkeypatch.setattr(database, "_WAIT_MS", 200)
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    held = HeldStore(ana.home)
    try:
        with pytest.raises(StoreBusy) as busy:
            await ana.entries.write(None, "never stored")
    finally:
        held.release()
    error = busy.value
    assert isinstance(error, ConflictError) and isinstance(error, TJError)
    assert error.subject == "store busy" and "nothing was written" in str(error)
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert [e.body for e in await ana.entries.list()] == ["first"]
    await ana.entries.write(None, "after")  # the store works again at once
    assert [e.body for e in await ana.entries.list()] == ["after", "first"]


async def test_a_write_waiting_in_the_worker_keeps_the_order_of_the_calls(
    signup: ClientFactory,
) -> None:
    """Calls made while the write waits in the worker run after it, in order."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    held = HeldStore(ana.home)
    released = threading.Timer(0.3, held.release)
    released.start()
    try:
        bodies = ["one", "two", "three"]
        written = await asyncio.gather(*(ana.entries.write(None, b) for b in bodies))
    finally:
        released.join()
        held.release()
    assert [e.body for e in written] == bodies
    assert sorted(e.body for e in await ana.entries.list()) == sorted([*bodies, "first"])


# --- smaller ones -------------------------------------------------------------------------------


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_offline_sync_counts_the_changes_kept_as_unsynced_changes_does(
    signup: ClientFactory,
) -> None:
    """One entry written and edited twice offline is three records and one change: the
    sync's message said "3 changes are kept" beside `unsynced_changes()` == 1."""
    ana = await signup("ana")
    ana.transport.base_url = f"http://127.0.0.1:{unused_port()}"  # the server unreachable
    entry = await ana.entries.write(None, "Offline.")
    await ana.entries.edit(entry.id, mood=3)
    await ana.entries.edit(entry.id, mood=4)
    assert await ana.unsynced_changes() == 1
    with pytest.raises(NetworkError) as offline:
        await ana.sync(retry=NO_RETRY)
    assert "; 1 change is kept on this device and will sync later" in str(offline.value)


async def test_a_file_given_as_the_home_is_refused_as_no_home(tmp_path: Path) -> None:
    not_a_home = tmp_path / "notes.txt"
    not_a_home.write_text("a file")
    assert not Client.needs_passphrase(not_a_home)
    with pytest.raises(InvalidInput) as refused:
        await Client.open(not_a_home)
    assert refused.value.subject == "profile" and "not the home directory" in str(refused.value)


@pytest.mark.parametrize(
    "address",
    [
        "{url}/v1",
        "{url}/v1/auth/prelogin",
        "{url}?x=1",
        "{url}/#top",
    ],
)
async def test_a_server_address_with_the_api_path_or_a_query_is_refused_before_sending(
    live_server: RunningServer, tmp_path: Path, address: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await Client.signup(
            address.format(url=live_server.url), "ana", PASSWORD, home=tmp_path / "ana",
            device_name="laptop", kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
    assert refused.value.subject == "value"
    assert "without a path to the API" in str(refused.value)
    assert not (tmp_path / "ana" / "profile").exists()


@pytest.mark.parametrize(
    "userinfo",
    ["user:secretpw@", "user@", ":secretpw@", "user:sec?retpw@", "user:sec#retpw@",
     "user:sec/retpw@", "user:sec@retpw@"],
)  # fmt: skip
async def test_a_server_address_with_a_user_name_or_password_is_refused_and_not_repeated(
    live_server: RunningServer, tmp_path: Path, userinfo: str
) -> None:
    address = live_server.url.replace("://", f"://{userinfo}")
    with pytest.raises(InvalidInput) as refused:
        await Client.signup(
            address, "ana", PASSWORD, home=tmp_path / "ana", device_name="laptop",
            kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
    assert refused.value.subject == "value"
    assert "user name or password" in str(refused.value)
    assert repr(live_server.url) in str(refused.value)  # the address to give instead
    assert "secretpw" not in str(refused.value) and userinfo not in str(refused.value)
    assert "retpw" not in str(refused.value) and "user:" not in str(refused.value)
    assert not (tmp_path / "ana" / "profile").exists()


async def test_a_server_address_in_capitals_is_taken(
    live_server: RunningServer, tmp_path: Path
) -> None:
    shouted = live_server.url.replace("http://", "HTTP://")
    ana = await Client.signup(
        shouted, "ana", PASSWORD, home=tmp_path / "ana", device_name="laptop",
        kdf_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        assert (await ana.identity()).server_url == live_server.url
    finally:
        await ana.close()


async def test_wrong_arguments_are_refused_as_values(signup: ClientFactory) -> None:
    ana = await signup("ana")
    with pytest.raises(InvalidInput) as retry:
        await ana.sync(retry=5)  # type: ignore[arg-type]
    assert retry.value.subject == "value" and "RetryPolicy" in str(retry.value)
    with pytest.raises(InvalidInput) as floats:
        await ana.measures.take("phq9", [1.0] * 9)  # type: ignore[list-item]
    assert str(floats.value).startswith(
        "answers is a list of whole numbers, not a list holding a float (1.0)"
    )
    with pytest.raises(InvalidInput) as tags:
        await ana.entries.write(None, "x", tags=(1, 2))  # type: ignore[arg-type]
    assert "not a tuple holding an int (1)" in str(tags.value)
    with pytest.raises(InvalidInput) as every:
        await ana.assignments.assign("Personal", "measure", "phq9", every_days=0)
    assert every.value.subject == "value" and str(every.value).startswith("every_days is")
    with pytest.raises(InvalidInput) as past:
        share_expiry(datetime.now(UTC) - timedelta(days=1))
    assert past.value.subject == "value"
