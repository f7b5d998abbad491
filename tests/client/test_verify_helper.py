"""A bulk pull's signatures are verified in a helper process (client_sdk/verifying.py) while
the loop's thread applies the page before (issue 10): every record is still verified, a bad
one is refused and reported exactly as before wherever it was, and a helper that says no, or
fails, only sends records back to be opened and verified in the SDK's own process."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
import zlib
from typing import Any

import msgpack
import nacl.signing
import pytest

from client_sdk import Client, crypto, records, replica, verifying
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from client_sdk.errors import IntegrityError
from tests.client.test_integrity import flip_a_ciphertext_byte, record_ids, server_db
from tests.conftest import ClientFactory, RunningServer
from tests.newer_version import seal_encoded


def forge_record(db: sqlite3.Connection, author: Client, journal_id: bytes) -> bytes:
    """A well-formed entry record under the right journal key, signed by a stranger's key,
    appended to the journal: its id."""
    document = Document(crypto.random_bytes(16), ENTRY)
    update = new_entry_update(document, EntryFields(title="Forged", body="Never wrote this"), 1)
    body = records.RecordBody(
        author=author.profile.account_id,
        device=author.profile.device_id,
        counter=10_000,
        doc_id=document.doc_id,
        doc_kind=ENTRY,
        kind=records.UPDATE,
        payload=update,
        written_at=1,
    )
    record_id = crypto.random_bytes(16)
    key = author.replica._keys[(journal_id, 0)]
    forger = nacl.signing.SigningKey.generate()
    sealed = records.seal_record(key, journal_id, record_id, 0, body, forger)
    cursor = db.execute(
        "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, created_at) "
        "VALUES (?, ?, 0, ?, ?, 0)",
        (journal_id, record_id, sealed, author.profile.account_id),
    )
    db.execute("UPDATE journals SET head = ? WHERE journal_id = ?", (cursor.lastrowid, journal_id))
    return record_id


def running_helper() -> verifying._Helper:
    """The process's signature helper, started if need be; the test is skipped where none
    starts (one core, or a frozen interpreter)."""
    started = verifying.helper()
    if started is None:
        pytest.skip("no helper process on this machine (one core, or a frozen interpreter)")
    return started


def test_the_helper_verifies_as_crypto_verify_does() -> None:
    running_helper()
    key = nacl.signing.SigningKey.generate()
    public = bytes(key.verify_key)
    message = b"a record body"
    signature = crypto.sign(key, message)
    other = bytes(nacl.signing.SigningKey.generate().verify_key)
    items = [
        verifying.Check(public, message, signature),  # verifies
        verifying.Check(public, message + b"!", signature),  # another message
        verifying.Check(other, message, signature),  # another key
        verifying.Check(public, message, signature[:63]),  # a short signature
        verifying.Check(public[:31], message, signature),  # a short key
        verifying.Check(public, b"", crypto.sign(key, b"")),  # an empty message, signed
    ]
    future = verifying.verify(items)
    assert future is not None
    expected = []
    for item in items:
        try:
            crypto.verify(item.key, item.message, item.signature, "item")
        except Exception:  # noqa: BLE001 - IntegrityError: not verified
            expected.append(False)
        else:
            expected.append(True)
    assert future.result(timeout=30) == expected == [True, False, False, False, False, True]


def test_the_helper_inflates_a_verified_payload_as_records_inflate_does() -> None:
    """A compressed payload is inflated in the helper only once its signature verified, and
    exactly as `records.inflate` inflates it (the same limit, the same refusals): anything
    `inflate` refuses is False, and so is a payload under a signature that fails."""
    running_helper()
    key = nacl.signing.SigningKey.generate()
    public = bytes(key.verify_key)
    text = crypto.random_bytes(400).hex().encode()  # deflates to about half its length
    deflated = zlib.compress(text)
    inflater = zlib.compressobj(9)
    bomb = b"".join(inflater.compress(bytes(1 << 20)) for _ in range(4)) + inflater.flush()
    payloads = [
        deflated,  # inflates
        zlib.compress(text[:100], 0),  # stored, not deflated: inflates
        bomb,  # past 8 times its length
        zlib.compress(b"a" * 8_000),  # past 8 times its length too
        deflated + b"!",  # bytes after the stream
        deflated[:-3],  # a stream cut short
        b"not zlib at all",
        b"",
    ]
    items = []
    for payload in payloads:
        message = b"body " + payload
        items.append(
            verifying.Check(
                public, message, crypto.sign(key, message), payload, records.inflate_limit(payload)
            )
        )
    message = b"body " + deflated
    other = nacl.signing.SigningKey.generate()
    forged = verifying.Check(
        public, message, crypto.sign(other, message), deflated, records.inflate_limit(deflated)
    )
    future = verifying.verify([*items, forged])
    assert future is not None
    expected: list[verifying.Outcome] = []
    for payload in payloads:
        try:
            expected.append(records.inflate(payload, "payload"))
        except IntegrityError:
            expected.append(False)
    assert future.result(timeout=30) == [*expected, False]
    assert expected[:2] == [text, text[:100]] and expected[2:] == [False] * 6


def test_requests_past_those_in_flight_stay_with_the_caller_to_take_back() -> None:
    """At most IN_FLIGHT requests are sent to the helper unanswered; the others wait in this
    process, where the caller can still cancel them (a chunk taken back to be verified on
    the loop's thread) and they are then never sent: the answers that follow still match
    their requests."""
    key = nacl.signing.SigningKey.generate()
    public = bytes(key.verify_key)

    def request(number: int) -> list[verifying.Check]:
        message = f"request {number}".encode()
        signature = crypto.sign(key, message)
        return [verifying.Check(public, message, signature)] * (number + 1) + [
            verifying.Check(public, message + b"!", signature)
        ]

    started = private_helper()
    try:
        os.kill(started._process.pid, signal.SIGSTOP)
        try:
            futures = [started.submit(request(n)) for n in range(verifying.IN_FLIGHT + 2)]
            deadline = time.monotonic() + 30
            while not all(f.running() for f in futures[: verifying.IN_FLIGHT]):
                assert time.monotonic() < deadline, "the first requests were never sent"
                time.sleep(0.01)
            time.sleep(0.2)
            waiting = futures[verifying.IN_FLIGHT :]
            assert not any(f.running() or f.done() for f in waiting)
            assert waiting[-1].cancel()  # taken back: never sent
        finally:
            os.kill(started._process.pid, signal.SIGCONT)
        for number, future in enumerate(futures[:-1]):
            assert future.result(timeout=30) == [True] * (number + 1) + [False]
        assert futures[-1].cancelled()
        after = started.submit(request(7))
        assert after.result(timeout=30) == [True] * 8 + [False]  # the pipe is in step
        assert not started.broken
    finally:
        started.close()
    assert reaped(started._process.pid)


def private_helper() -> verifying._Helper:
    """A helper of the test's own (the process-wide one is left alone): the caller closes
    it. Skipped where no helper starts."""
    if verifying.helper() is None:
        pytest.skip("no helper process on this machine (one core, or a frozen interpreter)")
    return verifying._Helper()


Spied = tuple[dict[bytes, int], dict[bytes, bool], dict[bytes, bool]]


def spy(monkeypatch: pytest.MonkeyPatch) -> Spied:
    """Records opened in this process (record id -> times), and those whose signature was
    checked apart (record id -> whether it verified): by the helper (`answered`), or by the
    loop's thread for a chunk it took back from the helper (`here`, `_verify_here`)."""
    opened: dict[bytes, int] = {}
    answered: dict[bytes, bool] = {}
    here: dict[bytes, bool] = {}
    open_verified, open_unverified = records.open_verified, records.open_unverified
    by_message: dict[bytes, bytes] = {}

    def counting(*args: Any) -> Any:
        opened[args[2]] = opened.get(args[2], 0) + 1
        return open_verified(*args)

    def noting(*args: Any) -> Any:
        found = open_unverified(*args)
        if found is not None:
            by_message[found.message] = args[2]
        return found

    real_verify = replica.verify_in_helper

    def asking(items: list[verifying.Check]) -> Any:
        future = real_verify(items)
        if future is not None:

            def note(done: Any) -> None:
                if not done.cancelled() and done.exception() is None:
                    for item, outcome in zip(items, done.result(), strict=True):
                        answered[by_message[item.message]] = outcome is not False

            future.add_done_callback(note)
        return future

    verify_here = replica._VerifiedAhead._verify_here

    def taken_back(self: Any, chunk: list[Any]) -> None:
        messages = [self._opened(index).message for index in chunk]
        verify_here(self, chunk)
        for index, message in zip(chunk, messages, strict=True):
            here[by_message[message]] = self._results[index] is not None

    monkeypatch.setattr(records, "open_verified", counting)
    monkeypatch.setattr(records, "open_unverified", noting)
    monkeypatch.setattr(replica._VerifiedAhead, "_verify_here", taken_back)
    monkeypatch.setattr(replica, "verify_in_helper", asking)
    return opened, answered, here


async def pull_with_bad_records(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[bytes], set[bytes], Spied, int]:
    """ana's laptop writes four pages of entries (a bad record in the first page and two in
    the last: one altered, one signed by a stranger); her new phone pulls them."""
    page = replica.VERIFY_AHEAD_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    personal = bytes.fromhex((await laptop.journals.get("Personal")).id)
    count = 4 * page - 1
    for i in range(count):
        await laptop.entries.write("Personal", f"Body {i}", title=f"T{i}")
    await laptop.sync()
    with server_db(live_server) as db:
        ids = record_ids(db, personal)
        flip_a_ciphertext_byte(db, ids[2])
        flip_a_ciphertext_byte(db, ids[-3])
        forged = forge_record(db, laptop, personal)
    bad = {ids[2], ids[-3], forged}
    spied = spy(monkeypatch)
    phone = await login("ana")
    report = await phone.sync()
    assert report.refused == 3
    assert {problem.record_id for problem in await phone.problems()} == bad
    titles = {entry.title for entry in await phone.entries.list()}
    assert titles == {f"T{i}" for i in range(count) if i not in {2, count - 3}}
    for entry in await phone.entries.list():
        assert entry.body == f"Body {entry.title[1:]}"
    return [*ids, forged], bad, spied, page


async def test_a_bulk_pull_verified_in_the_helper_refuses_exactly_its_bad_records(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running_helper()
    ids, bad, (opened, answered, here), page = await pull_with_bad_records(
        live_server, signup, login, monkeypatch
    )
    forged = ids[-1]
    # Every page was verified apart (the first when it applies, the others ahead of it):
    # in the helper, or on the loop's thread for chunks it took back. Every record is
    # verified exactly once, in one place or another, but a bad one: opened again here, and
    # refused here.
    apart = {**answered, **here}
    assert len(answered) > 0 and len(apart) == 4 * page - 2  # the altered two never opened
    assert set(answered).isdisjoint(here)
    assert apart.get(forged) is False  # never taken as verified
    assert all(apart[r] for r in apart if r != forged)
    assert set(opened) | set(apart) == set(ids)
    assert bad <= set(opened)  # refused here, not in the helper
    assert not {r for r in apart if apart[r]} & set(opened)
    assert all(times == 1 for times in opened.values())


async def test_a_helper_that_fails_leaves_every_record_to_this_process(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A helper of its own for this test (the process-wide one is left alone), killed before
    # the pull: its first answer fails, and every record is opened and verified here.
    monkeypatch.setattr(verifying, "_STATE", {})
    started = running_helper()
    started._process.kill()
    started._process.wait()
    try:
        ids, _, (opened, answered, here), _ = await pull_with_bad_records(
            live_server, signup, login, monkeypatch
        )
    finally:
        started.close()
    assert answered == {}  # it never answered
    assert set(opened) | set(here) == set(ids)
    assert verifying.helper() is None  # not started again


async def test_a_helper_that_says_no_sends_every_record_back_to_be_verified_here(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running_helper()
    real_outcomes = verifying._outcomes
    monkeypatch.setattr(
        verifying,
        "_outcomes",
        lambda answer, items: [False for _ in real_outcomes(answer, items)],
    )
    ids, _, (opened, answered, here), _ = await pull_with_bad_records(
        live_server, signup, login, monkeypatch
    )
    assert len(answered) > 0 and not any(answered.values())
    assert set(answered) <= set(opened)  # each opened and verified here after the no
    assert set(opened) | set(here) == set(ids)


async def test_a_helper_that_hangs_is_given_up_and_the_pull_goes_on_here(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A helper of its own, stopped (SIGSTOP) before the pull: it never answers; after
    # ANSWER_TIMEOUT_S it is given up (killed) and every record is verified here.
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.setattr(verifying, "ANSWER_TIMEOUT_S", 0.5)
    started = running_helper()
    os.kill(started._process.pid, signal.SIGSTOP)
    try:
        ids, _, (opened, answered, here), _ = await pull_with_bad_records(
            live_server, signup, login, monkeypatch
        )
        # Killed and reaped when given up, not at exit (`close`, below): no zombie left.
        assert reaped(started._process.pid)
    finally:
        started.close()
    assert answered == {}
    assert set(opened) | set(here) == set(ids)
    assert started._process.poll() is not None  # killed
    assert verifying.helper() is None  # not started again


def reaped(pid: int) -> bool:
    """Whether this process's child `pid` is gone for good: neither running nor a zombie
    (waitpid finds no such child). A zombie found is reaped here, and the answer is no."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


async def test_a_helper_out_of_step_is_killed_and_reaped_and_the_pull_goes_on_here(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A helper of its own whose pipe is put out of step before the pull: a request of no
    # item, written past its sending thread, answered with an empty array that the reading
    # thread then reads as the answer to the pull's first request, or to none (ValueError)
    # while the child still runs.
    # It is killed and reaped then (rev-pull, low: it ran unreaped until exit), and every
    # record is verified here.
    monkeypatch.setattr(verifying, "_STATE", {})
    started = running_helper()
    stdin = started._process.stdin
    assert stdin is not None
    nothing = msgpack.packb([], use_bin_type=True)
    stdin.write(len(nothing).to_bytes(4, "big") + nothing)
    stdin.flush()
    try:
        ids, _, (opened, answered, here), _ = await pull_with_bad_records(
            live_server, signup, login, monkeypatch
        )
        assert started.broken
        assert reaped(started._process.pid)
    finally:
        started.close()
    assert answered == {}  # no answer taken from a pipe out of step
    assert set(opened) | set(here) == set(ids)
    assert verifying.helper() is None  # not started again


def test_no_helper_when_turned_off_or_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """TJ_VERIFY_PROCESS=0, or a frozen application (whose sys.executable would start the
    application itself with -c): no helper; pages asked ahead go to the worker thread."""
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.setenv("TJ_VERIFY_PROCESS", "0")
    assert verifying.helper() is None
    assert verifying.verify([(b"k" * 32, b"m", b"s" * 64)]) is None
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.delenv("TJ_VERIFY_PROCESS")
    monkeypatch.setattr(verifying.sys, "frozen", True, raising=False)
    assert verifying.helper() is None
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.delattr(verifying.sys, "frozen")
    monkeypatch.setattr(verifying.sys, "executable", "/opt/app/journal-app")
    assert verifying.helper() is None


def reseal_in_place(
    db: sqlite3.Connection,
    author: Client,
    journal_id: bytes,
    record_id: bytes,
    signing_key: nacl.signing.SigningKey,
    deflated: bytes,
) -> None:
    """The server's record `record_id` replaced by an entry record of `author`'s (version 3,
    `deflated` as its compressed payload) under the same id and the journal's real key,
    signed by `signing_key`: a forgery with a stranger's key, or with the author's own a
    payload signed compressed that does not inflate (what a member may sign)."""
    fields = [
        records.COMPRESSED_VERSION, author.profile.account_id, author.profile.device_id,
        50_000, crypto.random_bytes(16), ENTRY, records.UPDATE, deflated, 1, [], [], records.ZLIB,
    ]  # fmt: skip
    key = author.replica._keys[(journal_id, 0)]
    encoded = msgpack.packb(fields, use_bin_type=True)
    sealed = seal_encoded(key, journal_id, record_id, 0, encoded, signing_key)
    db.execute("UPDATE records SET ciphertext = ? WHERE record_id = ?", (sealed, record_id))


async def test_bad_records_in_chunks_in_flight_are_refused_exactly_as_without_the_helper(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bulk pull keeps IN_FLIGHT requests in the helper and has it inflate what it verified.
    A forgery in the second chunk of a page asked ahead, and in the second chunk of the page
    after it a record whose signature verifies but whose payload does not inflate, are each
    answered no (the records beside them yes: no answer goes to another record), refused
    and reported as a device without the helper refuses them, which keeps the same."""
    running_helper()
    page = replica.VERIFY_AHEAD_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    personal = bytes.fromhex((await laptop.journals.get("Personal")).id)
    for i in range(4 * page):
        await laptop.entries.write("Personal", f"Body {i}", title=f"T{i}")
    await laptop.sync()
    forged_at, malformed_at = page + replica.VERIFY_CHUNK + 3, 2 * page + replica.VERIFY_CHUNK + 5
    with server_db(live_server) as db:
        ids = record_ids(db, personal)
        stranger = nacl.signing.SigningKey.generate()
        text = zlib.compress(new_entry_update(Document(crypto.random_bytes(16), ENTRY),
                                              EntryFields(title="Forged", body="Never wrote"), 1))  # fmt: skip
        reseal_in_place(db, laptop, personal, ids[forged_at], stranger, text)
        own = laptop.profile.secrets.signing_key
        reseal_in_place(db, laptop, personal, ids[malformed_at], own, b"not zlib at all")
    bad = {ids[forged_at], ids[malformed_at]}

    opened, answered, here = spy(monkeypatch)
    phone = await login("ana")
    report = await phone.sync()
    monkeypatch.undo()
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    monkeypatch.setattr(verifying, "_STATE", {"disabled": True})  # no helper: as before it
    tablet = await login("ana", device="tablet")
    before = await tablet.sync()

    assert report.refused == before.refused == 2
    assert report.problems == before.problems
    assert any(
        ids[malformed_at].hex() in line and "malformed compressed payload" in line
        for line in report.problems
    )
    assert any(ids[forged_at].hex() in line and "signature" in line for line in report.problems)
    for device in (phone, tablet):
        assert {p.record_id for p in await device.problems()} == bad
    titles = {entry.title for entry in await phone.entries.list()}
    assert titles == {entry.title for entry in await tablet.entries.list()}
    assert titles == {f"T{i}" for i in range(4 * page)} - {f"T{forged_at}", f"T{malformed_at}"}
    apart = {**answered, **here}
    assert set(answered) and set(answered).isdisjoint(here)
    assert all(apart[r] is (r not in bad) for r in apart)  # each answer is its own record's
    assert {r for r in apart if not apart[r]} == bad  # both answered no where they were
    assert bad <= set(opened)  # then opened here, and refused here
    assert all(apart[ids[i]] for i in (forged_at - 1, forged_at + 1, malformed_at + 1))
