"""REV-CARE4 (/work/REV-CARE4-FINDINGS.md), fixed: the unseen-news setting
(`Client.unseen_news`, `mark_news_seen`) read strictly and changed in one transaction. The
reviewer's tests, rewritten to the fixed outcome."""

from __future__ import annotations

import asyncio
import json

import pytest

from client_sdk.client import UNSEEN_NEWS, Client
from client_sdk.store import Transaction
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def _shared(signup: ClientFactory) -> tuple[Client, Client]:
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    await drruiz.sync()
    await drruiz.mark_news_seen()
    return hugo, drruiz


FULL = {"withdrawn": False, "own": False, "change": "", "journal": "", "renamed_from": ""}


@pytest.mark.parametrize(
    "bad",
    [
        {"count": "1", "kind": "entry", "new": True, "source": "hugo", **FULL},
        {**FULL, "count": 1, "kind": "journal", "new": True, "source": "", "journal": ["x"]},
        {"count": -3, "kind": "entry", "new": True, "source": "hugo", **FULL},
        {"count": 0, "kind": "entry", "new": True, "source": "hugo", **FULL},
        {"count": True, "kind": "entry", "new": True, "source": "hugo", **FULL},
        {"count": 1, "kind": "entry", "new": True, "source": "hugo"},  # fields missing
    ],
    ids=["count in words", "name a list", "negative", "zero", "bool count", "fields missing"],
)
async def test_a_setting_of_another_form_is_dropped_never_an_error(
    signup: ClientFactory, bad: dict[str, object]
) -> None:
    """F2: an item of another form (another version's, a hand edit) raised TypeError at
    every later sync with news, or in `mark_news_seen`, or was said as "-3 new entries":
    items are read only when every field has its type and the count is above 0."""
    hugo, drruiz = await _shared(signup)
    good = {"count": 2, "kind": "entry", "new": True, "source": "gina", **FULL}
    await drruiz.store.put_setting(UNSEEN_NEWS, json.dumps([bad, good]))
    assert [str(n) for n in await drruiz.unseen_news()] == ["2 new entries from gina"]
    await hugo.entries.write("Personal", "Bad night.", mood=2)
    await hugo.sync()
    await drruiz.sync()
    told = [str(n) for n in await drruiz.unseen_news()]
    assert told == ["2 new entries from gina", "1 new entry from hugo"]
    await drruiz.mark_news_seen(await drruiz.unseen_news())
    assert await drruiz.unseen_news() == []


async def test_a_mark_during_a_syncs_change_of_the_news_waits_for_it(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3: the sync's read-merge-write and the mark's read-subtract-write were separate
    statements: a `tj sync` marking what it showed while another command's quick sync
    merged its news brought the shown news back as "Earlier". Each is one transaction now:
    the mark waits for the sync's, and takes off exactly what was shown."""
    hugo, drruiz = await _shared(signup)
    await hugo.entries.write("Personal", "One.", mood=4)
    await hugo.sync()
    await drruiz.sync()  # a quick sync: "1 new entry from hugo" kept
    shown = await drruiz.unseen_news()
    assert [str(n) for n in shown] == ["1 new entry from hugo"]

    await hugo.goals.add("Walk")
    await hugo.sync()
    real = Transaction.setting
    inside = asyncio.Event()
    go_on = asyncio.Event()

    async def slow_setting(self: Transaction, name: str, default: object = None) -> object:
        value = await real(self, name, default)
        if name == UNSEEN_NEWS and not inside.is_set():
            inside.set()
            await go_on.wait()  # the other process tries here
        return value

    monkeypatch.setattr(Transaction, "setting", slow_setting)
    syncing = asyncio.create_task(drruiz.sync())
    await asyncio.wait_for(inside.wait(), 10)  # the news changed in a transaction
    marking = asyncio.create_task(drruiz.mark_news_seen(shown))  # `tj sync` showed it
    await asyncio.sleep(0.2)
    assert not marking.done()  # it waits for the sync's transaction
    go_on.set()
    await syncing
    await marking
    assert [str(n) for n in await drruiz.unseen_news()] == ["1 new goal from hugo"]
