"""A field-level share counts as a reader of its journal until its owner signs its end in the
journal's own chain (`limited_removed`, which `shares.revoke` / `tj unshare` signs), whatever
the copy's chain shows: a signed end date passed there, or an `ended` entry, may be followed by
the owner's renewal or re-grant, which a server can withhold from one device (a chain's prefix
is all it must serve). So the safety message's "reads only a copy" line, `default_readers` and
the set-aside move's refusal keep the reader (fail closed) until the owner ends the share
(real server on loopback; the hostile tests behind a rewriting proxy)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

HOUR_MS = 3600 * 1000
CHAIN_PATHS = ("/v1/journals/list", "/v1/journals/access")


def two_hours_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """This device's clock two hours on: past the first end date of the shares below."""
    later = now_ms() + 2 * HOUR_MS
    for module in ("safety_path", "client", "context", "sharing", "replica", "shares"):
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later, raising=False)


def replay(proxy: HostileServer) -> None:
    """From now on, answer the chain requests as last answered (before the owner's renewal)."""
    old = {path: proxy.replies_to(path)[-1] for path in CHAIN_PATHS}
    for path, reply in old.items():
        proxy.replies[path] = lambda body, real, reply=reply: reply


async def test_a_copy_reader_past_the_signed_end_date_counts_until_the_owner_ends_the_share(
    signup: ClientFactory,
) -> None:
    """drsmith reads a copy of "Personal"'s moods until an hour from now: two hours on, the
    safety message still names them as reading only a copy (a renewal could be one this
    device was not served); once ana ends the share, nobody."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    end = datetime.now(UTC) + timedelta(hours=1)
    await share_with(ana, drsmith, only=["mood"], expires_at=end)
    await ana.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [3])
    assert (await ana.safety.respond(taken.result)).copy_readers == ["drsmith"]
    with pytest.MonkeyPatch.context() as later:
        two_hours_later(later)
        assert (await ana.safety.respond(taken.result)).copy_readers == ["drsmith"]
    await ana.shares.revoke("Personal", "drsmith")
    response = await ana.safety.respond(taken.result)
    assert response.copy_readers == []
    assert not any("reads only a copy" in line for line in response.lines)


async def test_a_withheld_renewal_of_a_copy_share_leaves_its_reader_counted(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """ana renews drsmith's copy share (until three hours on) on the laptop; the server serves
    the phone the chains from before the renewal. Two hours on, both devices name drsmith as
    reading only a copy."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    now = datetime.now(UTC)
    await share_with(ana, drsmith, only=["mood"], expires_at=now + timedelta(hours=1))
    await ana.sync()
    phone = await login_through(hostile, "ana", tmp_path / "phone")
    try:
        await phone.sync()
        replay(hostile)
        await share_with(ana, drsmith, only=["mood"], expires_at=now + timedelta(hours=3))
        await ana.sync()
        await phone.sync()
        taken = await phone.measures.take("phq9", [0] * 8 + [3])
        assert (await phone.safety.respond(taken.result)).copy_readers == ["drsmith"]
        with pytest.MonkeyPatch.context() as later:
            two_hours_later(later)
            on_laptop = await ana.measures.take("phq9", [0] * 8 + [3])
            assert (await ana.safety.respond(on_laptop.result)).copy_readers == ["drsmith"]
            assert (await phone.safety.respond(taken.result)).copy_readers == ["drsmith"]
    finally:
        await phone.close()


async def test_a_withheld_renewal_leaves_the_set_aside_move_refused(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """drlee reads a copy of "Personal"'s words until an hour from now, renewed on the laptop
    until three hours on and withheld from the phone, which holds words of the private "Night"
    (deleted on the laptop) set aside: two hours on, `default_readers` still names drlee."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    now = datetime.now(UTC)
    await share_with(ana, drlee, only=["body"], expires_at=now + timedelta(hours=1))
    await ana.sync()
    phone = await login_through(hostile, "ana", tmp_path / "phone")
    try:
        await phone.sync()
        await ana.journals.delete("Night", discard_undelivered=True)
        await phone.entries.write("Night", "Only for me.")
        await phone.sync()
        replay(hostile)
        await share_with(ana, drlee, only=["body"], expires_at=now + timedelta(hours=3))
        await ana.sync()
        await phone.sync()
        hostile.replies.clear()
        [kept] = await phone.set_aside()
        with pytest.MonkeyPatch.context() as later:
            two_hours_later(later)
            assert await phone.default_readers(kept.record_id) == ["drlee"]
    finally:
        await phone.close()
