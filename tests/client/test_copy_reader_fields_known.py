"""The safety message's "reads only a copy" line names the fields of a field-level share
whose copy this device holds, also once its end date passed (it counts until its owner
ends it: fail closed), never "fields this device has not received" (real server on
loopback, real crypto; the device's clock moved past the end date)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import safety_path
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_lapsed_mood_share_is_named_with_its_fields(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    ends = datetime.now(UTC) + timedelta(days=2)
    await share_with(ana, drlee, only=["mood"], expires_at=ends)
    await ana.sync()
    later = round((ends + timedelta(days=1)).timestamp() * 1000)
    monkeypatch.setattr(safety_path, "now_ms", lambda: later)  # the end date passed
    taken = await ana.measures.take("phq9", [0] * 8 + [1])
    response = await ana.safety.respond(taken.result)
    assert response.copy_readers == ["drlee"]
    line = next(line for line in response.lines if "drlee (" in line)
    # fix26b: a share past its end date is said to count until its owner unshares
    assert "drlee (mood; its end date passed, but it counts until you unshare)" in line, line
    assert "not received" not in line, line
