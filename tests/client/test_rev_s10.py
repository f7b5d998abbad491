"""REV-S10: hostile review of the index of entries (s10). Each test failed on s10 (4c36b2ba)
on the weakness its docstring names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from client_sdk import context, documents, store
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device

T = TypeVar("T")


@pytest.mark.parametrize("n", [40, 200])  # 40: the pairs compared; 200: past COPY_PAIRS_COMPARED
async def test_a_client_cannot_make_the_therapists_indexed_listing_quadratic_in_document_decodes(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    """S10-1. A client (a member, no server needed) shares "Personal" whole and "Other" by
    fields (mood) with her therapist, and writes N entries in each at one same millisecond.
    `Store._dropped_copies` joins every copy with every whole entry of equal created_at and
    calls `same` (which decodes BOTH documents from their states, no view cache, and no
    short-circuit once a copy is known dropped) on all N*N pairs: the indexed listing
    (`tj list`, `entries.list(limit=20)`) costs N*N*2 pycrdt decodes at every call, where
    the full listing (`once_each`, cached views, `any`) costs N. Here N = 200: ~0.007 s against ~2.2 s (N = 120: 0.6 s; quadratic: N = 1,000 is ~1 min at every `tj list`): the indexed
    listing must decode no document again and compare each copy about once (counted)."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.journals.create("Other")
    await share_with(ana, tom, "Personal")
    await share_with(ana, tom, "Other", only=["mood"])
    moment = datetime.now(UTC)  # after the shares (a copy is of entries written since)
    for i in range(n):
        await ana.entries.write("Personal", f"whole {i}", mood=5, created_at=moment)
        await ana.entries.write("Other", f"copy {i}", mood=5 + (i % 2), created_at=moment)
    for _ in range(2):
        await ana.sync()
        await tom.sync()
    whole = await tom.entries.list()  # every view (and warms the view cache)
    await tom.entries.list(limit=20)  # builds the index
    counted = {"decodes": 0, "compared": 0}

    def counting(name: str, real: Callable[..., T]) -> Callable[..., T]:
        def call(*args: Any) -> T:
            counted[name] += 1
            return real(*args)

        return call

    # Counted, not timed (a timed test fails on a loaded machine): the work the listing
    # does, each call still made by the real function.
    # every entry view read, from a state or a document (`documents._view_of`)
    monkeypatch.setattr(documents, "_view_of", counting("decodes", documents._view_of))
    monkeypatch.setattr(context, "same_entry", counting("compared", context.same_entry))
    listed = await tom.entries.list_results(limit=20)
    assert listed.total == len(whole)
    copies = [e for e in whole if "for tom" in e.journal]
    assert len(copies) == n // 2  # the copies of mood 6 are listed, those of mood 5 not
    # The full listing compares each copy with the entries of its moment once each through
    # kept views: n comparisons at most, no document decoded again; the quadratic listing
    # made n * n comparisons, each decoding both documents.
    assert counted["decodes"] == 0, counted
    assert counted["compared"] <= min(n * n // 2, store.COPY_PAIRS_COMPARED) + 2 * n, counted


async def test_a_far_date_bound_lists_with_a_limit_as_without(signup: ClientFactory) -> None:
    """S10-2. `queries.rough_range` adds a day and two days to a `date` bound in a datetime:
    `until=date(9999, 12, 31)` (or a `since` near it) raises OverflowError from
    `entries.list(limit=N)`, `list_results` and so `tj list --until 9999-12-31` (a traceback),
    where the listing without a limit answers (every entry is before it)."""
    bounds = {"until": date(9999, 12, 31)}
    ana = await signup("ana")
    await ana.entries.write(None, "one body", title="one")
    whole = await ana.entries.list(**bounds)
    assert len(whole) == 1
    assert await ana.entries.list(limit=5, **bounds) == whole[:5]


async def test_tj_list_until_the_last_day_answers(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """S10-2, as `tj list` runs it: a traceback (OverflowError) before s10."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Slept badly.")
    listed = await ana.tj("list", "--until", "9999-12-31")
    assert listed.exit_code == 0, (listed.output, listed.exception)
    assert "Slept badly." in listed.stdout
