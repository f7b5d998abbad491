"""Where a Day One or Daylio file goes (real server, real crypto): a new journal unless the
user names one, and a journal `Journals.create` hands back that is not one to import into
(made meanwhile on another device: a read-only copy here) is passed over for the next name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ClientFactory

DAYONE = Path(__file__).parent.parent / "fixtures" / "foreign" / "dayone-journal.json"


async def test_the_default_makes_a_new_journal_and_a_named_one_receives_it(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Day One")
    data = json.loads(DAYONE.read_text())
    report = await ana.archive.import_dayone(data)
    assert report.created_journals == ["Day One (imported)"]
    assert await ana.entries.list("Day One") == []
    named = await ana.archive.import_dayone(data, journal="Day One")  # held already
    assert named.created_journals == [] and named.entries == {}
    assert named.journals == {"imported": (await ana.journals.get("Day One")).id}
    again = await ana.archive.import_dayone(data)
    assert again.created_journals == [] and again.held_in == {
        "Day One (imported)": {"entries": len(report.entries)}
    }


async def test_a_journal_create_hands_back_that_is_no_target_is_passed_over(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Old")
    await laptop.sync()
    await phone.sync()
    await phone.journals.delete("Old")
    await phone.sync()
    await laptop.sync()
    [old] = [j for j in await laptop.journals.list() if j.name == "Old"]
    assert old.read_only_copy
    real = laptop.archive.journals._create
    handed: list[str] = []

    async def create(name: str, *args: Any, **kwargs: Any) -> Any:
        if not handed:  # as if another device had made it meanwhile: the copy comes back
            handed.append(name)
            return old, False
        return await real(name, *args, **kwargs)

    monkeypatch.setattr(laptop.archive.journals, "_create", create)
    report = await laptop.archive.import_dayone(json.loads(DAYONE.read_text()), journal="Mine")

    assert handed == ["Mine"]
    assert report.imported_as == {"Mine": "Mine (imported)"}
    assert report.created_journals == ["Mine (imported)"]
    assert len(await laptop.entries.list("Mine (imported)")) == len(report.entries) > 0
