"""NU28 C2: the field-level copy a share left behind. After `revoke`, the copy ("Personal
(mood, tags) for drsmith") stays on the owner's devices, shared with nobody: the SDK says so
(`EndedShares.kept`, `shares.kept_copies()`, `Journal.kept_ended`), and the therapist's
caseload does not raise its end as an attention flag while they read the journal it copies
through a share that is on, which only owner-signed data can show (never the server's list).
Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest

from client_sdk import Client
from client_sdk.caseload import ENDED_JOURNALS, UNLISTED_ENDED, UNLISTED_JOURNALS
from client_sdk.errors import SharedAgain
from client_sdk.replica import copied_journal
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

COPY = "Personal (mood, tags) for drsmith"
DAY_MS = 86_400_000


async def narrowed_then_unshared(signup: ClientFactory) -> tuple[Client, Client]:
    """ana shares the mood and tags of Personal with drsmith (annotate), drsmith writes a note
    in the copy, then ana ends the share."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await ana.entries.write("Personal", "Private words.", mood=4, tags=["sleep"])
    await share_with(ana, drsmith, only=["mood", "tags"], role="annotate")
    await ana.entries.write("Personal", "Later words.", mood=6, tags=["work"])
    await ana.sync()
    await drsmith.sync()
    await drsmith.notes.add(f"ana/{COPY}", "How did you sleep?")
    await drsmith.sync()
    await ana.sync()
    return ana, drsmith


async def test_revoke_says_which_copy_stays_and_what_it_holds(signup: ClientFactory) -> None:
    ana, _drsmith = await narrowed_then_unshared(signup)
    before = {j.name: j for j in await ana.journals.list()}
    assert (before[COPY].helper, before[COPY].kept_for, before[COPY].kept_ended) == (
        "mirror",
        "drsmith",
        False,
    )

    ended = await ana.shares.revoke("Personal", "drsmith")

    assert list(ended) == [COPY]
    [kept] = ended.kept
    assert (kept.journal, kept.member, kept.kind, kept.fields, kept.source) == (
        COPY,
        "drsmith",
        "mirror",
        ("mood", "tags"),
        "Personal",
    )
    assert dict(kept.contents) == {"entry": 1, "note": 1}, kept.contents
    assert kept.ended_at is not None
    assert await ana.shares.kept_copies() == [kept]
    assert await ana.shares.list() == []
    after = {j.name: j for j in await ana.journals.list()}
    assert (after[COPY].kept_for, after[COPY].kept_ended) == ("drsmith", True)
    assert (after["Personal"].kept_for, after["Personal"].kept_ended) == ("", False)


async def test_a_kept_copy_shared_again_is_no_longer_kept_and_a_deleted_one_is_gone(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await narrowed_then_unshared(signup)
    await ana.shares.revoke("Personal", "drsmith")
    with pytest.raises(SharedAgain) as asked:  # taken up again: asks first (NU24 C8)
        await share_with(ana, drsmith, only=["mood", "tags"])
    await share_with(ana, drsmith, only=["mood", "tags"], again=[i.id for i in asked.value.items])
    assert await ana.shares.kept_copies() == []
    assert not {j.name: j for j in await ana.journals.list()}[COPY].kept_ended

    await ana.shares.revoke("Personal", "drsmith")
    await ana.journals.delete(COPY)  # what `tj unshare` says to run
    assert await ana.shares.kept_copies() == []
    assert COPY not in [j.name for j in await ana.journals.list()]
    shared = await share_with(ana, drsmith, only=["mood", "tags"])  # a new copy, no refusal
    assert shared.journal == COPY and shared.journal_id != ""
    assert await ana.shares.kept_copies() == []


async def test_a_copy_whose_member_left_is_an_ended_share_not_a_kept_copy(
    signup: ClientFactory,
) -> None:
    """A member who left: `shares.list()` keeps the row (the server's word), so the copy is
    marked ended in the journal list but not listed twice."""
    ana, drsmith = await narrowed_then_unshared(signup)
    await drsmith.shares.leave(f"ana/{COPY}")
    await ana.sync()
    [row] = await ana.shares.list()
    assert (row.journal, row.expired, row.dropped_at is not None) == (COPY, True, True)
    assert await ana.shares.kept_copies() == []
    assert {j.name: j for j in await ana.journals.list()}[COPY].kept_ended


async def flags(drsmith: Client) -> tuple[str, ...]:
    [row] = await drsmith.caseload.list()
    return row.flags


async def test_an_ended_copy_is_no_attention_flag_while_the_whole_journal_is_shared_again(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await narrowed_then_unshared(signup)
    await ana.shares.revoke("Personal", "drsmith")
    await drsmith.sync()
    [row] = await drsmith.caseload.list()
    # the only share: said (no signed end on this device: the server's word, UNLISTED_ENDED)
    assert row.unlisted and not row.share_ended and UNLISTED_ENDED in row.flags

    await share_with(ana, drsmith, role="annotate")  # the whole journal again
    await drsmith.sync()
    assert not [
        f
        for f in await flags(drsmith)
        if "share ended" in f or f.startswith((ENDED_JOURNALS, UNLISTED_JOURNALS))
    ]

    await ana.shares.revoke("Personal", "drsmith")  # that ends too: said again
    await drsmith.sync()
    [row] = await drsmith.caseload.list()
    assert (
        row.unlisted and not row.share_ended and UNLISTED_ENDED in row.flags
    )  # the server's word (as above)


async def test_a_share_the_server_keeps_serving_after_its_signed_end_keeps_the_copy_flag(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What if the server lies: drsmith reads Work whole (so the row is not "every share
    ended") and reads Personal whole again, until tomorrow, after its copy ended. Three days
    later the server erases that end date and keeps serving Personal to drsmith as shared.
    Only the owner-signed chain says whether a share is on: its end date passed, so the
    ended copy is flagged again."""
    ana, drsmith = await narrowed_then_unshared(signup)
    await ana.journals.create("Work")
    await share_with(ana, drsmith, "Work")
    await ana.shares.revoke("Personal", "drsmith")
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    await share_with(ana, drsmith, role="annotate", expires_at=tomorrow)
    await drsmith.sync()
    assert not [
        f
        for f in await flags(drsmith)
        if "share ended" in f or f.startswith((ENDED_JOURNALS, UNLISTED_JOURNALS))
    ]

    personal = await journal_id(ana, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE members SET expires_at = 0 WHERE journal_id = ? AND account_id = ?",
            (personal, drsmith.profile.account_id),
        )
    live_server.clock.now += 3 * DAY_MS
    later = live_server.clock.now
    monkeypatch.setattr("client_sdk.replica.now_ms", lambda: later)
    now = datetime.fromtimestamp(later / 1000).astimezone()
    listed = {j.journal_id: j.role for j in await drsmith.context.store.journals()}
    assert listed[personal] == "annotate"  # as the last sync, before the end, stored it
    [row] = await drsmith.caseload.list(now=now)
    # the copy's end (ana's revoke) is never served to drsmith: the server's word (NU52 F4)
    assert any(f.startswith(UNLISTED_JOURNALS) and COPY in f for f in row.flags), row.flags
    await drsmith.sync()
    listed = {j.journal_id: j.role for j in await drsmith.context.store.journals()}
    assert listed[personal] == "revoked"  # the signed end date, whatever the server lists
    [row] = await drsmith.caseload.list(now=now)
    # the copy's end (ana's revoke) is never served to drsmith: the server's word (NU52 F4)
    assert any(f.startswith(UNLISTED_JOURNALS) and COPY in f for f in row.flags), row.flags


async def test_an_ended_copy_of_another_journal_stays_flagged(signup: ClientFactory) -> None:
    """The copy of Personal ended; drsmith reads Work whole: Work is no share of Personal."""
    ana, drsmith = await narrowed_then_unshared(signup)
    await ana.journals.create("Work")
    await share_with(ana, drsmith, "Work")
    await ana.shares.revoke("Personal", "drsmith")
    await drsmith.sync()
    assert f"no longer served: ana/{COPY}" in await flags(drsmith)  # the server's word


def test_the_copied_journal_is_read_from_the_copy_name() -> None:
    assert copied_journal(COPY, "drsmith") == "Personal"
    assert copied_journal("Notes (old) (mood) for drsmith", "drsmith") == "Notes (old)"
    assert copied_journal(COPY, "drlee") == ""
    assert copied_journal("Shared with drsmith", "drsmith") == ""
    assert copied_journal("Personal", "drsmith") == ""
