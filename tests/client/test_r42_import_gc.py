"""R42 (hostile review of issue 10, p15-import): `tj import` calls gc.freeze() and never
gc.unfreeze(). Run in a process that lives on after the command (click's CliRunner, as this
test suite and any app or service embedding `cli.main` does), every object alive at that
moment stays in the collector's permanent generation for good: a reference cycle among them
that becomes garbage later (a decrypted entry, a key held by an object graph) is never
collected."""

from __future__ import annotations

import gc
import weakref

from tests.test_cli import Device, laptop  # noqa: F401  (fixture)
from tests.test_cli_import_foreign import DAYONE


class Secret:
    """Stands for an object graph holding plaintext: a reference cycle."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.me = self


async def test_r42_tj_import_leaves_the_collector_as_it_found_it(
    laptop: Device,  # noqa: F811
) -> None:
    assert gc.get_freeze_count() == 0
    secret = Secret("a decrypted entry body")
    gone = weakref.ref(secret)
    try:
        imported = await laptop.ok("import", DAYONE)
        assert "Imported 2 entries" in imported.stdout
        frozen = gc.get_freeze_count()
        del secret
        gc.collect()
        collected = gone() is None
    finally:
        gc.unfreeze()  # the rest of the suite runs with a collector that collects
    # expected: nothing left frozen, and the cycle dropped after the import collected
    assert (frozen, collected) == (0, True), (frozen, collected)
