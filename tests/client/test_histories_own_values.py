"""A document's history (`goals.history`, `entries.history`, `safety.history`,
`homework.history`) keeps only the values this device's edits set, never a value another
device wrote that a sync stored while the edit was being saved (nor, as the text this device
wrote, an entry's body, a goal's why or a safety plan's text merged with another device's);
and a deleted check-in, goal
or homework leaves none of its values behind. Real server on 127.0.0.1, real SQLite and
crypto; the sync during the edit is forced by running it from the replica's `load_access`
(which the edit's commit awaits after the edit was made and before its transaction): a
timing hook only."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from client_sdk import Client
from client_sdk.settling import WRITTEN_BODY
from tests.client.test_care import NIGHT
from tests.conftest import ClientFactory


def sync_during_next_save(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next save of `client` sync first, after its edit was made (a live feed's
    sync, another process's, landing meanwhile)."""
    real = client.replica.load_access
    done = False

    async def load_access(*args: Any, **kwargs: Any) -> Any:
        nonlocal done
        if not done:
            done = True
            await client.sync()
        return await real(*args, **kwargs)

    monkeypatch.setattr(client.replica, "load_access", load_access)


async def test_a_goal_edit_keeps_only_its_own_values(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk more", measure="12 sessions")
    await laptop.sync()
    await phone.sync()
    await phone.goals.edit(goal.id, title="phone's title")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.goals.edit(goal.id, target=date(2027, 1, 1))
    monkeypatch.undo()
    assert (await laptop.goals.get(goal.id)).title == "phone's title"  # merged all the same
    assert [(h.field, h.value) for h in await laptop.goals.history(goal.id)] == [
        ("title", "Walk more"),  # given when it was added here
        ("measure", "12 sessions"),
        ("target", "2027-01-01"),
    ]
    await phone.goals.edit(goal.id, title="phone's second title")
    await phone.sync()
    report = await laptop.sync()
    assert not any("phone's title" in s.line() for s in report.settled), report.settled


async def test_an_entry_edit_keeps_only_its_own_values(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "body", title="t0")
    await laptop.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, title="phone's title")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.entries.edit(entry.id, mood=3)
    monkeypatch.undo()
    assert (await laptop.entries.get(entry.id)).title == "phone's title"
    history = [(h.field, h.value) for h in await laptop.entries.history(entry.id)]
    assert ("mood", 3) in history
    assert not any(value == "phone's title" for _, value in history), history


async def test_a_safety_plan_change_keeps_only_its_own_values(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    await laptop.safety.set_plan(emergency_number="112", plan="Call Sam")
    await laptop.sync()
    await phone.sync()
    await phone.safety.set_plan(emergency_number="999 (2)")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.safety.set_plan(crisis_line="0800 laptop")
    monkeypatch.undo()
    history = [(h.field, h.value) for h in await laptop.safety.history()]
    assert ("crisis_line", "0800 laptop") in history
    assert not any(value == "999 (2)" for _, value in history), history


async def test_a_homework_edit_keeps_only_its_own_values(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    added = await laptop.homework.add("sleep-diary", NIGHT, completion="partly")
    await laptop.sync()
    await phone.sync()
    await phone.homework.edit(added.id, completion="fully")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.homework.edit(added.id, values={"comments": "laptop's words"})
    monkeypatch.undo()
    history = [(h.field, h.value) for h in await laptop.homework.history(added.id)]
    given = [(f"values.{k}", v) for k, v in NIGHT.items()] + [("completion", "partly")]
    assert sorted(history[:-1]) == sorted(given), history  # given when it was added here
    assert history[-1] == ("values.comments", "laptop's words"), history


async def test_an_undone_checkin_leaves_the_goal_history(signup: ClientFactory) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Walk more", measure="12 sessions")
    goal = await ana.goals.checkin(goal.id, progress=1, note="first")
    kept = goal.checkins[-1].id
    await ana.goals.edit_checkin(goal.id, kept, note="kept note")
    goal = await ana.goals.checkin(goal.id, progress=2, note="second")
    undone = goal.checkins[-1].id
    await ana.goals.edit_checkin(goal.id, undone, note="my very private note")
    await ana.goals.undo_checkin(goal.id, undone)
    history = [(h.field, h.value) for h in await ana.goals.history(goal.id)]
    assert not any(undone in field for field, _ in history), history
    assert (f"checkin.{kept}.note", "kept note") in history  # the other check-in's stay
    rows = await ana.store.field_writes(bytes.fromhex(goal.id))
    assert not any("my very private note" in value for _, value, _ in rows), rows


async def test_a_deleted_goal_leaves_nothing_in_the_store(signup: ClientFactory) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Walk more", measure="12 sessions", why="because")
    await ana.goals.edit(goal.id, title="secret goal title", why="secret why")
    assert await ana.store.field_writes(bytes.fromhex(goal.id))
    await ana.goals.delete(goal.id)
    assert await ana.store.field_writes(bytes.fromhex(goal.id)) == []


async def test_deleted_homework_leaves_nothing_in_the_store(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    added = await ana.homework.add("sleep-diary", NIGHT, completion="partly")
    await ana.homework.edit(added.id, values={"comments": "very private homework words"})
    await ana.sync()
    await phone.sync()
    await phone.homework.edit(added.id, completion="fully")  # arrives after the delete
    await phone.sync()
    await ana.homework.delete(added.id)
    assert await ana.store.field_writes(bytes.fromhex(added.id)) == []
    await ana.sync()
    await ana.sync()
    assert await ana.store.field_writes(bytes.fromhex(added.id)) == []


def written_text(rows: list[tuple[str, str, int]]) -> Any:
    """The text an edit kept as written by this device (WRITTEN_BODY), or None."""
    return next((json.loads(v) for name, v, _ in rows if name == WRITTEN_BODY), None)


async def test_an_entry_edit_keeps_as_written_only_its_own_text(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "alpha")
    await laptop.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, append="PHONEWORDS")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.entries.edit(entry.id, append="LAPTOPWORDS")
    monkeypatch.undo()
    assert "PHONEWORDS" in (await laptop.entries.get(entry.id)).body  # merged all the same
    rows = await laptop.store.field_writes(bytes.fromhex(entry.id))
    assert written_text(rows) == "alpha LAPTOPWORDS"
    # The phone deletes it for good: the laptop's words are kept for the user, never the
    # words the phone wrote and then deleted.
    await phone.entries.delete(entry.id)
    await phone.entries.empty_trash()
    await phone.sync()
    report = await laptop.sync()
    kept = [o.kept_text for o in report.overtaken]
    assert kept and all("PHONEWORDS" not in k for k in kept), kept
    assert any("LAPTOPWORDS" in k for k in kept), kept


async def test_a_goal_edit_keeps_as_written_only_its_own_why(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk more", why="base")
    await laptop.sync()
    await phone.sync()
    await phone.goals.edit(goal.id, why="base PHONEWHY")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.goals.edit(goal.id, why="LAPTOPWHY base")
    monkeypatch.undo()
    assert "PHONEWHY" in ((await laptop.goals.get(goal.id)).why or "")
    rows = await laptop.store.field_writes(bytes.fromhex(goal.id))
    assert written_text(rows) == "LAPTOPWHY base"


async def test_a_safety_plan_change_keeps_as_written_only_its_own_text(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    await laptop.safety.set_plan(emergency_number="112", plan="Call Sam")
    await laptop.sync()
    await phone.sync()
    await phone.safety.set_plan(plan="Call Sam PHONEPLAN")
    await phone.sync()
    sync_during_next_save(laptop, monkeypatch)
    await laptop.safety.set_plan(plan="LAPTOPPLAN Call Sam")
    monkeypatch.undo()
    assert "PHONEPLAN" in (await laptop.safety.plan()).plan
    found = await laptop.safety._plan_document(await laptop.safety._local_journal(None))
    assert found is not None
    rows = await laptop.store.field_writes(found.doc_id)
    assert written_text(rows) == "LAPTOPPLAN Call Sam"


async def test_a_checkin_undone_on_another_device_leaves_the_goal_history(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk more")
    goal = await laptop.goals.checkin(goal.id, progress=1, note="first")
    kept = goal.checkins[-1].id
    await laptop.goals.edit_checkin(goal.id, kept, note="kept note")
    goal = await laptop.goals.checkin(goal.id, progress=2, note="second")
    undone = goal.checkins[-1].id
    await laptop.goals.edit_checkin(goal.id, undone, note="my very private note")
    await laptop.sync()
    await phone.sync()
    await phone.goals.edit(goal.id, title="Walk more often")  # compared at the next sync
    await phone.sync()
    await laptop.sync()  # the laptop's writes are compared (no longer unsynced)
    await phone.goals.undo_checkin(goal.id, undone)
    await phone.sync()
    await laptop.sync()
    assert [c.id for c in (await laptop.goals.get(goal.id)).checkins] == [kept]
    history = [(h.field, h.value) for h in await laptop.goals.history(goal.id)]
    assert not any(undone in field for field, _ in history), history
    assert (f"checkin.{kept}.note", "kept note") in history
    rows = await laptop.store.field_writes(bytes.fromhex(goal.id))
    assert not any("my very private note" in value for _, value, _ in rows), rows


async def test_an_entry_and_homework_deleted_on_another_device_leave_no_history(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "body", title="t0")
    await laptop.entries.edit(entry.id, title="my private title")
    added = await laptop.homework.add("sleep-diary", NIGHT, completion="partly")
    await laptop.homework.edit(added.id, values={"comments": "very private homework words"})
    await laptop.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, mood=2)  # so that the laptop's writes are compared
    await phone.homework.edit(added.id, completion="fully")
    await phone.sync()
    await laptop.sync()
    await phone.entries.delete(entry.id)
    await phone.entries.empty_trash()
    await phone.homework.delete(added.id)
    await phone.sync()
    await laptop.sync()
    assert await laptop.store.field_writes(bytes.fromhex(entry.id)) == []
    assert await laptop.store.field_writes(bytes.fromhex(added.id)) == []
