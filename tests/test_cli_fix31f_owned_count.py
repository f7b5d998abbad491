"""rev31b item 3 (suspected, checked): the count of journals this account owns on a device,
which decides whether the words about a safety flag name the plan's journal, is the same in
a sync's report (`SyncReport.journals_owned`, `Client._journals_owned`) and in the CLI's
other commands (`output.several_journals`): a journal deleted on another device (its
read-only copy kept here) and a copy kept for a member count in neither (real server on
127.0.0.1)."""

from __future__ import annotations

from cli import output
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_journal_deleted_elsewhere_and_a_members_copy_count_in_neither(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Work")
    await share_with(ana, tom, only=["mood"])  # "Personal (mood) for tom", kept for tom
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.journals.delete("Work")
    await phone.sync()
    await ana.sync()
    [work] = [j for j in await ana.journals.list() if j.name == "Work"]
    assert work.read_only_copy
    assert await ana._journals_owned() == 1
    assert await output.several_journals(ana) is False
    await ana.journals.create("Notes")
    assert await ana._journals_owned() == 2
    assert await output.several_journals(ana) is True
