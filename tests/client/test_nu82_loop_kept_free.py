"""nu82 F7: an SDK read over many entries held the event loop for its whole length (2 s
for a search at 10,000 entries): an app's UI on that loop froze, and so did the live
channel's tasks. `entries.list` (and the trash, and an export) now read entries a piece at
a time (`context.READ_BETWEEN_YIELDS`), letting other tasks run between pieces, and a
search ranks its hits in a worker thread. Real server on 127.0.0.1; how long the loop is
held is measured in bench/, not here."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from client_sdk import Client, search
from client_sdk.context import READ_BETWEEN_YIELDS, Context
from tests.conftest import ClientFactory

ENTRIES = 2 * READ_BETWEEN_YIELDS + 50


def daylio(count: int) -> str:
    rows = ["full_date,date,weekday,time,mood,activities,note_title,note"]
    rows += [
        f"2025-01-{1 + i % 28:02d},x,x,{i % 24:02d}:{i % 60:02d},good,,,day {i}"
        for i in range(count)
    ]
    return "\n".join(rows) + "\n"


async def ticks_seen_while(
    client: Client, call: Any, monkeypatch: pytest.MonkeyPatch, method: str
) -> list[int]:
    """The ticks another task counted, as seen at each call of `Context.<method>` made
    while `call` runs: they grow only if the loop ran that task between them."""
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    seen: list[int] = []
    real = getattr(Context, method)

    def counted(self: Context, *args: Any, **kwargs: Any) -> Any:
        seen.append(ticks)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Context, method, counted)
    task = asyncio.create_task(ticker())
    await call()
    done = True
    await task
    return seen


async def test_listing_many_entries_lets_other_tasks_run_between_pieces(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.archive.import_daylio(daylio(ENTRIES), journal="Personal")
    seen = await ticks_seen_while(ana, ana.entries.list, monkeypatch, "_listed")
    assert len(seen) == ENTRIES
    assert len(set(seen)) >= 3  # the ticker ran between the pieces, not only before them


async def test_a_search_ranks_its_hits_off_the_event_loop(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "Slept badly, then a long walk.")
    ranked_on: list[int] = []
    real = search.rank_entries

    def rank(*args: Any, **kwargs: Any) -> Any:
        ranked_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "rank_entries", rank)
    hits = await ana.entries.search("walk")
    assert [h.entry.body for h in hits] == ["Slept badly, then a long walk."]
    assert ranked_on and ranked_on[0] != threading.get_ident()


async def test_insights_and_their_report_are_computed_off_the_event_loop(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`insights.summary()` and `report_html()` compute over every entry: in a worker
    thread, so an app's loop keeps running (nu82 F7's kind, left by its fix)."""
    from client_sdk import insight_reports

    ana = await signup("ana")
    await ana.entries.write(None, "A long walk.", mood=7)
    threads: list[str] = []
    for name in ("compute_insights", "render_report"):
        real = getattr(insight_reports, name)

        def on_thread(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            threads.append(f"{_name}:{threading.get_ident() != main}")
            return _real(*args, **kwargs)

        monkeypatch.setattr(insight_reports, name, on_thread)
    main = threading.get_ident()
    found = await ana.insights.summary()
    html = await ana.insights.report_html()
    assert found.entries == 1
    assert "<svg" in html
    assert threads == [
        "compute_insights:True",
        "compute_insights:True",
        "render_report:True",
    ]
