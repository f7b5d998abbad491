"""A Day One file imported "into NAME" where `Journals.create` hands back a journal of that
name another device of the account made and shared meanwhile: said as an existing journal
with who reads it (from its verified access chain), never as a new one read by no one."""

from __future__ import annotations

import json
from pathlib import Path

from cli.export import import_summary
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

DAYONE = Path(__file__).parent.parent / "fixtures" / "foreign" / "dayone-journal.json"


async def test_a_journal_made_and_shared_meanwhile_is_named_with_its_reader(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, drjones = await signup("ana"), await signup("drjones")
    phone = await login("ana")
    await phone.sync()
    await laptop.journals.create("Dreams")  # on the laptop, shared at once
    await share_with(laptop, drjones, "Dreams", role="read")
    await laptop.sync()
    # the phone has not synced since: it imports a Day One file "into Dreams"
    report = await phone.archive.import_dayone(json.loads(DAYONE.read_text()), journal="Dreams")
    assert report.created_journals == []
    assert report.into == "Dreams"
    assert report.into_readers == ["drjones"]
    said = " ".join(import_summary(report, "Day One").split())
    assert "new:" not in said and "drjones" in said, said
    await phone.sync()
    await drjones.sync()
    assert len(await drjones.entries.list("ana/Dreams")) == 2  # what the words warned of


async def test_a_journal_made_by_the_import_is_said_new(signup: ClientFactory) -> None:
    ana = await signup("ana")
    report = await ana.archive.import_dayone(json.loads(DAYONE.read_text()), journal="Dreams")
    assert report.created_journals == ["Dreams"]
    assert not report.into and report.into_readers == []
