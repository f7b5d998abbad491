"""A member's note the server accepted while the share was on, but that the owner's device
pulls only after the share ended, was refused for being past the counters that device had
signed, and its counter then reported withheld at every sync (NU22 C17). Now an owner's device
pulls before it signs an entry that closes or narrows a member's right to write (`ended`,
`removed`, `changed` to read); a counter past a signed write limit is neither delivered nor
withheld; and the member's device lists its own note past that limit as not delivered."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
CLOCKED = ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares", "client_sdk.client")


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> int:
    """The server's clock and the devices' clocks `ms` later (the injectable clocks, no
    waiting); returns the new time."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in CLOCKED:
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    return later


async def shared_until_tomorrow(signup: ClientFactory) -> tuple[Client, Client]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the end date.")
    await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    await ana.sync()
    return ana, tom


async def test_a_note_accepted_before_the_end_date_and_pulled_after_it_reaches_the_owner(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await shared_until_tomorrow(signup)
    note = await tom.notes.add("ana/Personal", "Here is the crisis number for the holidays.")
    assert (await tom.sync()).set_aside == []  # the server accepted it, before the end
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)  # ana's device was offline meanwhile
    report = await ana.sync()
    assert [d.member for d in report.departures] == ["tom"]  # her device signed `ended`
    assert (report.problems, report.withheld) == ([], [])
    assert [n.text for n in await ana.notes.list()] == [note.text]
    personal = await journal_id(ana, "Personal")
    state = ana.replica.chains.current(personal)
    assert [m.username for m in state.ended.values()] == ["tom"]
    # The counters signed take the note in: its device's counter, not the one before it.
    [limits] = [state.write_limits[h] for h in state.ended]
    held = await ana.replica.store.device_counters()
    tom_device = (tom.profile.account_id, tom.profile.device_id)
    assert limits == {tom.profile.device_id: held[personal][tom_device].top()}
    again = await ana.sync()
    assert (again.problems, again.withheld) == ([], [])
    assert [(n.text, n.delivered) for n in await tom.notes.list()] == [(note.text, True)]
    # A second therapist shared later is told of no withheld record on day one.
    jo = await signup("joan")
    await share_with(ana, jo)
    first = await jo.sync()
    assert (first.problems, first.withheld) == ([], [])


async def test_unshare_takes_in_the_note_the_member_pushed_while_the_owner_was_offline(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await ana.sync()
    note = await tom.notes.add("ana/Personal", "See you Thursday.")
    await tom.sync()
    # ana's device has not synced since; the revocation pulls before it signs `removed`.
    assert await ana.shares.revoke("Personal", "tom") == ["Personal"]
    assert [n.text for n in await ana.notes.list()] == [note.text]
    report = await ana.sync()
    assert (report.problems, report.withheld) == ([], [])
    assert [(n.text, n.delivered) for n in await tom.notes.list()] == [(note.text, True)]


async def test_a_note_pushed_while_the_owner_narrows_to_read_is_neither_withheld_nor_delivered(
    through: Through, signup: ClientFactory, hostile: HostileServer,
    live_server: RunningServer, tmp_path: Path,
) -> None:  # fmt: skip
    """The one window an honest server leaves: the member's note reaches the server after
    the owner's laptop pulled and before its rotation (`changed` to read, with counters)
    arrives. The phone, which took the note before the change, claims its counter in its
    own next record. No device reports it withheld; the laptop refuses it (once); the
    member's device lists it not delivered, from the owner-signed chain."""
    laptop = await through("ana")
    tom = await signup("tom")
    await laptop.entries.write("Personal", "Shared.")
    await share_with(laptop, tom, role="annotate")
    await laptop.sync()
    await tom.sync()
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    late: list[str] = []
    try:
        await phone.sync()

        async def note_meanwhile() -> None:
            del hostile.holds["/v1/journals/rotate"]
            late.append((await tom.notes.add("ana/Personal", "One more thing.")).text)
            late.append(
                (await tom.assignments.assign("ana/Personal", "homework", "sleep-diary")).id
            )
            assert (await tom.sync()).set_aside == []  # accepted: the share is on
            await phone.sync()  # takes it under the chain it holds
            await phone.entries.write("Personal", "Written on the phone.")
            await phone.sync()  # its record's seen vector claims tom's counter

        hostile.holds["/v1/journals/rotate"] = note_meanwhile
        await share_with(laptop, tom, role="read")
        assert late  # the note was pushed in the window
        first = await laptop.sync()
        assert first.withheld == []
        assert len(first.problems) == 1  # refused, past the signed counters: said once
        again = await laptop.sync()
        assert (again.problems, again.withheld) == ([], [])
        assert late[0] not in [n.text for n in await laptop.notes.list()]
        assert (await phone.sync()).withheld == []
        await tom.sync()
        [listed] = await tom.notes.list()
        assert (listed.text, listed.delivered) == (late[0], False)
        assert listed.late is not None and "before ana's device took it" in listed.late
        [assigned] = await tom.assignments.list()
        assert (assigned.id, assigned.delivered) == (late[1], False)
        assert late[1] not in [a.id for a in await laptop.assignments.list()]
        jo = await signup("joan")
        await share_with(laptop, jo)
        assert (await jo.sync()).withheld == []
    finally:
        await phone.close()
