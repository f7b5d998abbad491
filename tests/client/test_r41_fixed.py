"""R41 fixes, and what is refused whole or kept and told where not fixed: a document merged
past what one record carries (256 KiB sealed) is never sealed as several records, so what
would need that (F2 import, F5 an offline edit sealed again at a share, F6 a restore in a
shared journal) is refused whole before anything changes, naming the entry, or kept and
told; never lost. F7's neighbours: a removal carried again with the offline changes it
builds on. Real server, real crypto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import InvalidInput
from client_sdk.documents import MAX_BODY
from client_sdk.sync import TOO_LARGE_TO_SEAL
from tests.client.sharing_support import copy_of_server_db, journal_id
from tests.client.test_hostile_access import readable_by
from tests.client.test_r41_merged_limits import OTHER_WIDE, WIDE, merged_wide_entry
from tests.conftest import ClientFactory, RunningServer


async def test_an_import_of_an_entry_too_large_for_one_record_is_refused_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, _ = await merged_wide_entry(signup, login)
    await laptop.entries.write(None, "A small entry.", title="Small")
    exported = json.loads(json.dumps(await laptop.archive.export_json()))
    ben = await signup("ben")
    journals = [j.name for j in await ben.journals.list()]
    with pytest.raises(InvalidInput, match="entry .*'Letters'.*nothing of the file"):
        await ben.archive.import_json(exported)
    assert await ben.entries.list() == []
    assert [j.name for j in await ben.journals.list()] == journals


async def test_an_offline_edit_too_large_to_seal_again_at_a_share_is_kept_and_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    from tests.client.sharing_support import share_with

    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, " ", title="Letters")
    await laptop.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, append=WIDE * (MAX_BODY // 2))
    await phone.sync()
    await laptop.entries.edit(entry.id, append="L" + WIDE * (MAX_BODY // 2 - 1))  # offline
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    report = await laptop.sync()  # raises nothing
    assert [(s.doc_id, s.code) for s in report.set_aside] == [(entry.id, TOO_LARGE_TO_SEAL)]
    assert "'Letters'" in report.set_aside[0].reason
    assert [c.doc_id for c in await laptop.set_aside()] == [entry.id]
    assert (await laptop.sync()).set_aside == []  # told once
    mine = (await laptop.entries.get(entry.id)).body
    assert "L" in mine and len(mine) == MAX_BODY + 1  # the edit is kept here


async def test_a_restore_too_large_to_seal_for_the_members_changes_nothing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    from tests.client.sharing_support import share_with

    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, " ", title="Letters")
    tom = await signup("tom")
    await share_with(laptop, tom, role="annotate")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.edit(entry.id, append=WIDE * (MAX_BODY // 2))
    await phone.entries.edit(entry.id, append=OTHER_WIDE * (MAX_BODY // 2))
    await laptop.sync()
    await phone.sync()
    await laptop.sync()
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await phone.sync()
    with pytest.raises(InvalidInput, match="entry 'Letters'.*shorten it"):
        await laptop.entries.restore(entry.id)
    assert [e.id for e in await laptop.entries.trash()] == [entry.id]
    await laptop.sync()
    await phone.sync()
    assert [e.id for e in await phone.entries.trash()] == [entry.id]


async def test_a_trash_waiting_from_before_a_share_after_an_offline_mood_change_reaches_everyone(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R41 F7's neighbour: the laptop's offline changes of the entry are two (a mood, then
    the trash), each written by its own Yjs client: both are carried with the removal, the
    mood as a deleted item (R43 F5)."""
    from tests.client.sharing_support import share_with

    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Monday.", title="Hard day")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.edit(entry.id, mood=3)  # offline
    await laptop.entries.delete(entry.id)  # offline
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await laptop.sync()
    await phone.sync()
    await tom.sync()
    [trashed] = await phone.entries.trash()
    # R43 F5: the offline mood arrives deleted (the one record also reaches the new member,
    # who must not read a value written before its share under a removal made before it).
    assert (trashed.id, trashed.mood) == (entry.id, None)
    assert await tom.entries.list() == []
    await phone.entries.restore(entry.id)  # later changes apply everywhere
    await phone.sync()
    await laptop.sync()
    await tom.sync()
    await phone.sync()
    # Every device agrees: the laptop, which kept the mood while the others held it deleted,
    # writes it anew when the phone's restore arrives (R45 F6; as a restore made on the
    # laptop does, R43 F3): the entry comes back with the mood the user gave it everywhere,
    # and only now that it is out of the trash does the member get it.
    assert (await laptop.entries.get(entry.id)).mood == 3
    assert (await phone.entries.get(entry.id)).mood == 3
    assert [(e.id, e.body, e.mood) for e in await tom.entries.list()] == [(entry.id, "Monday.", 3)]


async def test_a_trash_waiting_from_before_a_share_after_offline_words_reaches_everyone_without_them(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """R41 F7's neighbour: the laptop writes words into the entry offline, then trashes it
    offline; the phone shares the journal. The trash builds on the words, which no member
    may get (protocol.md 4.19): it is carried with them deleted. The trash reaches the phone
    and the member, whose key opens none of the words."""
    from tests.client.sharing_support import share_with

    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Monday.", title="Hard day")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.edit(entry.id, append=" Words about my brother.")  # offline
    await laptop.entries.delete(entry.id)  # offline
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await laptop.sync()
    await phone.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    assert [e.id for e in await phone.entries.trash()] == [entry.id]
    assert await tom.entries.list() == []
    stolen = copy_of_server_db(live_server, tmp_path)
    personal = await journal_id(phone, "Personal")
    assert readable_by(tom, stolen, personal, "my brother") == []
    [kept] = await laptop.entries.trash()  # the words stay on the laptop
    assert kept.body == "Monday. Words about my brother."
