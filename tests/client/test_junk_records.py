"""A server that holds no key cannot keep a pull going, or fill the device, with records it
makes up (R9B finding 3): only records that verify are progress for a pull; the refused ones
are reported one line per kind and journal with a count, and kept as evidence up to
`store.MAX_PROBLEMS_KEPT` per journal."""

from __future__ import annotations

import nacl.utils
import pytest

from client_sdk import Client, WithheldRecordsError, store, sync, wire
from client_sdk.replica import STALLED_ROUNDS
from tests.client.hostile import HostileServer, Through

JUNK_PER_PAGE = 600


def feeder(pages_fed: list[int], per_page: int) -> object:
    """Every /v1/sync answered `done` false, with `per_page` made-up records (random ids and
    bytes) on each journal's page, the cursor past them and a head of 10^15."""

    def feed(request: bytes, real: bytes) -> bytes:
        asked = wire.decode(wire.SyncRequest, request)
        honest = wire.decode(wire.SyncReply, real)
        cursors = {c.journal_id: c.after for c in asked.cursors}
        pages = []
        for page in honest.pages:
            start = max(cursors.get(page.journal_id, 0), page.head) + 1
            junk = [
                wire.StoredRecord(start + n, nacl.utils.random(16), 0, nacl.utils.random(120))
                for n in range(per_page)
            ]
            pages.append(
                wire.JournalPage(
                    page.journal_id, junk, start + per_page - 1, 10**15, page.meta_version
                )
            )
        pages_fed.append(len(pages))
        return wire.encode(wire.SyncReply(pages, False))

    return feed


async def test_junk_records_are_no_progress_reported_coalesced_and_kept_within_a_bound(
    hostile: HostileServer, through: Through
) -> None:
    ana: Client = await through("ana")
    await ana.sync()
    journals = len(await ana.store.journals())
    fed: list[int] = []
    hostile.replies["/v1/sync"] = feeder(fed, JUNK_PER_PAGE)  # type: ignore[assignment]
    before = hostile.paths.count("/v1/sync")
    report = await ana.sync()
    asked = hostile.paths.count("/v1/sync") - before
    assert asked == STALLED_ROUNDS  # each reply no progress: stopped at the stall limit
    refused = STALLED_ROUNDS * JUNK_PER_PAGE * journals
    assert (report.refused, report.pulled) == (refused, 0)
    # one line per journal (one kind: no key opens them), naming the count
    assert len(report.problems) == journals, report.problems
    assert all(f"{STALLED_ROUNDS * JUNK_PER_PAGE} records" in p for p in report.problems)
    assert len(report.incomplete) == journals
    assert all("only records that failed verification" in p for p in report.incomplete)
    kept = await ana.problems()
    assert len(kept) == journals * min(store.MAX_PROBLEMS_KEPT, STALLED_ROUNDS * JUNK_PER_PAGE)
    # the next sync refuses again, and keeps nothing more; strict raises
    with pytest.raises(WithheldRecordsError, match="failed verification"):
        await ana.sync(strict=True)
    assert len(await ana.problems()) == len(kept)


def test_problems_of_one_kind_and_journal_share_a_line_and_lines_are_bounded() -> None:
    report = sync.SyncReport()
    ids = [bytes([n]) * 16 for n in range(8)]
    for record_id in ids:
        report.add_problem(
            b"j" * 16, "Personal", f"record {record_id.hex()} has an invalid signature", record_id
        )
    report.add_problem(b"j" * 16, "Personal", "the server's head went back")
    report.add_problem(b"j" * 16, "Personal", "the server's head went back")
    report.add_problem(b"k" * 16, "Work", f"record {ids[0].hex()} has an invalid signature", ids[0])
    assert report.refused == 9
    assert report.problems == [
        "journal 'Personal': 8 records failed verification the same way (the record has an "
        "invalid signature): " + ", ".join(f"record {r.hex()}" for r in ids[:5]) + " and 3 more",
        "the server's head went back (2 times in this sync)",
        f"journal 'Work': record {ids[0].hex()} has an invalid signature",
    ]
    for n in range(sync.MAX_PROBLEM_LINES + 10):
        report.add_problem(b"x" * 16, "X", f"problem number {n}")
    assert len(report.problems) == sync.MAX_PROBLEM_LINES + 1
    assert report.problems[-1] == "13 more problem(s) of other kinds: see Client.problems()"
