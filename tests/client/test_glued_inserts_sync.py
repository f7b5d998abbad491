"""Two devices' words inserted at one place, glued by the merge, kept apart by one space that
both devices write and the twin rule keeps once (`glued_inserts`, protocol.md §5 rule 2).
Two devices of one account, a real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client
from client_sdk.twin_inserts import _touched
from client_sdk.yjs_updates import decode
from tests.conftest import ClientFactory


async def _settle(*devices: Client) -> int:
    """Sync every device until a round pushes nothing; returns how many records were pushed
    in all (fails if the devices keep writing)."""
    pushed = 0
    for _ in range(6):
        round_pushed = 0
        for device in devices:
            round_pushed += (await device.sync()).pushed
        pushed += round_pushed
        if not round_pushed:
            return pushed
    raise AssertionError("the devices never stop writing")


@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone", "apart"),
    [
        (  # NU27 C2: a text of one sentence rewritten on both ("...now.Work still...")
            "Work is hard.",
            "Work is fine now.",
            "Work still worries me.",
            {
                "Work is fine now. Work still worries me.",
                "Work still worries me. Work is fine now.",
            },
        ),
        (  # the CI example of the R49 property ("UuXx ba.")
            "Aa ab ba.",
            "Xx ba.",
            "Uu ab ba.",
            {"Uu Xx ba.", "Xx ba. Uu"},
        ),
    ],
)
async def test_two_devices_glued_inserts_converge_to_one_separator(
    signup: ClientFactory,
    login: ClientFactory,
    old: str,
    on_laptop: str,
    on_phone: str,
    apart: set[str],
) -> None:
    """The laptop and the phone each edit an entry before either synced; their inserts are at
    the same place and Yjs puts them one straight after the other. Both devices pull the
    other's edit at the same time (each before the other's separator): each writes a space
    between them, under a fresh client id; those two spaces are twins, of which the next
    pull deletes one. Both then read the two texts apart by exactly one space, and further
    syncs write nothing."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, old)
    await _settle(laptop, phone)
    await laptop.entries.edit(entry.id, body=on_laptop)
    await phone.entries.edit(entry.id, body=on_phone)
    await laptop.sync()  # pushes the laptop's edit
    await phone.sync()  # pushes the phone's, pulls the laptop's: a space, pushed
    await laptop.sync()  # pulls the phone's edit (and space): its own space, then the twins
    await _settle(laptop, phone)
    bodies = [(await device.entries.get(entry.id)).body for device in (laptop, phone)]
    assert bodies[0] == bodies[1], bodies
    assert bodies[0] in apart, bodies[0]
    assert await _settle(laptop, phone) == 0  # no loop: nothing more to write


async def test_both_devices_write_a_separator_at_once_and_keep_one(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both devices hold the glued merge before either has the other's separator: the laptop
    pulls the phone's edit and writes its space, but its connection is lost before it pushes
    it (its pushes after the pull do nothing in that sync); the phone then pulls the laptop's
    edit and writes its own space. Two spaces, twins (same origins, same text, two fresh
    client ids): the next pulls delete one, and both devices read one space."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Work is hard.")
    await _settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Work is fine now.")
    await phone.entries.edit(entry.id, body="Work still worries me.")
    await laptop.replica.push_outbox()
    await phone.replica.push_outbox()

    async def offline(*args: object, **kwargs: object) -> None:
        return None

    with monkeypatch.context() as patch:
        patch.setattr(laptop.replica, "_push", offline)
        await laptop.sync()  # pulls the phone's edit, writes a space, pushes nothing
    assert await laptop.replica.store.outbox_size() == 1  # the laptop's space, waiting
    await phone.sync()  # pulls the laptop's edit: writes its own space and pushes it
    await _settle(laptop, phone)
    bodies = [(await device.entries.get(entry.id)).body for device in (laptop, phone)]
    assert bodies[0] == bodies[1], bodies
    assert bodies[0] in (
        "Work is fine now. Work still worries me.",
        "Work still worries me. Work is fine now.",
    )
    assert await _settle(laptop, phone) == 0
    for device in (laptop, phone):  # two spaces were written, one is kept
        stored = await device.replica.store.document(bytes.fromhex(entry.id))
        assert stored is not None
        structs, deletes = decode(stored.state)
        (kept,) = [s for s in structs if s.text == " " and s.clock == 0]
        assert not _touched(deletes.get(kept.client, []), 0, 1)
        twins = [  # the other space: deleted (its content is not held any more)
            s
            for s in structs
            if (s.clock, s.length, s.origin, s.right_origin)
            == (0, 1, kept.origin, kept.right_origin)
        ]
        assert len(twins) == 2, twins
        (deleted,) = [s for s in twins if s is not kept]
        assert deleted.gone and deleted.client > kept.client  # the lowest client's is kept


async def test_a_goals_why_rewritten_on_two_devices_is_kept_apart(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Every text of a document the owner created, not only an entry's body: a goal's
    `why` of one sentence rewritten on both devices reads the two apart."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk", why="It helps.")
    await _settle(laptop, phone)
    await laptop.goals.edit(goal.id, why="It clears my head.")
    await phone.goals.edit(goal.id, why="My sleep gets better.")
    await _settle(laptop, phone)
    whys = [(await device.goals.get(goal.id)).why for device in (laptop, phone)]
    assert whys[0] == whys[1]
    assert whys[0] in (
        "It clears my head. My sleep gets better.",
        "My sleep gets better. It clears my head.",
    ), whys[0]
