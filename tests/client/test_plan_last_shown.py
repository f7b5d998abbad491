"""`Safety.last_shown`: the version of the safety plan this device last showed
(`mark_shown`) or wrote (`set_plan`, `copy_plan`), whatever syncs ran since, so that a change
made on another device is told before a change here replaces it (fix30b 3). Real server on
loopback, real crypto."""

from __future__ import annotations

from tests.conftest import ClientFactory


async def test_the_version_last_shown_or_written_outlives_syncs(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    assert await laptop.safety.last_shown() is None
    await laptop.safety.set_plan(emergency_number="111", plan="Old plan.")
    mine = await laptop.safety.plan()
    assert await laptop.safety.last_shown() == mine.version
    await laptop.sync()
    await phone.sync()
    assert await phone.safety.last_shown() is None  # never shown there
    await phone.safety.mark_shown(await phone.safety.plan())
    assert await phone.safety.last_shown() == mine.version
    await laptop.safety.set_plan(plan="New plan.")
    await laptop.sync()
    await phone.sync()
    await phone.sync()
    now = await phone.safety.plan()
    assert now.plan == "New plan." and now.version != await phone.safety.last_shown()
    await phone.safety.set_plan(share_flags=True)  # the opt-in alone: no version written
    assert await phone.safety.last_shown() == mine.version
    await laptop.journals.create("Work")
    await laptop.safety.copy_plan("Personal", journal="Work")
    copied = await laptop.safety.plan("Work")
    assert await laptop.safety.last_shown("Work") == copied.version == now.version
