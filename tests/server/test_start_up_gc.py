"""tj-server freezes what start-up made (`gc.freeze`, issue 10): a full garbage collection
then walks only what was made since, not the ~45,000 start-up objects (a 30-70 ms pause of
the whole process, live notices included, on the 2-core machines); garbage made later is
still collected."""

from __future__ import annotations

import gc
import weakref

from aiohttp import web

from server.__main__ import freeze_start_up_objects


class Node:
    def __init__(self) -> None:
        self.peer: Node | None = None


async def test_start_up_objects_are_frozen_and_later_garbage_is_still_collected() -> None:
    before = gc.get_freeze_count()
    try:
        await freeze_start_up_objects(web.Application())
        assert gc.get_freeze_count() > before
        # A cycle made after start-up is garbage the collector still finds.
        node = Node()
        node.peer = node
        gone = weakref.ref(node)
        del node
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()  # this test process is no server: give its objects back
