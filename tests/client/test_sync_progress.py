from __future__ import annotations

import pytest

from client_sdk import SyncProgress
from tests.conftest import BACKENDS, ClientFactory

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def test_sync_reports_progress_of_push_and_pull_until_complete(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    for index in range(1200):
        await laptop.entries.write(None, f"entry {index}")
    pushes: list[SyncProgress] = []
    await laptop.sync(pushes.append)
    assert [p.pushed for p in pushes if p.pushed][:3] == [500, 1000, 1200]
    assert pushes[-1].pushed == pushes[-1].to_push == 1200

    phone = await login("ana")
    pulls: list[SyncProgress] = []
    report = await phone.sync(pulls.append)
    assert report.pulled == 1200
    fractions = [p.pull_fraction for p in pulls]
    assert len(fractions) >= 2, "a pull of 1200 records takes more than one page"
    assert fractions == sorted(fractions) and 0 < fractions[0] < 1 and fractions[-1] == 1.0
