"""REV-PULL3: hostile review of perf-pull3 (the signature helper inflating what it verified,
IN_FLIGHT requests to it, a bulk pull asking the request after the next one), fixed: F1, a
payload the helper hands back must carry the Adler-32 its signed compressed bytes end with,
else the helper counts as broken and every record is opened on the app's thread."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from client_sdk import records, replica, verifying
from tests.client.test_verify_helper import reaped, running_helper
from tests.conftest import ClientFactory, RunningServer

FILLER = " and the same words again," * 40  # compresses well: every entry's payload is ZLIB


async def test_a_payload_corrupted_in_the_helpers_answer_is_never_taken_as_the_records(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The helper's answer stream corrupted in the bytes of an inflated payload (a stand-in: a
    child that changes one byte of each payload it returns, keeping its length, so the
    answer's framing, types and lengths all still check). Before perf-pull3 the helper only
    answered 0 or 1 and the app inflated the signed bytes itself; now the app takes the
    payload as it comes. Expected: no record's content differs from what its author signed
    (the app checks the payload against the signed stream, e.g. its Adler-32 trailer, or
    opens the record again here)."""
    corrupted = verifying._CHILD.replace("ok = payload", "ok = payload.replace(b'Body', b'Bodx')")
    assert corrupted != verifying._CHILD
    monkeypatch.setattr(verifying, "_CHILD", corrupted)
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.setattr(records, "WRITE_ENCODING", records.ZLIB)  # what the helper inflates
    started = running_helper()  # the process's helper for this test, running `corrupted`
    page = replica.VERIFY_AHEAD_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    count = 2 * page
    for i in range(count):
        await laptop.entries.write("Personal", f"Body {i}{FILLER}", title=f"T{i}")
    await laptop.sync()
    compressed: list[bool] = []
    checksum_holds = verifying._checksum_holds

    def noting(payload: bytes, deflated: bytes) -> bool:
        compressed.append(checksum_holds(payload, deflated))
        return compressed[-1]

    monkeypatch.setattr(verifying, "_checksum_holds", noting)
    try:
        phone = await login("ana")
        report = await phone.sync()
    finally:
        started.close()
    assert reaped(started._process.pid)
    assert compressed, "no payload came back from the helper: the test proves nothing"
    bodies = {entry.title: entry.body for entry in await phone.entries.list()}
    assert len(bodies) == count
    altered = [title for title, body in bodies.items() if not body.startswith("Body ")]
    # Either every body is as signed, or every altered one is refused and reported.
    assert altered == [] or report.refused >= len(altered), (len(altered), report.problems)


async def test_a_helper_out_of_step_never_attaches_a_payload_to_another_record(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As test_verify_helper's out-of-step test, but the stray request written past the
    sending thread has the shape of the pull's first chunk (VERIFY_CHUNK compressed items):
    its answer passes every check of `_outcomes` as the answer to that chunk, and each
    later answer as the one to the chunk after it, until a chunk of another size. Before
    perf-pull3 a shifted answer could only say yes or no; now it carries plaintext, which is
    stored as the record's. Expected: every entry as its author wrote it, or refused."""
    import zlib

    import msgpack
    import nacl.signing

    from client_sdk import crypto
    from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update

    monkeypatch.setattr(verifying, "_STATE", {})
    started = running_helper()
    key = nacl.signing.SigningKey.generate()
    stray = []
    for _ in range(replica.VERIFY_CHUNK):
        update = new_entry_update(
            Document(crypto.random_bytes(16), ENTRY),
            EntryFields(title="Planted", body="Planted"),
            1,
        )
        deflated = zlib.compress(update)
        message = b"stray " + deflated
        stray.append(
            [bytes(key.verify_key), message, crypto.sign(key, message), deflated,
             records.inflate_limit(deflated)]
        )  # fmt: skip
    page = replica.VERIFY_AHEAD_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    count = 2 * page
    for i in range(count):
        await laptop.entries.write("Personal", f"Body {i}{FILLER}", title=f"T{i}")
    await laptop.sync()
    stdin = started._process.stdin
    assert stdin is not None
    packed = msgpack.packb(stray, use_bin_type=True)
    assert len(packed) < 60_000  # fits in the pipe: the write returns with the child stopped
    # The child stopped until the pull's first request is sent (`_sent`): the stray answer
    # is then read as that request's, every time.
    os.kill(started._process.pid, signal.SIGSTOP)
    stdin.write(len(packed).to_bytes(4, "big") + packed)
    stdin.flush()
    stop = threading.Event()

    def go_on_once_sent() -> None:
        while not stop.is_set() and not started._sent:
            time.sleep(0.001)
        os.kill(started._process.pid, signal.SIGCONT)

    waker = threading.Thread(target=go_on_once_sent, daemon=True)
    waker.start()
    try:
        phone = await login("ana")
        report = await phone.sync()
    finally:
        stop.set()
        waker.join()
        started.close()
    entries = await phone.entries.list()
    wrong = [e.title for e in entries if e.title != f"T{e.body[5:].split(' ')[0]}"]
    planted = [e.title for e in entries if e.title == "Planted"]
    assert (wrong, planted) == ([], []) or report.refused >= len(wrong), (
        len(wrong),
        len(planted),
        report.problems[:3],
    )
