"""Only the server's own `not_found` says an account no longer exists (rev33a F4): a 404 page
of another web server (a web filter, a portal, another server behind the same address) at
the account lookups is a lookup that failed, never "their account was deleted": not in the
owner's notice of a member who left, not in a member's notice of a share no longer served,
not in a refused share, nor in the withholding check of a former member's missing record."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import NotFound
from client_sdk.errors import NOT_A_JOURNAL_SERVER
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import server_db, share_with
from tests.client.test_rev_complete_findings import (
    tom_writes_three_notes_and_the_server_drops_the_second,
)
from tests.conftest import ClientFactory, RunningServer

PAGE = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"


def page_at(hostile: HostileServer, path: str) -> list[bool]:
    """`hostile` answers every request to `path` with an HTML 404 page from now on, while
    the list returned holds True (a test sets it False to let the requests through)."""
    forward = HostileServer.forward
    armed = [True]

    async def answer(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if armed[0] and request.path == path:
            hostile.paths.append("PAGE " + path)
            return web.Response(status=404, body=PAGE, content_type="text/html")
        return await forward(hostile, session, request)

    hostile.forward = answer  # type: ignore[method-assign]
    return armed


@pytest.mark.parametrize("page", [False, True])
async def test_a_404_page_at_the_lookup_never_says_a_member_who_left_was_deleted(
    hostile: HostileServer, through: Through, page: bool
) -> None:
    ana, tom = await through("ana"), await through("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    await tom.sync()
    await tom.shares.leave("ana/Personal")
    if page:
        armed = page_at(hostile, "/v1/account/identity-by-id")
        report = await ana.sync()
        assert "PAGE /v1/account/identity-by-id" in hostile.paths  # it was asked, and failed
        # a lookup that failed, as offline: the departure waits for the next sync's answer
        assert report.departures == [] and "deleted" not in " ".join(report.lines())
        armed[0] = False
    report = await ana.sync()
    [told] = report.departures
    assert str(told).startswith("tom no longer reads Personal"), told
    assert "the server says they left the share" in str(told)
    assert "deleted" not in str(told)


async def test_a_404_page_at_the_lookup_never_says_the_owner_of_a_share_no_longer_served_was_deleted(
    hostile: HostileServer, through: Through, live_server: RunningServer
) -> None:
    ana, tom = await through("ana"), await through("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    await tom.sync()
    [share] = await tom.shares.with_me()
    journal = bytes.fromhex(share.journal_id)
    with closing(sqlite3.connect(server_db(live_server))) as db:  # the server stops serving
        for table in ("members", "journal_keys"):
            db.execute(
                f"DELETE FROM {table} WHERE journal_id = ? AND account_id = ?",
                (journal, tom.profile.account_id),
            )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (journal,)
        )
        db.commit()
    page_at(hostile, "/v1/account/identity-by-id")
    report = await tom.sync()
    words = " ".join(str(d) for d in report.departures)
    assert "the server no longer serves ana's 'Personal' to you" in words, words
    assert "deleted" not in words and not any(d.owner_erased for d in report.departures)
    assert "PAGE /v1/account/identity-by-id" in hostile.paths


async def test_a_404_page_at_the_identity_lookup_is_no_deleted_account(
    hostile: HostileServer, through: Through
) -> None:
    ana, tom = await through("ana"), await through("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)  # ana knows tom now
    await tom.sync()
    await tom.shares.leave("ana/Personal")
    await ana.sync()
    page_at(hostile, "/v1/account/identity")
    with pytest.raises(NotFound) as refused:
        await ana.shares.grant("Personal", "tom", role="annotate", full=True)
    assert refused.value.subject == NOT_A_JOURNAL_SERVER, refused.value
    assert "deleted" not in str(refused.value)
    assert "does not answer as a Therapy Journal server (HTTP 404)" in str(refused.value)


async def test_a_404_page_at_the_lookup_never_excuses_a_former_members_missing_record(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The withholding check asks whether the author of a missing record, a former member,
    was erased (their records would have gone with the account): a page's 404 is no answer.
    Nothing is excused; the gap is said unchecked in this sync, and with the server's own
    answer the next sync reports it withheld (tests/client/test_rev_complete_findings.py's
    former member, whose erasure the server's own `not_found` excuses)."""
    await signup("ana", "phone")
    tom = await signup("tom")
    laptop = await login_through(hostile, "ana", tmp_path / "laptop", device_name="laptop")
    try:
        await tom_writes_three_notes_and_the_server_drops_the_second(laptop, tom, live_server)
        await laptop.shares.revoke("Personal", "tom")  # a former member from now on
        armed = page_at(hostile, "/v1/account/identity-by-id")
        paged = await laptop.sync()
        assert "PAGE /v1/account/identity-by-id" in hostile.paths
        assert paged.erased == [] and paged.withheld == []
        assert any("not checked in this sync" in line for line in paged.incomplete), (
            paged.incomplete
        )
        armed[0] = False
        answered = await laptop.sync()
        assert answered.erased == []
        assert [(g.author, g.missing) for g in answered.withheld] == [
            (tom.profile.account_id, ((2, 2),))
        ]
    finally:
        await laptop.close()
