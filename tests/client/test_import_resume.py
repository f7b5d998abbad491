"""An import stores its items in batches of IMPORT_BATCH, each in one local transaction:
an import interrupted after some batches keeps them, and running it again adds the rest
without a duplicate (`ImportReport.duplicates`), on this device and on another one after a
sync. Real server on loopback, real crypto."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client, portability
from tests.conftest import ClientFactory

IMPORT_BATCH = 40  # the batch size is a constant of the import; a small one keeps this test fast
COUNT = 2 * IMPORT_BATCH + 25  # three batches


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portability, "IMPORT_BATCH", IMPORT_BATCH)


class Interrupted(Exception):
    pass


async def exported(signup: ClientFactory) -> dict[str, Any]:
    ana = await signup("ana")
    for n in range(COUNT):
        await ana.entries.write("Personal", f"Entry {n}.", mood=1 + n % 10)
    return await ana.archive.export_json()


async def bodies(client: Client) -> list[str]:
    """The entries of every journal (an import makes its own: bob's "Personal" stays empty;
    the run that resumes makes another one for the rest, as it never writes into an existing
    journal unless named)."""
    return sorted(entry.body for entry in await client.entries.list())


EXPECTED = sorted(f"Entry {n}." for n in range(COUNT))


async def test_an_interrupted_import_keeps_its_stored_batches_and_resumes_without_duplicates(
    signup: ClientFactory, login: ClientFactory
) -> None:
    data = await exported(signup)
    bob = await signup("bob")

    def progress(done: int, total: int) -> None:
        if done >= 2 * IMPORT_BATCH:  # two batches stored
            raise Interrupted

    with pytest.raises(Interrupted):
        await bob.archive.import_json(data, progress=progress)
    kept = await bodies(bob)
    assert len(kept) == 2 * IMPORT_BATCH and kept == sorted(set(kept))
    report = await bob.archive.import_json(data)
    assert report.duplicates == 2 * IMPORT_BATCH
    assert len(report.entries) == COUNT - 2 * IMPORT_BATCH
    assert await bodies(bob) == EXPECTED
    await bob.sync()
    assert await bob.pending() == 0
    phone = await login("bob")
    await phone.sync()
    assert await bodies(phone) == EXPECTED
