"""`SyncReport.unflagged` (an item-9 answer given just after an opt-in made on
another device, which gets no flag) is kept as told only once the sync hands its report
to the app: a server that stalls a request the same sync makes afterwards (the device
list, to name arrivals from another device of the account: the opt-in itself) past the
quick-sync limit cuts the sync off, and the next sync says it, once; `tj sync --watch`
shows a report that says only that.

Real server on 127.0.0.1, a loopback proxy (tests/client/hostile.py) in front of it for
the phone only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from client_sdk import Client, SyncReport
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def answered_after_an_opt_in_elsewhere(
    hostile: HostileServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> Client:
    """maya's phone (through `hostile`), not synced since her tablet opted drsmith in for
    safety flags, answers PHQ-9 item 9 above 0: it knows no opt-in and seals no flag."""
    maya = await signup("maya")  # the laptop (makes Personal)
    drsmith = await signup("drsmith")
    await maya.sync()
    phone = await login_through(hostile, "maya", tmp_path / "phone", device_name="phone")
    await phone.sync()
    await phone.mark_news_seen()
    tablet = await login("maya", device="tablet")  # a device the phone never named
    await tablet.sync()
    phone.devices.look_soon()  # the tablet's sign-in told now (`tj sync --watch` looks too)
    assert [d.name for d in (await phone.sync()).new_devices] == ["tablet"]
    await share_with(tablet, drsmith, role="annotate", safety_flags=True)
    await tablet.sync()
    taken = await phone.measures.take("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 3])
    response = await phone.safety.respond(taken.result)
    assert response.flagged_to == []
    return phone


async def cut_off(hostile: HostileServer, phone: Client) -> None:
    """A sync of `phone` that brings the opt-in, cancelled while the server holds its
    device-list request (what `quick_sync` does after QUICK_SYNC_S): cut as soon as the
    request is held (30 s at most: the requests before it take longer on a loaded machine)."""
    stalled = asyncio.Event()
    held: list[bool] = []

    async def stall() -> None:
        held.append(True)
        limit.reschedule(asyncio.get_running_loop().time())  # the cut, now: it is held
        await stalled.wait()

    hostile.holds["/v1/devices/list"] = stall
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(30) as limit:
            await phone.sync()
    assert held  # cut off while its device-list request was held, not elsewhere
    del hostile.holds["/v1/devices/list"]
    stalled.set()


@pytest.mark.parametrize("cut", [False, True], ids=["control", "cut-off"])
async def test_unflagged_answer_is_told_once_even_when_a_sync_is_cut_off_after_it(
    hostile: HostileServer,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
    cut: bool,
) -> None:
    phone = await answered_after_an_opt_in_elsewhere(hostile, signup, login, tmp_path)
    try:
        told = []
        if cut:
            await cut_off(hostile, phone)
        else:
            told += (await phone.sync()).unflagged
        told += (await phone.sync()).unflagged  # the next sync
        reopened = await type(phone).open(phone.home)  # the next process (`tj sync`)
        try:
            told += (await reopened.sync()).unflagged
        finally:
            await reopened.close()
        assert [u.members for u in told] == [("drsmith",)], told
    finally:
        await phone.close()


async def test_a_watch_shows_a_sync_that_only_says_an_answer_got_no_flag(
    hostile: HostileServer,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tj sync --watch` showed a sync's report only when one of a list of its fields was
    set, `unflagged` not among them: the sync after a cut-off one (nothing sent, nothing
    fetched) said nothing, and the report that carried the answer was marked told."""
    from cli.syncing import watch

    phone = await answered_after_an_opt_in_elsewhere(hostile, signup, login, tmp_path)
    try:
        await cut_off(hostile, phone)
        syncs: list[SyncReport] = []

        async def one_sync(**_: object) -> AsyncIterator[SyncReport]:
            syncs.append(await phone.sync())  # the watch's sync, with the real server
            yield syncs[-1]

        monkeypatch.setattr(phone, "watch", one_sync)
        capsys.readouterr()
        await watch(phone, as_json=False)
        [report] = syncs
        assert (report.pushed, report.pulled, [u.members for u in report.unflagged]) == (
            0,
            0,
            [("drsmith",)],
        )
        shown = capsys.readouterr()
        said = shown.out + shown.err
        assert "drsmith" in said and "no safety flag" in said.lower(), said
    finally:
        await phone.close()
