"""What a pull writes besides the records it applies (the twin delete of the same words
written on two devices, R45 F3; the values this device kept of an entry another device
restored, written anew, R45 F6) is in the page's own transaction: a client process killed
(SIGKILL) right after that transaction commits loses neither. Were they written after it,
nothing would write them again: the cursor is past the page, and the next sync finds the
document unchanged. Devices of one account and a therapist, a real server on 127.0.0.1,
real crypto, a real client process killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.errors import InvalidInput
from client_sdk.replica import restore_anew_setting
from client_sdk.store import Store
from tests.client.sharing_support import share_with
from tests.client.test_r45_findings import settle
from tests.client.test_r48_findings import _deleted_in, _writer
from tests.conftest import ClientFactory

HELD = "held after the page"

SYNCER = textwrap.dedent(
    f"""
    import asyncio, sys
    from client_sdk import Client, replica

    async def hold(journal_id: bytes) -> None:
        print({HELD!r}, flush=True)  # the page's transaction has committed
        await asyncio.Event().wait()  # killed here

    replica.AFTER_PAGE_TEST_HOOK = hold  # test-only setting (client_sdk/replica.py)

    async def main() -> None:
        client = await Client.open(sys.argv[1])
        await client.sync()
        print("not held", flush=True)

    asyncio.run(main())
    """
)


async def sync_killed_after_page(home: Path) -> None:
    """Sync the profile at `home` in a client process killed (SIGKILL, no clean close) as
    soon as the transaction of a page that changed a document has committed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SYNCER, str(home), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
    finally:
        process.send_signal(signal.SIGKILL)  # as a crash: whatever is not committed is gone
        await process.wait()
    assert line.decode().strip() == HELD, line


async def test_a_twin_delete_survives_the_process_killed_right_after_the_page(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The same typo fixed on the laptop and on the phone ("thethe" once merged). The
    phone pushes its fix and is not synced again (put away, or lost). The laptop pulls it in
    a process killed right after the page's transaction: reopened, its next sync pulls
    nothing new, so only a twin delete stored with the page reaches the therapist; and the
    laptop itself reads the text once."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    tom = await signup("tom")
    entry = await laptop.entries.write("Personal", "I went to teh park today.", title="Park")
    await share_with(laptop, tom, role="annotate")
    await settle(laptop, phone, tom)
    fixed = "I went to the park today."
    await laptop.entries.edit(entry.id, body=fixed)
    await phone.entries.edit(entry.id, body=fixed)
    await phone.sync()
    home = laptop.home
    await laptop.close()
    await sync_killed_after_page(home)
    reopened = await Client.open(home)
    try:
        report = await reopened.sync()
        assert report.problems == [], report.problems
        assert (await reopened.entries.get(entry.id)).body == fixed
        await tom.sync()
        assert [e.body for e in await tom.entries.list()] == [fixed]
        await settle(reopened, phone, tom)
        assert [(await d.entries.get(entry.id)).body for d in (reopened, phone)] == [fixed] * 2
        assert [e.body for e in await tom.entries.list()] == [fixed]
    finally:
        await reopened.close()


async def test_edits_of_a_twin_copy_survive_the_process_killed_right_after_its_delete_pulled(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R48 F1 through a crash: the laptop deletes the phone's copy of a sentence both wrote
    (the twin delete); the user rewrites it on the phone ("calm" -> "tired") before the
    phone's next sync, whose pull of the delete carries the rewrite over to the copy kept.
    The phone's process is killed right after that page's transaction: only this device
    held the rewrite, so unless it was written with the page it is lost on every device."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    sentence = "Start. I felt calm."
    for _attempt in range(12):  # Yjs client ids are random: find a round where the
        entry = await laptop.entries.write(None, "Start.")  # phone's copy is the one deleted
        await settle(laptop, phone)
        await laptop.entries.edit(entry.id, body=sentence)
        await phone.entries.edit(entry.id, body=sentence)
        await phone.sync()
        await laptop.sync()  # both copies: the twin delete of the higher client
        phones = await _writer(phone, entry.id, " I felt calm.")
        assert phones is not None
        if await _deleted_in(laptop, entry.id, phones):
            break
    else:
        raise AssertionError("the phone's copy was never the one deleted")
    await phone.entries.edit(entry.id, body="Start. I felt tired.")  # before its next sync
    home = phone.home
    await phone.close()
    await sync_killed_after_page(home)
    reopened = await Client.open(home)
    try:
        report = await reopened.sync()
        assert report.problems == [], report.problems
        await settle(reopened, laptop)
        bodies = [(await d.entries.get(entry.id)).body for d in (laptop, reopened)]
        assert bodies[0] == bodies[1], bodies
        assert bodies[0] in ("Start. I felt tired.", "Start. I felt calm. I felt tired."), bodies
    finally:
        await reopened.close()


async def test_kept_words_survive_the_process_killed_right_after_the_restore_pulled(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop adds words to an entry and trashes it offline while the phone shares
    the journal: every other device holds the words deleted, the laptop keeps them under a
    restore-anew marker. The phone restores the entry; the laptop pulls the restore in a
    process killed right after the page's transaction. Reopened and synced, the words are
    in the entry on both devices and at the therapist, and the marker is gone."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, append=" Words for my therapist.")  # offline
    await laptop.entries.delete(entry.id)  # offline: to the trash
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await settle(laptop, phone, tom)
    marker = restore_anew_setting(bytes.fromhex(entry.id))
    assert await laptop.store.setting(marker)  # the words kept here only
    await phone.entries.restore(entry.id)
    await phone.sync()
    home = laptop.home
    await laptop.close()
    await sync_killed_after_page(home)
    reopened = await Client.open(home)
    try:
        report = await reopened.sync()
        assert report.problems == [], report.problems
        words = "Monday. Words for my therapist."
        assert (await reopened.entries.get(entry.id)).body == words
        assert not await reopened.store.setting(marker)
        await settle(phone, reopened, tom)
        bodies = [(await d.entries.get(entry.id)).body for d in (reopened, phone)]
        bodies += [e.body for e in await tom.entries.list()]
        assert bodies == [words] * 3, bodies
    finally:
        await reopened.close()


async def test_a_savepoint_undoes_its_own_writes_only(tmp_path: Path) -> None:
    """`Transaction.savepoint`, which a write at a page's merge goes in (a record too
    large to seal is told, not raised, the page stored all the same): what the part wrote
    is gone, what the transaction wrote before and after it commits."""
    store = await Store.open(tmp_path)
    try:
        async with store.transaction() as tx:
            await tx.set_setting("before", 1)
            with pytest.raises(InvalidInput):
                async with tx.savepoint():
                    await tx.set_setting("inside", 2)
                    await tx.set_setting("before", 3)
                    raise InvalidInput("too large")
            async with tx.savepoint():
                await tx.set_setting("kept", 4)
            await tx.set_setting("after", 5)
        values = [await store.setting(n) for n in ("before", "inside", "kept", "after")]
        assert values == [1, None, 4, 5]
    finally:
        await store.close()


async def test_a_twin_in_a_journal_archived_meanwhile_is_told_and_the_page_is_stored(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """An archived journal takes no new writes, the twin delete included: the pull that
    finds the twins tells it as a problem of the sync (it raised AccessError once the page
    was stored before), and the page is stored: the next sync has nothing to pull again."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    await laptop.journals.create("Work")
    entry = await laptop.entries.write("Work", "I went to teh park today.", title="Park")
    await settle(laptop, phone)
    fixed = "I went to the park today."
    await laptop.entries.edit(entry.id, body=fixed)
    await phone.entries.edit(entry.id, body=fixed)
    await phone.sync()
    await phone.journals.archive("Work")
    report = await laptop.sync()
    assert len(report.problems) == 1, report.problems
    assert "'Park'" in report.problems[0] and "archived" in report.problems[0]
    assert "thethe" in (await laptop.entries.get(entry.id)).body  # the phone's fix is in
    again = await laptop.sync()
    assert (again.pulled, again.problems) == (0, [])
