"""A pull sets the objects that were there before it aside from Python's cycle collector
while it runs (`replica._heap_set_aside`, issue 10), and leaves the collector as it found
it: nothing frozen after it, an application's own frozen objects frozen still."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from client_sdk import replica
from tests.conftest import ClientFactory


async def test_a_pull_sets_the_heap_aside_while_it_runs_and_gives_it_back(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    for i in range(5):
        await laptop.entries.write(None, f"entry {i}")
    await laptop.sync()
    frozen_while: list[int] = []
    pull_pages = replica.Replica._pull_pages

    async def watched(self: replica.Replica, *args: Any) -> None:
        frozen_while.append(gc.get_freeze_count())
        await pull_pages(self, *args)

    monkeypatch.setattr(replica.Replica, "_pull_pages", watched)
    assert gc.get_freeze_count() == 0
    phone = await login("ana")
    report = await phone.sync()
    assert report.pulled >= 5
    assert frozen_while and all(count > 0 for count in frozen_while)
    assert gc.get_freeze_count() == 0  # given back


async def test_a_pull_leaves_an_applications_frozen_objects_frozen(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "entry")
    gc.freeze()  # the application's own
    try:
        await laptop.sync()
        # Still frozen (an unfreeze would leave none; frozen objects freed meanwhile leave
        # the count, so it is not compared with the one before).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_failing_pull_gives_the_heap_back() -> None:
    with pytest.raises(RuntimeError), replica._heap_set_aside():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("the pull failed")
    assert gc.get_freeze_count() == 0
