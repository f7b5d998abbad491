"""NU34 #1: tags settle as a whole list (protocol.md 5), so a tag added on one device while
another removed a different one went with the first device's list. The device whose list was
replaced by a change made without its edit applies its own additions and removals again
(settling.TAG_OPS), as a new edit; a change made after seeing its edit stands, and a whole
list written with `tags=` keeps settling as a whole."""

from __future__ import annotations

from client_sdk import Client
from tests.conftest import ClientFactory


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client, str]:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "Text.", title="Monday", tags=["Sleep"])
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    return laptop, phone, entry.id


async def settle(*devices: Client) -> None:
    for _ in range(3):
        for device in devices:
            await device.sync(strict=True)


async def tags(device: Client, entry_id: str) -> list[str]:
    return list((await device.entries.get(entry_id)).tags)


async def test_an_addition_and_a_concurrent_removal_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["from laptop"])
    await phone.entries.edit(entry, remove_tags=["Sleep"])
    reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
    reports.append(await phone.sync(strict=True))
    again = [s for r in reports for s in r.settled if s.applied_again]
    assert [(s.field, s.kept) for s in again] == [("tags", ["from laptop"])]
    await settle(laptop, phone)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["from laptop"]


async def test_two_concurrent_additions_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["work"])
    await phone.entries.edit(entry, add_tags=["family"])
    await settle(phone, laptop)
    both = await tags(laptop, entry)
    assert both == await tags(phone, entry)
    assert sorted(both) == ["Sleep", "family", "work"]


async def test_a_removal_made_after_seeing_the_addition_stands(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["from laptop"])
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    assert await tags(phone, entry) == ["Sleep", "from laptop"]
    await phone.entries.edit(entry, remove_tags=["from laptop"])  # the phone's choice
    await settle(phone, laptop)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["Sleep"]
    assert not any(s.applied_again for s in (await laptop.sync()).settled)


async def test_a_whole_list_written_with_tags_still_settles_as_a_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, tags=["a", "b"])  # a whole list: no additions kept
    await phone.entries.edit(entry, tags=["c"])
    reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
    reports.append(await phone.sync(strict=True))
    assert not any(s.applied_again for r in reports for s in r.settled)
    await settle(laptop, phone)
    final = await tags(laptop, entry)
    assert final == await tags(phone, entry) and final in (["a", "b"], ["c"])
