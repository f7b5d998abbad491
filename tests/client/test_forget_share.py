"""A member discards the read-only copy of a share that ended (`client.shares.forget`): after
the owner's unshare, after the member's own leave, after the end date. Nothing of the journal
is left in the store file (its rows, its id, its plaintext, in the file or its write-ahead
log), the budget for unverified owners is freed, the caseload no longer flags it, and no
journal list, even a hostile server's replay of one from when the share was active, brings it
back (forgotten.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.utils
import pytest

from cli.advice import forget_unsent
from cli.output import shown
from client_sdk import Client, InvalidInput, NotFound, database, hold_back, wire
from client_sdk.replica import KEY_WAIT_BACKOFF, KEY_WAITS, _archived, is_archived
from client_sdk.sharing import unsent_error
from client_sdk.store import STORE_FILE, SetAsideRow
from client_sdk.sync import OutboxRecord
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_listed_key_envelopes import _listed_as
from tests.client.test_records_waiting_for_keys import _kept, _told
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
SECRET = "She told me about the accident on the bridge"
NOTE = "Ask about the bridge next session"


def traces(home: Path, journal: bytes, *texts: str) -> list[str]:
    """Where the store file of the client at `home` still holds the journal: a table's value
    holding its id (bytes or hex), or the bytes of the file or its write-ahead log holding
    its id or one of `texts`."""
    found = []
    needles = [journal, journal.hex().encode(), *(t.encode() for t in texts)]
    for name in (STORE_FILE, f"{STORE_FILE}-wal"):
        path = home / name
        if path.exists():
            data = path.read_bytes()
            found += [f"{name}: {n[:20]!r}" for n in needles if n in data]
    with closing(sqlite3.connect(home / STORE_FILE)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes) and journal in value:
                        found.append(f"table {table}")
                    if isinstance(value, str) and journal.hex() in value.lower():
                        found.append(f"table {table} (hex)")
    return found


async def ended_copy(ana: Client, tom: Client, end: str) -> bytes:
    """ana shares Personal with tom (annotate, with an end date a day away); tom reads it and
    writes a note; the share then ends by `end`: "unshare", "leave" or "date" (tom's device
    two days later, not synced since)."""
    await ana.entries.write("Personal", SECRET)
    await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    assert [e.body for e in await tom.entries.list("ana/Personal")] == [SECRET]
    await tom.notes.add("ana/Personal", NOTE, kind="note")
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    assert traces(tom.home, journal, SECRET)  # the test can fail: the copy is in the file
    if end == "unshare":
        await ana.shares.revoke("Personal", tom.username)
        await tom.sync()
    elif end == "leave":
        await tom.shares.leave("ana/Personal")
    return journal


async def forget_and_check(tom: Client, journal: bytes, unlisted: bool = False) -> None:
    assert await tom.shares.forget("ana/Personal", unlisted=unlisted) is True
    assert await tom.shares.with_me() == []
    assert [j.name for j in await tom.journals.list()] == ["Personal"]  # tom's own
    assert traces(tom.home, journal, SECRET, NOTE) == []
    assert not [k for k in tom.replica._keys if k[0] == journal]
    assert tom.replica.chains.state(journal) is None
    report = await tom.sync()  # the server no longer serves it: nothing comes back
    assert report.problems == [] and report.incomplete == []
    assert await tom.shares.with_me() == []
    assert traces(tom.home, journal, SECRET, NOTE) == []
    await tom.entries.write("Personal", "My own, still synced.")  # tom's journal is intact
    assert (await tom.sync(strict=True)).problems == []


@pytest.mark.parametrize("end", ["unshare", "leave"])
async def test_forget_after_the_share_ended_leaves_nothing_of_the_journal(
    signup: ClientFactory, end: str
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    journal = await ended_copy(ana, tom, end)
    assert [s.read_only_copy for s in await tom.shares.with_me()] == [True]
    if end == "unshare":  # a removed member is not served the signed removal: tom says so
        with pytest.raises(
            InvalidInput, match="no longer served to this device: .* the server withholding it"
        ):
            await tom.shares.forget("ana/Personal")
        assert traces(tom.home, journal, SECRET)
    await forget_and_check(tom, journal, unlisted=end == "unshare")
    # The owner is not affected.
    assert [e.body for e in await ana.entries.list("Personal")] == [SECRET]


async def test_forget_after_the_end_date_passed_needs_no_sync(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    journal = await ended_copy(ana, tom, "date")
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    # The end date the owner signed has passed: the share ended, even before a sync says so.
    assert (await tom.context.local_journal("ana/Personal")).role == "annotate"
    await forget_and_check(tom, journal)


async def test_forget_refuses_an_active_share_and_an_owned_journal(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom)
    await tom.sync()
    with pytest.raises(InvalidInput, match="still active: leave it first"):
        await tom.shares.forget("ana/Personal")
    with pytest.raises(InvalidInput, match="your own journal: delete it"):
        await ana.shares.forget("Personal")
    with pytest.raises(InvalidInput, match="your own journal"):
        await tom.shares.forget("Personal")
    assert [e.body for e in await tom.entries.list("ana/Personal")] == [SECRET]
    assert [e.body for e in await ana.entries.list("Personal")] == [SECRET]
    # The owner ended it meanwhile, tom has not synced: forget looks the share up again, the
    # server no longer lists it, but only tom can say that the share ended (`unlisted`).
    await ana.shares.revoke("Personal", "tom")
    with pytest.raises(InvalidInput, match="'ana/Personal' is no longer served to this device"):
        await tom.shares.forget("ana/Personal")
    assert [e.body for e in await tom.entries.list("ana/Personal")] == [SECRET]
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    assert await tom.shares.with_me() == []


async def test_a_hostile_server_replaying_the_journal_list_does_not_bring_a_forgotten_copy_back(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The server replays the journal list of when the share was active (the owner-signed
    chain up to the grant, the key envelope sealed for tom then) and adds the journal's old
    page to every sync reply: the device has no chain left to see the rollback by, so it
    must refuse the journal because it forgot it."""
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom)
    start = len(hostile.exchanges)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    old_list = hostile.replies_to("/v1/journals/list")[-1]
    assert journal in {j.journal_id for j in wire.decode(wire.JournalList, old_list).journals}
    old_pages = [
        page
        for path, _, reply in hostile.exchanges[start:]
        if path == "/v1/sync"
        for page in wire.decode(wire.SyncReply, reply).pages
        if page.journal_id == journal and page.records
    ]
    assert old_pages
    await ana.shares.revoke("Personal", "tom")
    await tom.sync()
    await tom.shares.forget("ana/Personal", unlisted=True)
    assert traces(tom.home, journal, SECRET) == []

    def with_old_pages(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [p for p in real.pages if p.journal_id != journal] + old_pages
        return wire.encode(replace(real, pages=pages))

    hostile.replies["/v1/journals/list"] = lambda _, reply: old_list
    hostile.replies["/v1/sync"] = with_old_pages
    replayed = len(hostile.exchanges)
    await tom.sync()
    asked = [
        cursor.journal_id
        for path, body, _ in hostile.exchanges[replayed:]
        if path == "/v1/sync"
        for cursor in wire.decode(wire.SyncRequest, body).cursors
    ]
    assert asked and journal not in asked
    await tom.journals.list()
    assert await tom.shares.with_me() == []
    assert traces(tom.home, journal, SECRET) == []
    with pytest.raises(NotFound):
        await tom.entries.list("ana/Personal")


def big_text() -> str:
    return nacl.utils.random(50_000).hex()  # 100 KB: records as large (uncompressed_records)


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_forgetting_a_strangers_ended_share_frees_the_budget_for_another(
    signup: ClientFactory,
) -> None:
    """A stranger's journal of 800 KB, shared with vera (who never verified them) and then
    revoked, keeps its copy's bytes counted against the budget: the stranger's next share is
    held back. Forgetting the copy frees them, and the next share downloads whole."""
    vera, stranger = await signup("vera"), await signup("stranger")
    await stranger.journals.create("Spam")
    await stranger.shares.grant("Spam", "vera", trust_on_first_use=True, full=True)
    for n in range(8):
        await stranger.entries.write("Spam", big_text(), title=f"spam {n}")
    await stranger.sync(strict=True)
    assert (await vera.sync()).held_back
    await stranger.shares.revoke("Spam", "vera")
    await vera.sync()
    spam = await journal_id(stranger, "Spam")

    await stranger.journals.create("Second")
    await stranger.shares.grant("Second", "vera", trust_on_first_use=True, full=True)
    for n in range(3):  # 300 KB: within the budget on its own
        await stranger.entries.write("Second", big_text(), title=f"second {n}")
    await stranger.sync(strict=True)
    assert (await vera.sync()).held_back  # the ended share's copy still takes the budget
    assert len(await vera.entries.list("stranger/Second")) < 3

    await vera.shares.forget("stranger/Spam", unlisted=True)
    counted = hold_back.decode(await vera.store.setting(hold_back.SETTING)).downloaded
    assert spam not in counted
    report = await vera.sync()
    assert not report.held_back and not report.incomplete, report
    assert len(await vera.entries.list("stranger/Second")) == 3
    assert traces(vera.home, spam) == []


async def test_the_caseload_no_longer_flags_a_forgotten_copy(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Mood")
    await ana.entries.write("Personal", "Still shared.")
    await ana.entries.write("Mood", "Shared, then ended.")
    await share_with(ana, tom)
    await share_with(ana, tom, "Mood")
    await tom.sync()
    await ana.shares.revoke("Mood", "tom")
    await tom.sync()
    [row] = await tom.caseload.list()
    assert any(flag.startswith("no longer served: ") for flag in row.flags), row.flags
    await tom.shares.forget("ana/Mood", unlisted=True)
    [row] = await tom.caseload.list()
    assert not any(flag.startswith(("ended: ", "no longer served: ")) for flag in row.flags)
    assert len(row.journals) == 1 and "Mood" not in row.journals[0], row.journals

    await ana.shares.revoke("Personal", "tom")  # every share of ana's ended
    await tom.sync()
    [row] = await tom.caseload.list()
    assert row.unlisted  # tom is not served the signed removal: the server's word
    await tom.shares.forget("ana/Personal", unlisted=True)
    assert await tom.caseload.list() == []


async def test_forget_says_when_another_process_kept_the_store_file_from_being_scrubbed(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process reading the same store (another `tj`) keeps its write-ahead log from
    being emptied: the copy is gone all the same, and forget says the file was not scrubbed."""
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    ana, tom = await signup("ana"), await signup("tom")
    journal = await ended_copy(ana, tom, "leave")
    with closing(sqlite3.connect(tom.home / STORE_FILE, isolation_level=None)) as other:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM documents").fetchall()  # a read under way
        assert await tom.shares.forget("ana/Personal") is False
        other.execute("COMMIT")
    assert await tom.shares.with_me() == []
    with closing(sqlite3.connect(tom.home / STORE_FILE)) as db:
        left = db.execute("SELECT count(*) FROM documents WHERE journal_id = ?", (journal,))
        assert left.fetchone() == (0,)


# --- R19 review (F1, F2, F4): the secure outcomes ---------------------------------------------

LATER = "Second session: the bridge again, and the nightmares"


async def test_a_hostile_server_omitting_an_active_share_cannot_get_it_forgotten(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The owner's chain says tom's share is active; the server merely leaves the journal out
    of its list. forget decides on the signed chain: it refuses, keeps the copy and tom's
    unsent note, sets no forgotten tag, and the note reaches ana once the server is honest."""
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    await tom.notes.add("ana/Personal", NOTE, kind="note")  # not yet sent

    def without(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        listed = [j for j in real.journals if j.journal_id != journal]
        return wire.encode(replace(real, journals=listed))

    hostile.replies["/v1/journals/list"] = without
    with pytest.raises(
        InvalidInput, match="no longer served to this device: .* the server withholding it"
    ):
        await tom.shares.forget("ana/Personal")
    assert traces(tom.home, journal, SECRET)  # the copy is kept
    [share] = await ana.shares.list()
    assert not share.expired
    hostile.replies.clear()
    report = await tom.sync()
    assert report.problems == [] and report.incomplete == []
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]
    await ana.sync()
    assert [n.text for n in await ana.notes.list("Personal")] == [NOTE]


async def test_forget_refuses_a_journal_with_changes_not_yet_on_the_server(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end date passed on tom's device, which still holds a note it never sent: forget
    refuses (the note would be lost); once a sync sent it, forget goes ahead."""
    ana, tom = await signup("ana"), await signup("tom")
    journal = await ended_copy(ana, tom, "date")
    second = "And the second note, written offline"
    await tom.notes.add("ana/Personal", second, kind="note")  # not yet sent
    later = int(datetime.now().timestamp() * 1000) + 2 * DAY_MS
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)
    waiting = (
        r"1 change of this device not yet on the server \(waiting to be sent\): forgetting "
        r"the copy would lose it; sync first, then discard it again"
    )
    with pytest.raises(InvalidInput, match=waiting) as refused:
        await tom.shares.forget("ana/Personal")
    assert shown(forget_unsent(refused.value)).endswith(
        "sync first (`tj sync`), then run `tj forget ana/Personal` again"
    )
    assert traces(tom.home, journal, second)
    await tom.sync()  # the server's clock: the share is still on, the note is sent
    await forget_and_check(tom, journal)
    await ana.sync()
    assert sorted(n.text for n in await ana.notes.list("Personal")) == sorted([NOTE, second])


async def test_forget_after_the_old_end_date_refuses_a_share_the_owner_extended(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest server. ana lifted the end date (a newer signed chain entry); tom's device has
    not synced since and its clock passes the old end date: forget refreshes the chain first,
    sees the share still on, and refuses."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", SECRET)
    await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    await ana.shares.grant(
        "Personal", "tom", role="annotate", no_end=True, trust_on_first_use=True, full=True
    )
    [share] = await ana.shares.list()
    assert share.expires_at is None and not share.expired
    later = int(datetime.now().timestamp() * 1000) + 2 * DAY_MS
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)
    with pytest.raises(InvalidInput, match="still active: leave it first"):
        await tom.shares.forget("ana/Personal")
    monkeypatch.undo()
    await tom.sync()
    assert [e.body for e in await tom.entries.list("ana/Personal")] == [SECRET]
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]


async def test_a_forget_waits_for_a_pull_in_flight_and_leaves_nothing_of_the_journal(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app's watch loop syncs while the user forgets the copy of a share whose end date
    just passed on the device's clock. The forget waits for the sync (the client's sync
    lock), so the page the pull was applying cannot be written after the erasure."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", SECRET)
    await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    await ana.entries.write("Personal", LATER)
    await ana.sync()

    original = tom.store.documents_and_creators
    forgetting: list[asyncio.Task[bool]] = []
    later = int(datetime.now().timestamp() * 1000) + 2 * DAY_MS

    async def interleaved(doc_ids: list[bytes]) -> Any:
        if not forgetting:
            monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)
            forgetting.append(asyncio.create_task(tom.shares.forget("ana/Personal")))
            await asyncio.sleep(0)  # let it run up to the lock
            assert not forgetting[0].done()
        return await original(doc_ids)

    monkeypatch.setattr(tom.store, "documents_and_creators", interleaved)
    await tom.sync()
    assert forgetting
    assert await forgetting[0] is True
    assert traces(tom.home, journal, SECRET, LATER) == []
    with pytest.raises(NotFound):
        await tom.shares.forget("ana/Personal")


async def test_a_journal_list_read_before_a_forget_does_not_write_the_journal_back(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As another process's sync would: a journal list read the forgotten tags before the
    forget committed, and writes its journals after it. The store refuses the forgotten
    journal's row, key envelopes and chain entries (read in the writing transaction)."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", SECRET)
    await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    later = int(datetime.now().timestamp() * 1000) + 2 * DAY_MS
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)
    original = tom.replica.pin_on_first_use
    done = []

    async def interleaved(owner_id: bytes) -> None:
        if not done:
            done.append(True)
            assert await tom.shares.forget("ana/Personal") is True
            assert traces(tom.home, journal, SECRET) == []
        await original(owner_id)

    monkeypatch.setattr(tom.replica, "pin_on_first_use", interleaved)
    await tom.replica.refresh_journals()  # not under the lock: as another process
    assert done
    assert [j.name for j in await tom.journals.list()] == ["Personal"]  # tom's own only
    monkeypatch.setattr(tom.replica, "pin_on_first_use", original)
    report = await tom.sync()
    assert report.problems == [] and report.incomplete == []
    assert traces(tom.home, journal, SECRET) == []


async def test_forget_drops_the_journals_decrypted_metadata_from_memory(
    signup: ClientFactory,
) -> None:
    """The parsed-metadata cache (replica._archived) held the journal's decrypted name."""
    ana, tom = await signup("ana"), await signup("tom")
    await ended_copy(ana, tom, "leave")
    [copy] = [j for j in await tom.store.journals() if j.owner_id != tom.context.profile.account_id]
    is_archived(copy)
    assert _archived.cache_info().currsize > 0
    assert await tom.shares.forget("ana/Personal") is True
    assert _archived.cache_info().currsize == 0


async def test_a_share_granted_again_after_leaving_is_not_forgotten_without_leaving_again(
    signup: ClientFactory,
) -> None:
    """tom left on this device (which lets forget go ahead without `unlisted`), then ana
    shared the journal with him again: that share is active, and forget refuses it."""
    ana, tom = await signup("ana"), await signup("tom")
    await ended_copy(ana, tom, "leave")
    await ana.shares.grant(
        "Personal", "tom", role="annotate", no_end=True, trust_on_first_use=True, full=True
    )
    await tom.sync()
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]
    with pytest.raises(InvalidInput, match="still active: leave it first"):
        await tom.shares.forget("ana/Personal")


def test_the_forget_refusal_names_each_step_for_changes_waiting_and_set_aside() -> None:
    """NU30 F1: what `forget` says for changes still waiting (a sync first) and for changes
    the server refused for good (keep their words, one drop per document, forget again)."""

    def refused(record: str, doc: str | None) -> SetAsideRow:
        ids = (bytes.fromhex(record * 16), bytes.fromhex(doc * 16) if doc else None)
        outbox = OutboxRecord(0, b"j" * 16, ids[0], 1, b"", ids[1])
        return SetAsideRow(outbox, "Personal", "forbidden", "no longer shared", 0)

    again = "`tj forget ana/Personal --unlisted`"
    both = unsent_error("ana/Personal", 2, [refused("aa", "dd")], unlisted=True)
    assert str(both) == (  # the SDK's words name no command (NU45 #4); the CLI adds its own
        "'ana/Personal' has 2 changes of this device not yet on the server (waiting to be "
        "sent) and 1 the server refused for good (set aside): forgetting the copy would lose "
        "them; sync first, then discard it again"
    )
    assert shown(forget_unsent(both)) == (
        "'ana/Personal' has 2 changes of this device not yet on the server (waiting to be "
        "sent) and 1 the server refused for good (set aside): forgetting the copy would lose "
        "them; sync first (`tj sync`), then run `tj forget ana/Personal --unlisted` again"
    )
    two_of_one_note_and_one_other = [refused("aa", "dd"), refused("bb", "dd"), refused("cc", None)]
    aside = unsent_error("ana/Personal", 0, two_of_one_note_and_one_other, unlisted=True)
    assert str(aside) == (
        "'ana/Personal' has 3 changes of this device the server refused for good (set aside, "
        "not on the server): forgetting the copy would lose them; keep their words (the "
        f"set-aside list gives them), then drop them ({'dd' * 6}, {'cc' * 6}), then discard "
        "the copy again"
    )
    assert (aside.subject, aside.names["journal"], aside.names["set aside"]) == (
        "unsent copy",
        "ana/Personal",
        f"{'dd' * 6} {'cc' * 6}",
    )
    assert shown(forget_unsent(aside)) == (
        "'ana/Personal' has 3 changes of this device the server refused for good (set aside, "
        "not on the server): forgetting the copy would lose them; keep their words (`tj "
        "set-aside list --json > refused.json`), then drop them (`tj set-aside drop "
        f"{'dd' * 6}`; `tj set-aside drop {'cc' * 6}`), then run {again} again"  # a note's own id
    )


async def test_forget_of_a_copy_with_a_record_waiting_for_its_key_leaves_nothing_of_it(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A record of the copy waits on tom's device for its key (the server lists ben's
    envelope to tom) when the share ends: after the forget, neither the waiting rows nor
    what the pull again waited for (`key_wait_backoff`: its back-off and that its waits
    were told) keep the journal's id in the store, the setting gone with the last wait."""
    ana, tom, ben = await signup("ana"), await signup("tom"), await signup("ben")
    await share_with(ana, ben)
    await share_with(ana, tom)
    await ana.entries.write("Personal", SECRET)
    await ana.sync()
    journal = await journal_id(ana, "Personal")
    _listed_as(live_server, journal, tom.profile.account_id, ben.profile.account_id)
    assert (await tom.sync()).refused == 1
    [waiting] = await _kept(tom, journal)
    await ana.shares.revoke("Personal", tom.username)
    ended = await tom.sync()
    assert waiting.hex() in _told(ended), ended.problems
    await tom.sync()
    stored = await tom.store.setting(KEY_WAIT_BACKOFF)
    assert stored is not None and journal.hex() in stored  # the test can fail
    [copy] = [j for j in await tom.journals.list() if j.id == journal.hex()]
    assert await tom.shares.forget(copy.name, unlisted=True) is True
    for _ in range(2):
        report = await tom.sync()
        assert report.problems == [] and report.incomplete == [], report.problems
    assert await tom.store.setting(KEY_WAITS) is None
    assert await tom.store.setting(KEY_WAIT_BACKOFF) is None
    assert traces(tom.home, journal, SECRET) == []
