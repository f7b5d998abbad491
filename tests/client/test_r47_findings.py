"""R47: hostile review of R43 F2 (late records carried), R45 F3 (twin inserts kept once) and
R45 F6 (kept words written anew at a restore pulled). Two devices of one account, a real
server on 127.0.0.1, real crypto. Every `test_r47_...` test here fails on integ5 at 12cc7dd
(see /work/R47-FINDINGS.md)."""

from __future__ import annotations

from client_sdk import Client
from tests.conftest import ClientFactory


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def test_r47_different_sentences_added_apart_then_edited_keep_their_words(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1. The laptop and the phone each add a different sentence at the end of an entry
    before they sync (" I felt calm." / " I felt tired."): two Yjs inserts with the same
    origins and different words, both kept. Later the user adds "very " inside both
    sentences. Yjs splits each insert where "very " goes: the two left pieces " I felt " now
    have the same text and the same origins (a split keeps the left piece's origins), so
    `twin_deletes` takes them for twins and the next owner device that pulls the edit
    deletes one: words the user wrote on purpose, and kept for days, vanish everywhere."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Start.")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Start. I felt calm.")
    await phone.entries.edit(entry.id, body="Start. I felt tired.")
    await settle(laptop, phone)
    merged = (await laptop.entries.get(entry.id)).body
    assert merged == (await phone.entries.get(entry.id)).body
    assert merged.count("I felt") == 2, merged  # both sentences kept, as designed
    edited = merged.replace("calm", "very calm").replace("tired", "very tired")
    await laptop.entries.edit(entry.id, body=edited)
    await settle(laptop, phone)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    assert bodies == [edited, edited], (edited, bodies)
