"""Two devices of one account change the same goal, check-in and safety plan fields while
apart: the merge keeps one value everywhere (the Yjs client ids decide, as for an entry's
fields), and the device whose value lost is told, in `SyncReport.settled` and its lines,
with its own value quoted and kept in the document's history (`goals.history`,
`safety.history`); the device whose value was kept is told nothing. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

from datetime import date
from typing import Any

from client_sdk import Client, Settled
from tests.client.test_care import NIGHT
from tests.conftest import ClientFactory

Told = tuple[str, str, Any, Any]  # (kind, field, mine, kept)


async def settle(**devices: Client) -> dict[str, list[Settled]]:
    """Sync each device in turn, twice; what each (by name) was told settled."""
    told: dict[str, list[Settled]] = {name: [] for name in devices}
    for _ in range(2):
        for name, device in devices.items():
            told[name] += (await device.sync()).settled
    return told


async def test_goal_check_in_and_safety_plan_fields_settled_are_told_where_they_lost(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk more", measure="12 sessions")
    goal = await laptop.goals.checkin(goal.id, progress=1, note="first walk")
    checkin = goal.checkins[-1].id
    await laptop.safety.set_plan(emergency_number="112", plan="Call Sam")
    await settle(laptop=laptop, phone=phone)

    # each device changes the same fields, apart
    await laptop.goals.edit(goal.id, title="Walk daily", target=date(2027, 3, 5), measure="percent")
    await laptop.goals.edit_checkin(goal.id, checkin, progress=9, note="laptop note")
    await laptop.safety.set_plan(emergency_number="999 (1)")
    await phone.goals.edit(
        goal.id, title="Walk often", target=date(2026, 12, 15), measure="20 sessions"
    )
    await phone.goals.edit_checkin(goal.id, checkin, progress=5, note="phone note")
    await phone.safety.set_plan(emergency_number="111 (2)")
    told = await settle(phone=phone, laptop=laptop)

    # one value everywhere
    on_laptop, on_phone = await laptop.goals.get(goal.id), await phone.goals.get(goal.id)
    assert on_laptop.to_dict() == on_phone.to_dict()
    plan = (await laptop.safety.plan()).emergency_number
    assert plan == (await phone.safety.plan()).emergency_number

    values = {
        "laptop": {
            "goal": {
                "title": "Walk daily",
                "target": "2027-03-05",
                "measure": "percent",
                f"checkin.{checkin}.progress": 9,
                f"checkin.{checkin}.note": "laptop note",
            },
            "safety_plan": {"emergency_number": "999 (1)"},
        },
        "phone": {
            "goal": {
                "title": "Walk often",
                "target": "2026-12-15",
                "measure": "20 sessions",
                f"checkin.{checkin}.progress": 5,
                f"checkin.{checkin}.note": "phone note",
            },
            "safety_plan": {"emergency_number": "111 (2)"},
        },
    }
    [kept_checkin] = on_laptop.checkins
    now: dict[str, dict[str, Any]] = {
        "goal": {
            "title": on_laptop.title,
            "target": on_laptop.target.isoformat() if on_laptop.target else None,
            "measure": str(on_laptop.measure) if on_laptop.measure else None,
            f"checkin.{checkin}.progress": kept_checkin.progress,
            f"checkin.{checkin}.note": kept_checkin.note,
        },
        "safety_plan": {"emergency_number": plan},
    }
    expected: dict[str, list[Told]] = {"laptop": [], "phone": []}
    for kind, fields in now.items():
        for field, kept in fields.items():
            assert kept in (values["laptop"][kind][field], values["phone"][kind][field])
            for name in ("laptop", "phone"):
                mine = values[name][kind][field]
                if mine != kept:  # this device's value lost: it is told
                    expected[name].append((kind, field, mine, kept))
    assert sum(len(found) for found in expected.values()) == 6  # each field lost somewhere
    assert {
        name: sorted((s.kind, s.field, s.mine, s.kept) for s in found)
        for name, found in told.items()
    } == {name: sorted(found) for name, found in expected.items()}

    for name, device in (("laptop", laptop), ("phone", phone)):
        # what this device wrote, the lost values included, is in the document's history
        history = {(w.kind, w.field, repr(w.value)) for w in await device.goals.history(goal.id)}
        history |= {(w.kind, w.field, repr(w.value)) for w in await device.safety.history()}
        for kind, fields in values[name].items():
            for field, value in fields.items():
                assert (kind, field, repr(value)) in history
        for settled in told[name]:
            line = settled.line()
            assert line.startswith("Settled: ") and repr(settled.mine) in line
            if settled.kind == "safety_plan":
                assert line.startswith(
                    "Settled: the emergency number of the safety plan of Personal was changed "
                    "on another device; it is "
                )
                assert line.endswith(
                    f"This device had {settled.mine!r}: the safety plan's history keeps it."
                )
            assert settled.entry_id == "" and settled.doc_id in (goal.id, settled.doc_id)
            assert settled.to_dict()["kind"] == settled.kind


async def test_a_plan_changed_on_one_device_only_settles_nothing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A change only one device made is no conflict: nobody is told, the value stands, and
    only the device that wrote it has it in its history."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk more")
    await laptop.safety.set_plan(emergency_number="112")
    await settle(laptop=laptop, phone=phone)
    await phone.safety.set_plan(emergency_number="999")
    await phone.goals.edit(goal.id, title="Walk daily")
    told = await settle(phone=phone, laptop=laptop)
    assert told == {"laptop": [], "phone": []}
    assert (await laptop.safety.plan()).emergency_number == "999"
    assert [(w.field, w.value) for w in await phone.safety.history()] == [
        ("emergency_number", "999")
    ]
    assert [(w.field, w.value) for w in await phone.goals.history(goal.id)] == [
        ("title", "Walk daily")
    ]
    # it made them: the values it gave then, no change of them
    assert [(w.field, w.value) for w in await laptop.safety.history()] == [
        ("emergency_number", "112")
    ]
    assert [(w.field, w.value) for w in await laptop.goals.history(goal.id)] == [
        ("title", "Walk more")
    ]


async def test_homework_values_edited_on_two_devices_are_told_where_they_lost(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Each edit writes homework's whole map of values, so the kept map holds one device's
    edit only: the other device is told of each of its values that went, and keeps it."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    added = await laptop.homework.add("sleep-diary", NIGHT, completion="partly")
    await settle(laptop=laptop, phone=phone)
    await laptop.homework.edit(added.id, values={"awakenings": 5}, completion="fully")
    await phone.homework.edit(added.id, values={"comments": "Woke at 3"}, completion="not done")
    told = await settle(phone=phone, laptop=laptop)
    kept = await laptop.homework.get(added.id)
    assert kept.to_dict() == (await phone.homework.get(added.id)).to_dict()
    if kept.completion == "fully":  # the laptop's map was kept: the phone's edit went
        loser, expected = (
            "phone",
            [
                ("completion", "not done", "fully"),
                ("values.comments", "Woke at 3", None),
            ],
        )
        assert kept.values["awakenings"] == 5 and "comments" not in kept.values
    else:
        loser, expected = (
            "laptop",
            [("completion", "fully", "not done"), ("values.awakenings", 5, 2)],
        )
        assert kept.values["comments"] == "Woke at 3" and kept.values["awakenings"] == 2
    winner = "laptop" if loser == "phone" else "phone"
    assert told[winner] == []
    assert sorted((s.field, s.mine, s.kept) for s in told[loser]) == expected
    assert all(s.kind == "homework" and s.doc_id == added.id for s in told[loser])
    lines = [s.line() for s in told[loser]]
    assert any(  # NU57 #8: the other device's whole edit won, said as such
        line.startswith("Settled: another device's edit of homework ")
        and "was kept whole (an edit writes every value); the completion is " in line
        for line in lines
    )
    device = laptop if loser == "laptop" else phone
    history = {(w.field, repr(w.value)) for w in await device.homework.history(added.id)}
    assert {(field, repr(mine)) for field, mine, _ in expected} <= history
