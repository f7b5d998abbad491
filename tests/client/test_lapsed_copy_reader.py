"""A field-level share whose owner-signed end date passed is over: the safety message no
longer names its member as reading a copy, and `default_readers` / `move_set_aside` no
longer count them as a wider reader, by the copy's own verified chain (its membership's
`expires_at`, this device's clock). A share the copy's chain here does not name (a server
may withhold the copy, or serve its chain cut before the grant) still counts:
tests/client/test_set_aside_hidden_copy.py (real server on loopback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk.models import now_ms
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

HOUR_MS = 3600 * 1000


def two_hours_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """This device's clock two hours on: past the end date of the shares below."""
    later = now_ms() + 2 * HOUR_MS
    for module in ("safety_path", "client", "context", "sharing", "replica", "shares"):
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later, raising=False)


async def test_the_safety_message_leaves_out_a_copy_reader_past_the_signed_end_date(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drsmith reads a copy of "Personal"'s moods until an hour from now: a PHQ-9 with item
    9 answered 3 names them as reading a copy (no flag reaches them); two hours on, by the
    end date the owner signed, it names nobody."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    end = datetime.now(UTC) + timedelta(hours=1)
    await share_with(ana, drsmith, only=["mood"], expires_at=end)
    await ana.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [3])
    assert (await ana.safety.respond(taken.result)).copy_readers == ["drsmith"]
    two_hours_later(monkeypatch)
    response = await ana.safety.respond(taken.result)
    assert response.copy_readers == []
    assert not any("reads only a copy" in line for line in response.lines)


async def test_a_set_aside_move_does_not_count_a_copy_reader_past_the_signed_end_date(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drlee read a copy of "Personal"'s words until an hour from now: words written in the
    private "Night" (deleted on the laptop) and set aside on the phone would reach them if
    moved to "Personal" now; two hours on, by the end date the owner signed, nobody."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    end = datetime.now(UTC) + timedelta(hours=1)
    await share_with(ana, drlee, only=["body"], expires_at=end)
    phone = await login("ana")
    await phone.sync()
    await ana.journals.delete("Night", discard_undelivered=True)
    await phone.entries.write("Night", "Only for me.")
    await phone.sync()
    [kept] = await phone.set_aside()
    assert await phone.default_readers(kept.record_id) == ["drlee"]
    two_hours_later(monkeypatch)
    assert await phone.default_readers(kept.record_id) == []
