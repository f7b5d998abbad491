"""A rename or an archive made on the owner's device after a member's signed end date passed
is never sealed under a key epoch that member holds (protocol.md 4.14, 4.19 "Nothing sealed
under a key an ended member holds").

Before the fix `Replica.update_meta` / `_send_meta` sealed the metadata under the journal's
current epoch without the check pushes and compaction get (`unsafe_epoch`): the end of the
share was signed, and the key rotated, only by the sync after it (`tj journal rename` syncs
after the change). The server, or anyone with its disk, together with the ex-member then read
the name given after the share ended. Now the owner's device ends the share and rotates the
key first, then seals the new name under the new epoch.

Real server on 127.0.0.1, real crypto.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest

from client_sdk import keys
from client_sdk.errors import AccessError
from client_sdk.journal_meta import decode_meta
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 86_400_000


@pytest.mark.parametrize("change", ["rename", "archive"])
async def test_a_rename_after_a_members_end_date_is_not_sealed_under_the_key_he_holds(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await ana.entries.write("Personal", "Before the end.", mood=4)
    await share_with(
        ana, drsmith, role="read", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await drsmith.sync()
    personal = await journal_id(ana, "Personal")
    [held] = [j for j in await drsmith.store.journals() if j.journal_id == personal]
    held_key = await drsmith.replica.journal_key(held, held.epoch)  # drsmith keeps this key

    # Three days on, by every clock: drsmith's signed end date has passed.
    live_server.clock.now += 3 * DAY_MS
    later = live_server.clock.now
    for module in ("replica", "context", "sharing"):
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later)

    # ana renames (or archives) the journal: online, as `tj journal rename` does before its sync.
    if change == "rename":
        renamed = await ana.journals.rename("Personal", "Leaving Tom")
        assert renamed.name == "Leaving Tom"
    else:
        archived = await ana.journals.archive("Personal")
        assert archived.archived

    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(meta,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))
    sealed_under = keys.meta_epoch(meta)
    # What the ex-member (with the server's copy) can open:
    opened = None
    if sealed_under == held.epoch:
        opened = decode_meta(keys.open_journal_meta(held_key, personal, meta))
    assert sealed_under > held.epoch, (
        f"the {change} made after drsmith's end date is sealed under epoch {sealed_under}, "
        f"whose key drsmith holds; he reads: {opened}"
    )
    # The share was ended (signed) and the key rotated before the name was sealed.
    state = ana.replica.chains.state(personal)
    assert state is not None and not state.members and state.epoch == sealed_under


async def test_a_rename_the_device_cannot_seal_safely_is_refused_with_the_reason(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the share cannot be ended first (here `rotate_expired` ends nothing, as when a
    journal's rotation is left to a later sync), the rename is refused with the reason and
    nothing reaches the server: the push's rule, not a name sealed under the ex-member's key."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await ana.entries.write("Personal", "Before the end.", mood=4)
    await share_with(
        ana, drsmith, role="read", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    personal = await journal_id(ana, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(before,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))

    live_server.clock.now += 3 * DAY_MS
    later = live_server.clock.now
    for module in ("replica", "context", "sharing"):
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later)

    async def ends_nothing() -> None:
        return None

    monkeypatch.setattr(ana.replica, "rotate_expired", ends_nothing)
    with pytest.raises(AccessError, match="a member whose share ended holds"):
        await ana.journals.rename("Personal", "Leaving Tom")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(after,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))
    assert after == before
