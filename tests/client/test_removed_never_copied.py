"""A document of any kind a field-level copy carries (an entry, a questionnaire result,
homework) that its owner deleted or trashed before any device copied it gets no copy, ever;
a copy that exists follows the removal with its marks only, never with what the source came
to hold after the copy was written (an edit made before the removal). Before, a result or
homework taken and deleted on a device that had not synced since the share was written
whole into the copy by the catch-up after the sync (score, band, item answers, homework
values, marked deleted), readable with the member's key. Real server on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest

from client_sdk import Client
from client_sdk.care_disclosure import HOMEWORK
from client_sdk.documents import ENTRY
from client_sdk.replica import stored_document
from client_sdk.results import MEASURE
from client_sdk.sharing import Sharing
from tests.client.sharing_support import server_db, share_with
from tests.client.test_care import NIGHT
from tests.conftest import ClientFactory, RunningServer

ANSWERS = [3, 3, 3, 3, 3, 3, 3, 3, 3]


async def held(client: Client, journal_id: str, kind: str) -> list[dict[str, Any]]:
    """Every document of `kind` the device of `client` stores in the copy journal, removed
    ones too (what the member's key opens, whatever the app shows)."""
    return [
        stored_document(s).field_values() | {"body": stored_document(s).text("body")}
        for s in await client.store.documents(bytes.fromhex(journal_id), [kind])
    ]


async def _none() -> tuple[list[str], set[bytes], int]:
    return [], set(), 0


def never_copies(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """`client` as an app that never writes copies (an older version): every `Sharing` of
    its replica (homework keeps one of its own) copies nothing; other clients' do."""
    mirror = Sharing.mirror

    async def copies_not_here(self: Sharing, *args: Any, **kwargs: Any) -> None:
        if self.replica is not client.replica:
            await mirror(self, *args, **kwargs)

    monkeypatch.setattr(Sharing, "mirror", copies_not_here)
    monkeypatch.setattr(client.sharing, "follow_mirrors", lambda *_, **__: _none())


async def test_a_result_deleted_before_any_copy_is_never_copied(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Taken and deleted on the phone that had not synced since the laptop's share of
    scores and answers: neither device writes it into the copy; tom's device holds none."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "scores", "answers"])
    taken = await phone.measures.take("phq9", ANSWERS)
    await phone.measures.delete(taken.result.id)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert await held(laptop, share.journal_id, MEASURE) == []
    assert await held(tom, share.journal_id, MEASURE) == [], "the deleted result was copied"


async def test_homework_deleted_before_any_copy_is_never_copied(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "homework"])
    added = await phone.homework.add("sleep-diary", NIGHT, completion="partly")
    await phone.homework.delete(added.id)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    assert await held(tom, share.journal_id, HOMEWORK) == [], "the deleted homework was copied"


async def test_removed_on_a_device_that_never_copies_none_is_made_by_the_sharing_one(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same when the writer never copies: the laptop's catch-up after its sync finds a
    deleted result, deleted homework and a trashed entry with no copy, and copies none."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    share = await share_with(laptop, tom, only=["mood", "body", "answers", "homework"])
    await phone.sync()
    never_copies(phone, monkeypatch)
    taken = await phone.measures.take("phq9", ANSWERS)
    await phone.measures.delete(taken.result.id)
    added = await phone.homework.add("sleep-diary", NIGHT, completion="partly")
    await phone.homework.delete(added.id)
    written = await phone.entries.write("Personal", "regretted words", mood=2)
    await phone.entries.delete(written.id)  # to the trash
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    for kind in (MEASURE, HOMEWORK, ENTRY):
        assert await held(tom, share.journal_id, kind) == [], kind


async def test_an_existing_copy_follows_a_removal_with_its_marks_only(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies exist (an entry's words, homework's values); the phone, which never copies,
    edits each and then removes it: the laptop's sync marks the copies removed, and tom's
    device never receives the edit (it was never disclosed)."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    share = await share_with(laptop, tom, only=["mood", "body", "homework"])
    written = await laptop.entries.write("Personal", "first words", mood=5)
    added = await laptop.homework.add("sleep-diary", NIGHT, completion="partly")
    await laptop.sync()
    await phone.sync()
    never_copies(phone, monkeypatch)
    await phone.entries.edit(written.id, body="second thoughts never shared")
    await phone.entries.delete(written.id)  # to the trash
    await phone.homework.edit(added.id, values={"awakenings": 9})
    await phone.homework.delete(added.id)
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    entries = await held(tom, share.journal_id, ENTRY)
    assert len(entries) == 1 and entries[0]["trashed_at"] is not None  # the trash followed
    assert entries[0]["body"] == "first words", "the edit made before the trash was copied"
    homework = await held(tom, share.journal_id, HOMEWORK)
    assert len(homework) == 1 and homework[0]["deleted"] is True  # the delete followed
    assert homework[0]["values"]["awakenings"] == 2, "the edit made before the delete was copied"
    assert await tom.entries.list() == []
    before = await held(laptop, share.journal_id, ENTRY)
    await laptop.sync()  # marked removed: current, nothing written again
    assert await held(laptop, share.journal_id, ENTRY) == before


async def test_a_deleted_result_is_never_shared_on_its_own(signup: ClientFactory) -> None:
    """Shared one at a time by its id once deleted: refused, nothing copied."""
    from client_sdk import NotFound

    ana, tom = await signup("ana"), await signup("tom")
    taken = await ana.measures.take("phq9", ANSWERS)
    await ana.measures.delete(taken.result.id)
    with pytest.raises(NotFound, match="was deleted"):
        await ana.measures.share(taken.result.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    await tom.sync()
    for journal in await tom.journals.list():
        assert await held(tom, journal.id, MEASURE) == []


def _top_seq(live_server: RunningServer) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        return int(db.execute("SELECT max(seq) FROM records").fetchone()[0])


def _hide_after(live_server: RunningServer, seq: int) -> int:
    """What a hostile server does: stop serving every record stored after `seq` (the rows
    are dropped, each journal's head set back). Returns how many it hid."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        journals = {
            r[0] for r in db.execute("SELECT journal_id FROM records WHERE seq > ?", (seq,))
        }
        hidden = db.execute("DELETE FROM records WHERE seq > ?", (seq,)).rowcount
        for journal in journals:
            db.execute(
                "UPDATE journals SET head = (SELECT coalesce(max(seq), 0) FROM records "
                "WHERE journal_id = ?) WHERE journal_id = ?",
                (journal, journal),
            )
        db.commit()
        return hidden


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="limit (protocol.md 4.18 'newest records'): a server can hide a delete that is its "
    "device's newest record; the laptop then holds the result its owner signed and copies it "
    "at its catch-up, as it must for a phone that simply never synced again",
)
async def test_a_hidden_delete_that_is_the_phones_newest_record_lets_no_copy_carry_the_result(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: the laptop shares scores and answers with tom; the phone (an app that
    writes no copies, or one whose syncs stop before their catch-up) takes a PHQ-9 and syncs:
    the result reaches the server. It deletes the result and syncs again. The server never
    serves the records stored after the result (the delete, the phone's newest record:
    nothing later shows a gap). The laptop's catch-up then copies the result whole, and tom's
    key opens score, band and item answers; with an honest server the laptop gets the delete
    too and copies nothing. Closing it needs freshness evidence (a record of the phone dated
    after the result), as for a hidden late-flag withdrawal."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    never_copies(phone, monkeypatch)
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "scores", "answers"])
    taken = await phone.measures.take("phq9", ANSWERS)
    await phone.sync()  # the result reaches the server; the phone copies nothing
    before_delete = _top_seq(live_server)
    await phone.measures.delete(taken.result.id)
    await phone.sync()  # the delete: the phone's newest record
    assert _hide_after(live_server, before_delete) > 0
    report = await laptop.sync()
    assert (report.problems, report.withheld) == ([], [])  # nothing shows the delete missing
    await tom.sync()
    assert await held(tom, share.journal_id, MEASURE) == []
