"""A journal created offline that the server then refuses for good (here: over the account's
journal quota) is set aside like a refused record: reported once, its entries kept on the
device, and it never blocks later syncs; `retry_set_aside` sends it again once there is room.
A creation refused at once, online, is not kept at all (real server, both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import QuotaExceeded
from tests.server.conftest import Serve
from tests.server.servers import login, signup

DEAD = "http://127.0.0.1:9"  # the discard port: nothing answers there


async def test_an_offline_journal_refused_for_good_is_set_aside_and_never_blocks_a_sync(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve(max_journals=2) as server:
        ana = await signup(server.url, tmp_path, "ana")  # owns "Personal"
        await ana.journals.create("Work")  # the second and last journal the server allows
        ana.transport.base_url = DEAD  # offline
        await ana.journals.create("Dreams")
        await ana.entries.write("Dreams", "Flying again.")
        await ana.entries.write("Personal", "A good day.")
        ana.transport.base_url = server.url

        report = await ana.sync()  # does not raise
        # the creation, then the entry written in it: each reported once, with the reason
        creation, written = report.set_aside
        assert (creation.journal, creation.code, creation.doc_id) == (
            "Dreams",
            "journal_quota_exceeded",
            None,
        )
        assert (written.journal, written.code) == ("Dreams", "journal_quota_exceeded")
        assert "refused to create this journal" in creation.reason == written.reason
        [entry] = await ana.set_aside()
        assert (entry.journal, entry.text) == ("Dreams", "Flying again.")
        assert [e.body for e in await ana.entries.list("Dreams")] == ["Flying again."]

        await ana.entries.write("Personal", "Later still syncs.")
        again = await ana.sync()
        assert (again.set_aside, again.pushed) == ([], 1)  # reported once; the rest goes on
        phone = await login(server.url, tmp_path, "ana")
        await phone.sync()
        assert {e.body for e in await phone.entries.list()} == {
            "A good day.",
            "Later still syncs.",
        }

        await ana.journals.delete("Work")  # room for one more journal
        assert await ana.retry_set_aside() == 2  # the journal and its entry
        retried = await ana.sync()
        assert retried.set_aside == [] and await ana.set_aside() == []
        await phone.sync()
        assert [e.body for e in await phone.entries.list("Dreams")] == ["Flying again."]
        await ana.close()
        await phone.close()


async def test_a_journal_refused_at_once_online_is_not_kept(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_journals=1) as server:
        ana = await signup(server.url, tmp_path, "ana")
        with pytest.raises(QuotaExceeded):
            await ana.journals.create("Dreams")
        assert [j.name for j in await ana.journals.list()] == ["Personal"]
        report = await ana.sync()
        assert report.set_aside == []
        await ana.close()
