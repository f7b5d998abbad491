"""A bulk pull's signatures are verified in a helper process (client_sdk/verifying.py) while
the loop's thread applies the page before (issue 10): every record is still verified, a bad
one is refused and reported exactly as before wherever it was, and a helper that says no, or
fails, only sends records back to be opened and verified in the SDK's own process."""

from __future__ import annotations

import os
import signal
import sqlite3
from typing import Any

import msgpack
import nacl.signing
import pytest

from client_sdk import Client, crypto, records, replica, verifying
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from tests.client.test_integrity import flip_a_ciphertext_byte, record_ids, server_db
from tests.conftest import ClientFactory, RunningServer


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
        verify_here(self, chunk)
        for index, _, unverified in chunk:
            here[by_message[unverified.message]] = self._results[index] is not None

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
