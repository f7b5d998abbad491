"""Who shares a journal is read from the verified access chains on this device, never from a
list saved at the end of a journal refresh (REV-37's note, fixed 2026-12-04): a refresh cut
off right after a chain change (a share granted or ended on this device, then the server
fails the journal list that follows) used to leave that list behind the chains, and the
safety flags' reach, the care summary and the private notes' journal read it.

Each test makes the server fail every journal list once a rotation went through (the chain
change is signed, taken by the server and verified on the device; the refresh after it
fails), then asks what the device believes."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, InvalidInput, NetworkError, RollbackError, wire
from client_sdk import chains as chains_module
from client_sdk.access import AccessState
from client_sdk.errors import ChainUpdateNeeded
from client_sdk.private_notes import JOURNAL_NAME, PRIVATE_NOTE
from client_sdk.replica import PRIVATE_HELD, stored_document
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import server_db, share_with
from tests.client.test_rev37_findings import chain_members, list_fails_after_rotate
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 86_400_000


async def test_a_safety_flags_reach_names_the_members_the_chain_verified(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await through("ana")
    tom, ben = await signup("tom"), await signup("ben")
    await ana.entries.write("Personal", "Mine.")
    await share_with(ana, tom, role="annotate")
    await ana.sync()
    personal = (await ana.journals.get("Personal")).id
    assert await ana.safety.flags_reach("Personal") == {"tom": "off"}

    failing = list_fails_after_rotate(hostile)
    with pytest.raises(NetworkError):  # taken and verified; the refresh after it fails
        await ana.shares.revoke("Personal", "tom")
    assert chain_members(ana, personal) == {}
    after_revoke = await ana.safety.flags_reach("Personal")
    failing[0] = False
    with pytest.raises(NetworkError):
        await share_with(ana, ben, role="annotate")
    assert chain_members(ana, personal) == {"ben": "annotate"}
    after_grant = await ana.safety.flags_reach("Personal")
    # tom, removed, is reached by nothing; ben, who annotates now, is listed (not opted in)
    assert (after_revoke, after_grant) == ({}, {"ben": "off"})


async def test_private_notes_never_go_to_a_journal_the_chain_says_is_shared(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """tom, a therapist, named a journal of his "Private notes" and shares it with ben (his
    supervisor, say); the refresh after the grant failed. His first private note must not
    go into that journal, which ben reads."""
    tom = await through("tom")
    ana, ben = await signup("ana"), await signup("ben")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.journals.create(JOURNAL_NAME)
    await tom.sync()
    notes_journal = (await tom.journals.get(JOURNAL_NAME)).id

    list_fails_after_rotate(hostile)
    with pytest.raises(NetworkError):
        await share_with(tom, ben, JOURNAL_NAME)
    assert chain_members(tom, notes_journal) == {"ben": "read"}
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await tom.private_notes.add("ana/Personal", "Avoidance around her sister.")
    held = [d.kind for d in await tom.store.documents(bytes.fromhex(notes_journal))]
    assert PRIVATE_NOTE not in held


async def test_the_list_older_sdks_read_is_still_written(signup: ClientFactory) -> None:
    """An older SDK may share this store (an app not yet updated beside a newer `tj`): its
    journal refresh, private notes and safety flags use the `shares` table, which this SDK
    still writes at the end of each journal refresh, and never reads (REV-SHARES F3)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:
        rows = db.execute("SELECT member_name, role FROM shares").fetchall()
    db.close()
    assert rows == [("tom", "read")]


async def _tom_with_a_notes_journal(signup: ClientFactory) -> tuple[Client, Client, str]:
    """tom (a therapist) reads ana's Personal and has an empty journal "Private notes"; ben
    is another account (his supervisor, say)."""
    tom = await signup("tom")
    ana, ben = await signup("ana"), await signup("ben")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.journals.create(JOURNAL_NAME)
    await tom.sync()
    return tom, ben, (await tom.journals.get(JOURNAL_NAME)).id


async def private_notes_read_by(member: Client, journal_id: str) -> list[str]:
    await member.sync()
    return [
        stored_document(d).text("text")
        for d in await member.store.documents(bytes.fromhex(journal_id))
        if d.kind == PRIVATE_NOTE
    ]


async def _shared_beside_the_app(signup: ClientFactory) -> tuple[Client, Client, str]:
    """`_tom_with_a_notes_journal`, tom's app having loaded its chains, then `tj share
    "Private notes" ben` in another process on the same home."""
    app, ben, notes = await _tom_with_a_notes_journal(signup)
    assert await app.private_notes.kept_in() == notes  # chains loaded, as any app's
    cli = await Client.open(app.home)
    try:
        await share_with(cli, ben, JOURNAL_NAME)
    finally:
        await cli.close()
    return app, ben, notes


async def test_a_running_app_sees_a_share_another_process_made(signup: ClientFactory) -> None:
    """REV-SHARES F2: tom's app (chains loaded at its start) and `tj share "Private notes"
    ben` in another process on the same home: the app's next private note is refused, and
    the safety flags' reach it reports names ben, as the chains stored now say."""
    app, ben, notes = await _shared_beside_the_app(signup)
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await app.private_notes.add("ana/Personal", "Avoidance around her sister.")
    assert [s.member_name for s in await app.replica.current_shares()] == ["ben"]
    await app.sync()
    assert await private_notes_read_by(ben, notes) == []


async def test_a_member_past_the_end_date_still_keeps_private_notes_out(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REV-SHARES F1: "Private notes" shared with ben until tomorrow; two days later, tom
    offline (no device ended the share: ben is in the chain and holds the key), a private
    note is refused."""
    tom, ben, notes = await _tom_with_a_notes_journal(signup)
    await share_with(
        tom, ben, JOURNAL_NAME, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    later = live_server.clock.now + 2 * DAY_MS
    for module in ("replica", "private_notes", "context", "sharing"):
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later)
    assert chain_members(tom, notes) == {"ben": "read"}
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await tom.private_notes.add("ana/Personal", "Avoidance around her sister.")


async def test_a_private_note_waiting_when_another_device_shares_its_journal_stays_here(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A note written on tom's phone (its journal shared with nobody then) waits unpushed;
    tom's laptop, which never saw it, shares "Private notes" with ben. The phone's next sync
    learns the share and keeps the note on the device, saying so; ben reads nothing."""
    phone, ben, notes = await _tom_with_a_notes_journal(signup)
    laptop = await login("tom")
    await laptop.sync()
    note = await phone.private_notes.add("ana/Personal", "Avoidance around her sister.")
    await share_with(laptop, ben, JOURNAL_NAME)
    report = await phone.sync()
    assert any(PRIVATE_HELD in line for line in report.problems), report.problems
    assert await private_notes_read_by(ben, notes) == []
    assert [n.id for n in await phone.private_notes.list()] == [note.id]  # nothing lost


async def test_a_device_that_has_not_synced_cannot_share_the_journal_another_filled(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """REV-SHARES2 G1: the phone adds a private note and pushes it; the laptop, not synced
    since, is asked to share "Private notes" with ben. The share's own sync brings the note:
    refused after it, before anything is signed; ben reads nothing, and the phone's next
    note still goes to its notes journal, unshared."""
    phone, ben, notes = await _tom_with_a_notes_journal(signup)
    laptop = await login("tom")
    await laptop.sync()
    await phone.private_notes.add("ana/Personal", "Avoidance around her sister.")
    await phone.sync()
    with pytest.raises(InvalidInput, match="holds your private notes about clients"):
        await share_with(laptop, ben, JOURNAL_NAME)
    assert chain_members(laptop, notes) == {}
    assert await private_notes_read_by(ben, notes) == []
    await phone.private_notes.add("ana/Personal", "Second session.")
    assert not (await phone.sync()).problems


async def test_a_notes_journal_shared_since_takes_no_more_notes(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A journal that holds private notes and was shared meanwhile (by a device that never
    saw them) takes no new note: refused with what to do, rather than kept unsent for
    ever."""
    phone, ben, notes = await _tom_with_a_notes_journal(signup)
    laptop = await login("tom")
    await laptop.sync()
    await phone.private_notes.add("ana/Personal", "Avoidance around her sister.")
    await share_with(laptop, ben, JOURNAL_NAME)  # the note is still on the phone alone
    await phone.sync()
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await phone.private_notes.add("ana/Personal", "Second session.")
    assert await private_notes_read_by(ben, notes) == []


async def test_a_chain_another_process_replaced_by_one_as_long_is_read_again(
    signup: ClientFactory,
) -> None:
    """REV-SHARES2 G3: a running process compared only the stored chains' lengths with its
    own, so a chain another process replaced by one as long went unseen. Its last entry is
    compared too: here the stored last entry is replaced (by another process, through
    SQLite; the entries stored are taken as verified when they were stored), and the
    running process, asked who shares the journal, reads the chains back."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    assert [s.member_name for s in await ana.replica.current_shares(personal)] == ["tom"]
    before = ana.replica.chains.state(personal)
    assert before is not None
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:
        [(last, entry)] = db.execute(
            "SELECT position, entry FROM access_entries WHERE journal_id = ? "
            "ORDER BY position DESC LIMIT 1",
            (personal,),
        ).fetchall()
        db.execute(
            "UPDATE access_entries SET entry = ? WHERE journal_id = ? AND position = ?",
            (bytes(entry)[:-1] + bytes([bytes(entry)[-1] ^ 1]), personal, last),
        )
    db.close()
    await ana.replica.fresh_access()
    after = ana.replica.chains.state(personal)
    assert after is not None and after.length == before.length
    assert after is not before  # the stored chain, read back (replayed anew)
    await ana.replica.fresh_access()  # nothing changed since: nothing read again
    assert ana.replica.chains.state(personal) is after


async def test_a_chain_read_back_that_does_not_continue_the_one_verified_here_is_a_problem(
    signup: ClientFactory,
) -> None:
    """REV-NEWS N4: another process of the profile may store a chain a server served it that
    is not the one this process verified (two owner-signed continuations: a fork). Read back,
    it must continue what this process verified, else this process keeps its own and the
    journal gets a problem (nothing sealed for it until a refresh settles it), as when a
    server serves another history directly. Here the verified state this process holds is
    made to differ from what is stored (its head), the store's chain being the other one."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    chains = ana.replica.chains
    await ana.replica.fresh_access()
    verified = chains.state(personal)
    assert verified is not None and chains.problem(personal) is None
    forked = dataclasses.replace(verified, head=bytes(32))  # not the stored chain's head
    chains.remember(personal, forked, [])
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:  # another process's write
        db.execute("UPDATE settings SET value = value WHERE name = name")
        db.execute("INSERT INTO settings VALUES ('another process', 1)")
    db.close()
    chains._last.pop(personal)  # as if this process had stored its own, different one
    await ana.replica.fresh_access()
    assert chains.state(personal) is forked  # its own kept
    assert "does not continue the one this process verified" in str(chains.problem(personal))
    with pytest.raises(RollbackError):
        await ana.entries.write("Personal", "Nothing is sealed for it meanwhile.")


async def _forked_process(signup: ClientFactory) -> tuple[Client, bytes, AccessState]:
    """ana's process holds a verified state of Personal (its head) that is not the stored
    chain's, as when a server served two processes of the profile two owner-signed
    continuations (REV-NEWS2's set-up); returns it."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    await ana.replica.fresh_access()
    verified = ana.replica.chains.state(personal)
    assert verified is not None
    forked = dataclasses.replace(verified, head=bytes(32))
    ana.replica.chains.remember(personal, forked, [])
    ana.replica.chains._last.pop(personal)  # as if this process had stored its own
    return ana, personal, forked


def another_process_writes(home: str) -> None:
    with sqlite3.connect(Path(home) / STORE_FILE) as db:
        db.execute("INSERT INTO settings VALUES ('another process', 1)")
    db.close()


async def test_a_fork_found_at_a_syncs_start_stays_a_problem_and_is_told(
    signup: ClientFactory,
) -> None:
    """REV-NEWS2 R1: the sync's own read-back found the fork, and the same sync's journal
    walk, the server listing this process's branch, cleared it: never told. It now stays
    (nothing sealed for the journal) and the sync report says it."""
    ana, personal, forked = await _forked_process(signup)
    another_process_writes(ana.home)
    report = await ana.sync()
    assert "does not continue the one this process verified" in str(
        ana.replica.chains.problem(personal)
    )
    assert any("does not continue" in line for line in report.rollbacks), report.rollbacks
    assert ana.replica.chains.state(personal) is forked
    again = await ana.sync()  # still so: both do not agree yet
    assert any("does not continue" in line for line in again.rollbacks), again.rollbacks


async def test_a_stored_chain_that_does_not_read_back_is_a_fork_not_a_removal(
    signup: ClientFactory,
) -> None:
    """REV-NEWS2 R2: a stored chain that does not replay (one branch written over a longer
    one leaves the longer one's tail) was taken for a journal another process removed: the
    state this process verified was dropped unchecked and the next walk took whatever the
    server served. Now it is a fork: this process keeps its own, with the problem."""
    ana, personal, forked = await _forked_process(signup)
    stored = (await ana.store.access_entries())[personal]
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:  # a tail after the chain
        db.execute(
            "INSERT INTO access_entries VALUES (?, ?, ?)", (personal, len(stored), stored[-1])
        )
    db.close()
    await ana.replica.fresh_access()
    assert ana.replica.chains.state(personal) is forked
    assert "does not continue" in str(ana.replica.chains.problem(personal))
    report = await ana.sync()
    assert ana.replica.chains.state(personal) is forked
    assert any("does not continue" in line for line in report.rollbacks), report.rollbacks


async def test_a_read_back_beside_a_walk_of_the_same_process_keeps_what_the_walk_stored(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """REV-NEWS2 R3: a walk that stored entries while a read-back of the same process was
    reading the store had them dropped by the read-back's states (the chain before the
    share, until the next read). A read-back that sees this process change its chains
    meanwhile now changes nothing (and reads again next time)."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    chains = ana.replica.chains
    await ana.replica.fresh_access()
    before = chains.state(personal)
    assert before is not None
    laptop = await login("ana")
    await share_with(laptop, tom)  # the server's chain is now longer than ana's app holds
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:  # another process: a problem
        db.execute("INSERT INTO access_problems VALUES (?, 'x')", (bytes(16),))
    db.close()
    read, stored = asyncio.Event(), asyncio.Event()
    problems, accept = ana.store.access_problems, chains.accept

    async def held_problems() -> dict[bytes, str]:
        read.set()
        await stored.wait()
        return await problems()

    async def accepting(*args: Any) -> None:
        await accept(*args)
        stored.set()

    ana.store.access_problems = held_problems  # type: ignore[method-assign]
    chains.accept = accepting  # type: ignore[method-assign]
    reading = asyncio.create_task(chains.load_fresh())
    await read.wait()
    ana.store.access_problems = problems  # type: ignore[method-assign]
    await ana.replica.refresh_journals()  # the walk: verifies and stores the share
    await reading
    after = chains.state(personal)
    assert after is not None and after.length > before.length  # the walk's, kept
    # The rule itself: a read-back during which this process changed its chains changes
    # nothing (here: one change after the count it was given).
    states = chains.states()
    assert await chains._read_back(unless_written_since=chains._writes - 1) is False
    assert chains.states() == states and chains.state(personal) is after


async def test_a_chain_stored_by_a_newer_app_is_no_fork(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REV-FINAL F1: an updated `tj` beside an older app stores an entry of a newer chain
    version, which the older app cannot read back: that is "update the app", as before, not
    "the server served two histories" (this process's state is not kept as a fork)."""
    ana, personal, forked = await _forked_process(signup)
    replay = chains_module.access.replay

    def newer(reader: Any, journal_id: bytes, entries: list[bytes]) -> AccessState:
        if journal_id == personal:
            raise ChainUpdateNeeded("newer", journal_id=journal_id, version=9, state=None)
        return replay(reader, journal_id, entries)

    monkeypatch.setattr(chains_module.access, "replay", newer)
    another_process_writes(ana.home)
    await ana.replica.fresh_access()
    problem = str(ana.replica.chains.problem(personal))
    assert "does not continue" not in problem and "does not read back" in problem, problem
    assert ana.replica.chains.state(personal) is not forked


async def test_a_read_back_beside_a_change_of_this_process_is_made_again(
    signup: ClientFactory,
) -> None:
    """REV-FINAL F4: a read-back during which this process changed its chains (here: a
    problem set by another of its coroutines, as a refresh's checks do; a hostile server can
    time one) kept nothing and let the call answer on what the process held before: tom's
    app, told nothing of `tj share "Private notes" ben` run beside it, took the next private
    note. The read is made again."""
    app, ben, notes = await _shared_beside_the_app(signup)
    chains, entries = app.replica.chains, app.store.access_entries
    raced: list[int] = []

    async def beside_a_change() -> dict[bytes, list[bytes]]:
        read = await entries()
        if not raced:  # the first read only: another coroutine of the app changes a chain
            raced.append(chains._writes)
            await chains._set_problem(bytes(16), "a problem of another journal")
        return read

    app.store.access_entries = beside_a_change  # type: ignore[method-assign]
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await app.private_notes.add("ana/Personal", "Avoidance around her sister.")
    assert raced and chains._writes > raced[0]  # the race happened
    assert [s.member_name for s in await app.replica.current_shares()] == ["ben"]


def listed_again(live_server: RunningServer, journal: bytes) -> None:
    """The journal's listing changed on the server: the next sync reads the journal list."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (journal,)
        )


async def test_a_fork_of_a_journal_another_process_removed_does_not_pin_later_problems(
    through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """REV-FINAL F3: this process kept its own state of Personal as a fork (the stored chain
    did not continue it), then another process removed Personal's chain from the store (a
    delete or a forget). The read-back drops this process's state, and must drop the fork
    with it: kept, it made every later "no problem" for the journal a no-op, so a problem
    the server causes at will (here: one journal walk served without its chain) stayed, and
    nothing was sealed for Personal, after the server served the whole chain again."""
    ana, tom = await through("ana"), await through("tom")
    await share_with(ana, tom)
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    chains = ana.replica.chains
    await ana.replica.fresh_access()
    verified = chains.state(personal)
    assert verified is not None
    chains.remember(personal, dataclasses.replace(verified, head=bytes(32)), [])
    chains._last.pop(personal)  # as if this process had stored its own, different one
    another_process_writes(ana.home)
    await ana.replica.fresh_access()
    assert "does not continue" in str(chains.problem(personal))  # a fork, as set up
    with sqlite3.connect(Path(ana.home) / STORE_FILE) as db:  # another process removes it
        db.execute("DELETE FROM access_entries WHERE journal_id = ?", (personal,))
        db.execute("DELETE FROM access_problems WHERE journal_id = ?", (personal,))
    db.close()
    await ana.replica.fresh_access()
    assert chains.state(personal) is None and chains.problem(personal) is None

    hostile.replies["/v1/journals/access"] = lambda _, __: wire.encode(wire.AccessReply([]))
    listed_again(live_server, personal)
    await ana.sync()  # the walk from its start gets nothing: a problem, for now
    assert "did not serve the whole access chain" in str(chains.problem(personal))
    del hostile.replies["/v1/journals/access"]
    listed_again(live_server, personal)
    report = await ana.sync()  # the whole chain served again: settled

    assert chains.problem(personal) is None, chains.problem(personal)
    assert not [line for line in report.rollbacks if personal.hex() in line], report.rollbacks
    await ana.entries.write("Personal", "Sealed once the server serves the chain again.")
