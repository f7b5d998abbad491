"""Review rev-r2 of fix-zip (a device opens at most sync.REPLY_BYTES of record ciphertext of
one /v1/sync reply), fix-ce2 and 55ceedf, against a real server on 127.0.0.1 with real
crypto. Each test is a finding of that review (REV-R2), now fixed."""

from __future__ import annotations

from collections import Counter

import pytest

from client_sdk import sync as sync_plan
from client_sdk import wire
from server import service
from tests.conftest import ClientFactory

SMALL = 6_000
"""One reply's byte budget in these tests, on the server (service.PAGE_BYTES) and on the
device (sync.REPLY_BYTES) alike: both honest, with the same constant, as in production (4 MiB),
scaled down so that a few records of a few KiB fill it."""


async def test_r2_1_an_honest_reply_of_two_journals_is_not_cut_by_the_device(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sync.within_reply_bytes says 'an honest reply comes back unchanged (the same object)'
    and is applied to every reply. The honest server counts its byte budget over the whole
    reply but lets every page start with one record whatever is left of it
    (`records_after`: `if page and size > max_bytes`, a new page starts empty; `byte_budget >
    0` is all `sync` asks before reading the next journal). So a reply whose first journal
    fills the budget to just under it carries the second journal's first record too, over
    the budget: the device cuts it, and asks the server for it again. Expected: an honest
    server's reply is never cut, and no record is downloaded twice in a pull."""
    monkeypatch.setattr(service, "PAGE_BYTES", SMALL)
    monkeypatch.setattr(sync_plan, "REPLY_BYTES", SMALL)
    laptop = await signup("ana")
    await laptop.journals.create("Dreams")
    for n in range(6):  # about 2 KiB sealed each: two or three a reply
        await laptop.entries.write("Personal", f"personal {n} " + "x" * 1500)
        await laptop.entries.write("Dreams", f"dream {n} " + "y" * 1500)
    await laptop.sync(strict=True)
    phone = await login("ana")

    cut: list[tuple[int, int]] = []  # (records sent, records kept) of each reply cut
    received: Counter[bytes] = Counter()  # record id -> times it came in a reply
    original = sync_plan.within_reply_bytes

    seen: list[wire.SyncReply] = []  # a reply asked ahead is held to it twice: counted once

    def watched(request: wire.SyncRequest, reply: wire.SyncReply) -> wire.SyncReply:
        kept = original(request, reply)
        if any(reply is other for other in seen):
            return kept
        seen.append(reply)
        sent = [r.record_id for page in reply.pages for r in page.records if r.ciphertext]
        received.update(sent)
        if kept is not reply:
            cut.append((len(sent), sum(len(page.records) for page in kept.pages)))
        return kept

    monkeypatch.setattr(sync_plan, "within_reply_bytes", watched)
    report = await phone.sync(strict=True)
    assert not report.problems and not report.incomplete
    assert len(await phone.entries.list()) == 12  # nothing lost: only downloaded twice
    twice = [record_id.hex()[:8] for record_id, n in received.items() if n > 1]
    assert not cut, f"honest replies cut (records sent, kept): {cut}; downloaded twice: {twice}"
    assert not twice
