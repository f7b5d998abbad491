"""An older account's adopted default journal (default_journal.py) seen by two programs on
one home, and through a stop between a rename and its keeping: the refusal words what the
verified chain shows now (never a rename that was not made), and a rename the user made on
the device keeps the journal the default even if the process stopped right after it."""

from __future__ import annotations

import pytest

from client_sdk import Client, NotFound, keys
from client_sdk.context import Context
from client_sdk.default_journal import DEFAULT_SETTLED
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_default_journal import bodies, upgraded
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.conftest import ClientFactory, RunningServer


async def held_tablet(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Client, Client, Client, bytes]:
    """ana's laptop, drlee, and her tablet updated from an older version, its adoption of
    "Personal" confirmed by a sync (HELD); the journal's id."""
    laptop = await signup("ana")
    drlee = await signup("drlee")
    first = await journal_id(laptop, "Personal")
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await named_by_an_older_sdk(live_server, laptop, first, "Personal")
    tablet = await upgraded(await login("ana", "tablet"))
    await tablet.sync()
    assert await tablet.store.setting(DEFAULT_SETTLED) == f"{first.hex()} held"
    return laptop, drlee, tablet, first


@pytest.mark.parametrize("shared_on", ["laptop", "tablet"])
async def test_a_second_program_refuses_with_the_share_another_program_verified(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    shared_on: str,
) -> None:
    """Program B (an app open for long) on the tablet's home; "Personal" is shared with
    drlee (on the laptop, then program A syncs; or by program A on the tablet), never
    renamed. B's next write naming no journal is refused as shared with drlee, never as
    "renamed since", and drlee reads nothing B wrote after the share."""
    laptop, drlee, tablet, _ = await held_tablet(signup, login, live_server, monkeypatch)
    b = await Client.open(tablet.home)
    try:
        await b.entries.write(None, "B: private, before any share")
        if shared_on == "laptop":
            await share_with(laptop, drlee, "Personal")
            await tablet.sync()
        else:
            await share_with(tablet, drlee, "Personal")
        with pytest.raises(NotFound) as refused:
            await b.entries.write(None, "B: after the share")
        words = str(refused.value)
        assert "is shared with drlee" in words, words
        assert "renamed" not in words
        await b.sync()
    finally:
        await b.close()
        await tablet.close()
    await drlee.sync()
    assert await bodies(drlee, "ana/Personal") == {"B: private, before any share"}


async def test_a_stop_between_a_rename_here_and_its_keeping_keeps_the_default(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tablet's adoption HELD; ana renames "Personal" to "Mine" on the tablet and the
    process stops once the rename is stored, before it is kept as her choice: opened again
    and synced, "Mine" is still her default journal (she renamed it here)."""
    _, _, tablet, first = await held_tablet(signup, login, live_server, monkeypatch)
    home = tablet.home

    class Stop(BaseException):
        pass

    async def stop(self: Context, journal_id: bytes) -> None:
        raise Stop

    real = Context.kept_through_rename
    monkeypatch.setattr(Context, "kept_through_rename", stop)
    with pytest.raises(Stop):
        await tablet.journals.rename("Personal", "Mine")
    await tablet.close()
    monkeypatch.setattr(Context, "kept_through_rename", real)
    tablet = await Client.open(home)
    try:
        await tablet.sync()
        await tablet.entries.write(None, "after the restart")
        assert await bodies(tablet, "Mine") == {"after the restart"}
        assert await tablet.store.setting(DEFAULT_SETTLED) == 1
        assert (await tablet.journals.default()).id == first.hex()
    finally:
        await tablet.close()
