"""REV-L2 findings (scope: `git show abaaebd`, the fix of REV-L1 F1-F3): a hostile server, a
malicious member and the two together, against the recency a writer ranks an account's
devices by (`DeviceCounters.written`, the latest signed `written_at`) and the entry views a
client keeps between listings. Real server on 127.0.0.1, real crypto; nothing of the SDK
replaced. Each finding's test is `xfail(strict=True)`: it passes once the finding is fixed.
/work/REV-L2-FINDINGS.md."""

from __future__ import annotations

import contextlib
import sqlite3

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, crypto, records, wire
from client_sdk.store import STORE_FILE
from client_sdk.withholding import (
    ARRAY_BYTES,
    MAX_SEEN_BYTES,
    SEEN_ENTRY_BYTES,
    SEEN_SURE,
    seen_bytes,
)
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id
from tests.client.test_rev_l1_findings import STALE, kept_views, push_stale, template_of
from tests.client.test_writer_limits import first_note, push_as, shared, signed_by
from tests.conftest import ClientFactory, RunningServer


def ids_before(device: bytes, count: int) -> list[bytes]:
    """`count` device ids that sort before `device` (the ids just below it): what random
    ids of former sessions are, for the live device, whenever its own id sorts after the
    budget's end (about (count - 88) / count of journals so crowded)."""
    top = int.from_bytes(device, "big")
    return [(top - n).to_bytes(16, "big") for n in range(1, count + 1)]


def as_an_older_sdk_left_it(home: object) -> None:
    """The phone's store as the SDK before abaaebd wrote it: `device_counters` without the
    `written` column (what opening it again gives every row: 0, `_add_missing_columns`)."""
    with contextlib.closing(sqlite3.connect(f"{home}/{STORE_FILE}")) as db, db:
        db.execute("ALTER TABLE device_counters DROP COLUMN written")


@pytest.mark.parametrize(
    "upgraded",
    [
        pytest.param(False, id="control"),
        pytest.param(
            True,
            id="upgraded",
            marks=pytest.mark.xfail(
                strict=True,
                reason="REV-L2 F1: a store upgraded from before `written` ranks every device "
                "it heard from before by id until that device writes again",
            ),
        ),
    ],
)
async def test_l2_f1_an_upgraded_store_ranks_the_laptop_by_id_and_drops_it(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, upgraded: bool
) -> None:
    """REV-L2 F1. ana's journal is crowded with stale device ids of hers (more than the 4 KiB
    seen vector holds). The live laptop writes after all of them; the phone pulls
    everything with the SDK before abaaebd, then is upgraded. Every counter row it held
    reads `written` 0: the phone ranks ana's devices by id alone, the REV-S2 state that
    abaaebd's recency (and the seq recency before it) was there to end, and leaves the
    live laptop out of its seen vector until a new record of the laptop reaches it. The
    server, which chooses when that is, can meanwhile withhold the laptop's records from a
    third reader with nothing showing it (REV-L1 F1's impact, without a new session).
    The control (not upgraded: the same store, its column kept) names the laptop."""
    ana = await signup("ana")
    await ana.entries.write(None, "before the old sessions")
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    laptop_id = ana.profile.device_id
    old = await login("ana", device="old")
    await old.sync(strict=True)
    template = await template_of(old, journal)
    await push_as(
        old,
        journal,
        [
            records.RecordBody(**{**vars(template), "device": device, "counter": 1})
            for device in ids_before(laptop_id, STALE)
        ],
    )
    await ana.sync(strict=True)
    await ana.entries.write(None, "from the laptop")  # after every stale id: the latest
    await ana.sync(strict=True)
    phone = await login("ana", device="phone")
    await phone.sync(strict=True)
    assert "from the laptop" in {e.body for e in await phone.entries.list()}
    home = phone.home
    await phone.close()
    if upgraded:
        as_an_older_sdk_left_it(home)
    again = await Client.open(home)  # the upgrade: the column comes back, 0 in every row
    try:
        await again.sync(strict=True)  # nothing new: the laptop has not written since
        await again.entries.write(None, "from the phone, upgraded")
        await again.sync(strict=True)
        phone_id = again.profile.device_id
    finally:
        await again.close()

    bodies = await signed_by(ana, live_server, journal)
    [written] = [b for b in bodies if b.device == phone_id]
    named = {(s.author, s.device) for s in written.seen}
    assert seen_bytes(written.seen) <= MAX_SEEN_BYTES
    assert len(named) > SEEN_SURE  # the budget cut the vector
    # The live laptop, whose record the phone holds, the most recent of ana's devices:
    # named, as a store that pulled the same records after the upgrade names it.
    assert (ana.profile.account_id, laptop_id) in named


def refuse_one_push(hostile: HostileServer) -> None:
    """The server refuses the next push for good (400 `malformed_body`, a refusal of the
    record: it is set aside), storing nothing: what a full account or a server's bug gives."""
    armed = [True]
    forward = hostile.forward

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if not (armed[0] and request.path == "/v1/records/push"):
            return await forward(session, request)
        armed[0] = False
        refusal = wire.encode(wire.ErrorReply("malformed_body", "refused"))
        return web.Response(status=400, body=refusal, content_type="application/msgpack")

    hostile.forward = refuse  # type: ignore[method-assign]


async def test_l2_f2_an_entry_removed_with_its_set_aside_change_keeps_its_view(
    through: Through, hostile: HostileServer
) -> None:
    """REV-L2 F2. ana writes an entry; the server refuses its record for good, so the
    change is set aside. She lists her entries (the view is kept), then drops the change
    (`drop_set_aside`): the entry "existed on this device only" and is removed from the
    store (`SetAsideChange.removed`). Its title and body stay in `Context._views`, which
    abaaebd says are dropped when a document changes, its journal is deleted, or a
    listing no longer finds it: no change is published and no listing runs here."""
    ana = await through("ana")
    await ana.sync(strict=True)
    refuse_one_push(hostile)
    secret = await ana.entries.write(None, "words I took back", title="taken back")
    report = await ana.sync()
    assert report.set_aside, "the server's refusal set the entry aside"
    assert secret.id in {e.id for e in await ana.entries.list()}  # listed: its view kept
    held = [(title, body) for _, title, body in kept_views(ana).values()]
    assert ("taken back", "words I took back") in held  # the test can fail
    [dropped] = await ana.drop_set_aside(secret.id)
    assert dropped.removed, "the entry existed on this device only: removed with its change"
    assert await ana.store.document(bytes.fromhex(secret.id)) is None
    held = [(title, body) for _, title, body in kept_views(ana).values()]
    assert ("taken back", "words I took back") not in held


@pytest.mark.parametrize(
    "mal_clock",
    [
        pytest.param("honest", id="control"),
        # REV-L2 F3, fixed: within a turn accounts come by id, whatever their times.
        pytest.param("far_future", id="far_future"),
    ],
)
async def test_l2_f3_a_members_future_clock_takes_the_last_turn_from_another_member(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, mal_clock: str
) -> None:
    """REV-L2 F3 (a malicious member alone; fixed: within a turn, accounts by id). protocol.md 4.15 said "a member's clock
    orders only its own account's devices: the other accounts keep their turns". But within
    a turn, `writing_order` sorts the accounts' devices by recency across accounts: when the
    budget ends inside a turn, the member whose signed `written_at` is latest keeps its
    place and the others drop out. ana's own devices leave one slot for her members (tom
    and mal, annotate); mal wrote before tom, so with honest clocks the slot is tom's (the
    control). mal signs one more note, under a device id of its making, dated 2^63 - 1 ms: the slot is mal's, tom's note is
    named in none of ana's seen vectors, and the server (with mal) can withhold it from
    ana's other devices with no claim to show it. With `seq` the server alone chose; with
    ids alone, at random: now the member alone chooses."""
    ana = await signup("ana")
    # Fixed: the slot goes to the member of the lower account id, whatever mal's clock. mal
    # is the one of the two with the higher id, so that with the finding his far-future
    # date would take the slot (this test's failure) and without it never can.
    first, second = await signup("tom"), await signup("mal")
    tom, mal = sorted([first, second], key=lambda c: c.profile.account_id)
    await ana.entries.write(None, "before the shares")
    await shared(ana, mal, role="annotate")
    await shared(ana, tom, role="annotate")
    journal = await journal_id(ana, "Personal")
    note = await first_note(mal, journal)  # mal first
    when = note.written_at if mal_clock == "honest" else 2**63 - 1
    await push_as(
        mal,
        journal,
        [
            records.RecordBody(
                **{
                    **vars(note),
                    "device": crypto.random_bytes(16),
                    "counter": 1,
                    "written_at": when,
                }
            )
        ],
    )
    await first_note(tom, journal)  # then tom: the more recent of the two
    old = await login("ana", device="old")
    await old.sync(strict=True)
    template = await template_of(old, journal)
    slots = (MAX_SEEN_BYTES - ARRAY_BYTES) // (SEEN_ENTRY_BYTES + 1)  # counters below 128
    await push_stale(old, journal, template, slots - 2)  # with `old`: all but one slot
    await ana.sync(strict=True)
    await ana.entries.write(None, "after the notes")
    await ana.sync(strict=True)

    assert not await ana.problems()  # mal's note taken as any other
    bodies = await signed_by(ana, live_server, journal)
    written = bodies[-1]
    assert written.device == ana.profile.device_id
    named = {(s.author, s.device) for s in written.seen}
    me = ana.profile.account_id
    assert len([k for k in named if k[0] == me]) == slots - 1  # every device of ana's
    assert len([k for k in named if k[0] != me]) == 1  # one slot for the members
    assert (tom.profile.account_id, tom.profile.device_id) in named
