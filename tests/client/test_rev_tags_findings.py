"""Review of the tag edits applied again (settling.TAG_OPS, `apply_tags_again_after_sync`):
findings, each a test (a strict xfail until fixed) against the real server with real crypto.
Which of two concurrent Yjs writes wins is decided by random client ids (protocol.md 5 rule
3), so each test tries fresh entries until the losing order shows, and fails at the first one
that loses a change."""

from __future__ import annotations

import pytest

from client_sdk import Client
from tests.client.hostile import HostileServer, Through, refuse_pushes
from tests.client.tags_support import ATTEMPTS, settle, tags
from tests.conftest import ClientFactory


async def fresh_entry(laptop: Client, phone: Client, *, n: int) -> str:
    entry = await laptop.entries.write(None, "Text.", title=f"Day {n}", tags=["Sleep"])
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    return entry.id


async def test_a_tag_removed_after_seeing_it_is_not_added_back_by_a_later_edit(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["x"])
        await laptop.sync(strict=True)  # pushed: the phone sees 'x'
        await phone.sync(strict=True)
        assert await tags(phone, entry) == ["Sleep", "x"]
        await laptop.entries.edit(entry, add_tags=["y"])  # offline: a second edit
        await phone.entries.edit(entry, remove_tags=["x"])  # after seeing 'x': its choice
        await phone.sync(strict=True)
        await laptop.sync(strict=True)
        await settle(phone, laptop)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert "x" not in final, f"attempt {n}: 'x', removed after it was seen, came back"


async def test_an_addition_applied_again_survives_another_concurrent_change(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    for n in range(ATTEMPTS * 2):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["L"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await phone.sync(strict=True)
        report = await laptop.sync(strict=True)  # may apply 'L' again, sent next sync
        await phone.entries.edit(entry, add_tags=["P"])  # the phone, still offline
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        again = any(s.applied_again for s in report.settled)
        assert sorted(final) == ["L", "P"], f"attempt {n} (applied again: {again}): {final}"


async def test_a_push_that_waits_after_the_pull_still_applies_the_tags_again(
    hostile: HostileServer,
    through: Through,
    login: ClientFactory,
) -> None:
    laptop = await through("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["from laptop"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await phone.sync(strict=True)
        armed = refuse_pushes(hostile)
        await laptop.sync()  # pulls the phone's change; its own push is refused (429)
        armed[0] = False
        del hostile.forward  # the class's: forwards every push again
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert final == ["from laptop"], f"attempt {n}: {final}"


async def test_a_tag_removed_after_seeing_it_stays_removed_after_a_mood_edit(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    entry = await fresh_entry(laptop, phone, n=0)
    await laptop.entries.edit(entry, add_tags=["x"])
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    assert await tags(phone, entry) == ["Sleep", "x"]
    await laptop.entries.edit(entry, mood=3)  # offline: the tags untouched
    await phone.entries.edit(entry, remove_tags=["x"])  # after seeing 'x': the phone's choice
    await phone.sync(strict=True)
    report = await laptop.sync(strict=True)
    await settle(phone, laptop)
    assert not any(s.applied_again for s in report.settled)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["Sleep"]


async def test_a_third_device_that_never_saw_the_addition_does_not_drop_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    tablet = await login("ana", "tablet")
    for n in range(ATTEMPTS):
        entry = await laptop.entries.write(None, "Text.", title=f"Day {n}", tags=["Sleep"])
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        await tablet.sync(strict=True)
        await laptop.entries.edit(entry.id, add_tags=["x"])
        await phone.entries.edit(entry.id, remove_tags=["Sleep"])  # offline: never saw 'x'
        await laptop.sync(strict=True)
        await tablet.sync(strict=True)
        await tablet.entries.edit(entry.id, mood=4)  # after seeing 'x'
        await tablet.sync(strict=True)
        await laptop.sync(strict=True)  # the tablet's record holds the laptop's edit
        await phone.sync(strict=True)
        await settle(laptop, phone, tablet)
        final = await tags(laptop, entry.id)
        assert final == await tags(phone, entry.id) == await tags(tablet, entry.id)
        assert final == ["x"], f"attempt {n}: {final}"


class Crash(BaseException):
    """The process ending (killed, power lost) at this point of the sync."""


async def test_a_crash_before_the_tags_are_applied_again_loses_nothing(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import client_sdk.entries as entries_module

    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    crashed = 0

    async def crash(*args: object) -> bool:
        raise Crash

    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["from laptop"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await phone.sync(strict=True)
        monkeypatch.setattr(entries_module, "_apply_tags_again", crash)
        try:
            await laptop.sync(strict=True)
        except Crash:
            crashed += 1
        monkeypatch.undo()
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert final == ["from laptop"], f"attempt {n} (crashed: {crashed}): {final}"


async def test_the_applied_again_line_does_not_offer_to_undo_the_other_devices_removal(
    signup: ClientFactory, login: ClientFactory
) -> None:
    from cli.output import add_back_command

    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["from laptop"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
        reports.append(await phone.sync(strict=True))
        for settled in [s for r in reports for s in r.settled if s.applied_again]:
            assert settled.kept == ["from laptop"]
            assert add_back_command(settled) == "", settled.line(add_back=add_back_command(settled))
        await settle(laptop, phone)
