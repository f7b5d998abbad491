"""A member's field-level copy that ended is read as replaced by another share of the
same journal ("ben now shares ... the new one replaces it") only when the owner signed its
end and granted the other share with it or after it: a copy dropped on the server's word
(the server said the member had left) beside a whole-journal share given long before is
told as what it is ("the server said you had left; you still read 'Personal', which ben
shares with you"), and so is a copy the owner ended while the member already read the
whole journal. Real server on 127.0.0.1; the server lists an ended copy to the member
again (as tests/client/test_r22_attacks.py does), so that the member's device verifies the
signed `removed` entry rather than only seeing the copy unlisted."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from cli import output
from client_sdk import Client, departures
from tests.client.sharing_support import server_db, share_with
from tests.conftest import ClientFactory, RunningServer


def listed_again(live_server: RunningServer, copy_id: str, member: Client) -> None:
    """The server lists the ended copy `copy_id` to `member` again."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "INSERT INTO members (journal_id, account_id, role, expires_at) "
            "VALUES (?, ?, 'read', 0)",
            (bytes.fromhex(copy_id), member.profile.account_id),
        )
        db.commit()


async def copy_beside_the_whole_journal(
    signup: ClientFactory, login: ClientFactory
) -> tuple[Client, Client, Client, str]:
    """ben shares `--only mood,scores` with drlee, then the whole journal (the copy stays
    beside it); drlee's laptop and phone hold both. Returns ben, drlee, the phone, the
    copy's id."""
    ben = await signup("ben")
    drlee = await signup("drlee")
    await ben.entries.write("Personal", "before the shares")
    await share_with(ben, drlee, only=["mood", "scores"])
    await share_with(ben, drlee, full=True)  # the copy stays beside it (NU29 F7)
    await ben.sync()
    phone = await login("drlee", device="phone")
    await drlee.sync()
    await phone.sync()
    shared = await phone.shares.with_me()
    assert sorted(s.owner_journal_name for s in shared) == [
        "Personal",
        "Personal (mood, scores) for drlee",
    ]
    copy_id = next(s.journal_id for s in shared if "(" in s.owner_journal_name)
    return ben, drlee, phone, copy_id


def said(report_lines: list[str]) -> str:
    return " ".join(" ".join(report_lines).split())


async def test_a_copy_dropped_on_the_servers_word_is_not_read_as_replaced(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    ben, drlee, phone, copy_id = await copy_beside_the_whole_journal(signup, login)
    await drlee.shares.leave("ben/Personal (mood, scores) for drlee")  # the server says "left"
    await ben.sync()  # ben's device removes drlee from the copy on the server's word
    await ben.sync()
    listed_again(live_server, copy_id, drlee)
    report = await phone.sync()
    [told] = [d for d in report.departures if d.journal_id == copy_id]
    assert (told.reason, told.copy, told.replaced, told.replaced_copy) == (
        departures.DROPPED,
        "Personal",
        False,
        False,
    )
    text = said(output.departure_lines(report))
    assert "the new one replaces it" not in text and "now shares" not in text, text
    assert "the server said you had left; you still read 'Personal', which ben shares" in text


async def test_a_copy_the_owner_ended_beside_an_older_whole_share_is_not_read_as_replaced(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    ben, _, phone, copy_id = await copy_beside_the_whole_journal(signup, login)
    await ben.shares.revoke("Personal (mood, scores) for drlee", "drlee")  # the copy only
    await ben.sync()
    listed_again(live_server, copy_id, phone)
    report = await phone.sync()
    [told] = [d for d in report.departures if d.journal_id == copy_id]
    assert (told.reason, told.copy, told.replaced_copy) == (departures.REMOVED, "Personal", False)
    text = said(output.departure_lines(report))
    assert "the new one replaces it" not in text and "now shares" not in text, text
    assert "you still read 'Personal', which ben shares with you" in text, text


async def test_a_copy_the_owner_replaced_with_other_fields_is_read_as_replaced(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """`tj share --only` with other fields ends the old copy, then shares the new one: the
    new share is granted after the end the owner signed."""
    ben = await signup("ben")
    drlee = await signup("drlee")
    await share_with(ben, drlee, only=["mood", "scores"])
    await drlee.sync()
    [old] = await drlee.shares.with_me()
    await share_with(ben, drlee, only=["mood", "scores", "answers"])
    listed_again(live_server, old.journal_id, drlee)
    report = await drlee.sync()
    [told] = [d for d in report.departures if d.journal_id == old.journal_id]
    assert told.reason == departures.REMOVED, told
    assert (told.copy, told.replaced, told.replaced_copy) == (
        "Personal (mood, scores, answers) for drlee",
        True,
        True,
    )
    text = said(output.departure_lines(report))
    assert "ben now shares 'Personal' with you as 'Personal (mood, scores, answers) for" in text
    assert "the new one replaces it" in text, text
