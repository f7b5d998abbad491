"""Review of fix-atomic (merge-time writes in the page's own transaction): what a hostile
server, or a member with it, can make of a page whose writes now go with it. Real server on
127.0.0.1 behind the rewriting proxy of tests/client/hostile.py, real crypto."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r45_findings import settle
from tests.conftest import PASSWORD, ClientFactory

LIST = "/v1/journals/list"
KEYS = "/v1/journals/keys"


def withhold_epoch(hostile: HostileServer, journal: bytes, epoch: int) -> None:
    """The server leaves this account's envelope of `epoch` of `journal` out of the journal
    list and of every key page (it says it has none): availability it may refuse, nothing
    more (tests/client/test_hostile_keys.py: records under other epochs read as usual)."""

    def listing(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        journals = [
            replace(j, keys=[k for k in j.keys if k.epoch != epoch])
            if j.journal_id == journal
            else j
            for j in real.journals
        ]
        return wire.encode(replace(real, journals=journals))

    def pages(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.KeyPageRequest, request)
        page = wire.decode(wire.KeyPage, reply)
        if asked.journal_id != journal:
            return reply
        return wire.encode(replace(page, keys=[k for k in page.keys if k.epoch != epoch]))

    hostile.replies[LIST] = listing
    hostile.replies[KEYS] = pages


@dataclass
class Restored:
    laptop: Client
    phone: Client
    entry_id: str
    journal: bytes
    rotated: int


async def restored_then_rotated(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> Restored:
    """ana's "Personal", shared with tom (so a restore pulled seals the entry's snapshot for
    him under the current epoch): the laptop trashes an entry, restores it, then moves the
    journal to a new epoch and writes on; the phone (through `hostile`) has not pulled any
    of it. The caller closes the phone."""
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    tom = await signup("tom")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await share_with(laptop, tom, role="annotate")
    await settle(laptop, phone, tom)
    await laptop.entries.delete(entry.id)  # to the trash
    await settle(laptop, phone)
    await laptop.entries.restore(entry.id)
    await laptop.sync()
    local = await laptop.context.local_journal("Personal")
    await laptop.replica.rotate(local)
    rotated = (await laptop.context.local_journal("Personal")).epoch
    assert rotated > local.epoch
    await laptop.entries.write("Personal", "Later.", title="After the restore")
    await laptop.sync()
    journal = await journal_id(laptop, "Personal")
    return Restored(laptop, phone, entry.id, journal, rotated)


async def test_a_withheld_current_key_never_stalls_the_page_holding_a_restore(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server withholds the phone's envelope of the new epoch (records under it cannot
    be read there: told, as test_hostile_keys.py shows). The phone must still store the page
    holding the restore (the entry out of the trash), tell that it could not seal the
    snapshot for tom, and go past the page at its next sync (rev-atomic F1: the key was
    read, raising, before the page's transaction, so the page was never stored and every
    sync raised the same: no later record of the journal ever arrived)."""
    found = await restored_then_rotated(hostile, signup, tmp_path)
    phone = found.phone
    try:
        withhold_epoch(hostile, found.journal, found.rotated)
        report = await phone.sync()
        assert any("taken out of the trash" in p for p in report.problems), report.problems
        back = await phone.entries.get(found.entry_id, include_trashed=True)
        assert back.trashed_at is None, "the page holding the restore was never stored"
        again = await phone.sync()
        assert again.pulled == 0
    finally:
        await phone.close()
