"""rev31b F1: `Shares.grant(..., safety_flags=True)` without `full=True` renews nothing for a
member who does not read the journal now, judged on the chain the share is signed on (after
the call's sync), never on the chain this device held before: a phone that has not synced
since the laptop ended tom's share by its end date gets NotReadingNow and signs nothing, and
tom never reads what was written while his share had ended (real server on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import NotReadingNow
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer

HOUR_MS = 3_600_000
CLOCKS = (
    "replica", "context", "sharing", "shares", "practice", "safety_path", "measures", "care",
    "journals", "pushing", "entries", "client", "documents", "models", "safety",
)  # fmt: skip


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """The server's clock and every device's, `ms` on."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in CLOCKS:
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later, raising=False)


async def test_a_phone_behind_renews_no_ended_share_with_safety_flags_unasked(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Shared once.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await phone.sync()  # the phone's chain: tom reads Personal, no end date
    await ana.shares.grant("Personal", "tom", expires_at=datetime.now(UTC) + timedelta(hours=1))
    move_clocks(live_server, monkeypatch, 2 * HOUR_MS)
    await ana.entries.write("Personal", "Written after tom's share ended: private.")
    await ana.sync()
    fingerprint = await tom.shares.fingerprint()

    with pytest.raises(NotReadingNow) as refused:
        await phone.shares.grant(
            "Personal", "tom", role="annotate", fingerprint=fingerprint, safety_flags=True
        )
    assert refused.value.ended and refused.value.member == "tom"
    assert "does not read 'Personal' now (their share of it ended)" in str(refused.value)
    assert "full=True" in str(refused.value)

    [theirs] = [s for s in await ana.shares.list() if s.member == "tom"]
    assert theirs.expired and not theirs.safety_flags
    await tom.sync()
    texts = [e.body for e in await tom.entries.list(journal="ana/Personal")]
    assert not any("private" in t for t in texts), texts

    renewed = await phone.shares.grant(  # asked, agreed: the whole journal, flags on
        "Personal", "tom", role="annotate", full=True, safety_flags=True
    )
    assert not renewed.expired and renewed.safety_flags


async def test_a_first_share_with_safety_flags_needs_full(signup: ClientFactory) -> None:
    """`full_if_new` (a plain `tj share`) never makes a share with safety flags a whole-journal
    share unasked: the member read nothing of it before."""
    ana, tom = await signup("ana"), await signup("tom")
    fingerprint = await tom.shares.fingerprint()
    with pytest.raises(NotReadingNow) as refused:
        await ana.shares.grant(
            "Personal",
            "tom",
            role="annotate",
            fingerprint=fingerprint,
            full_if_new=True,
            safety_flags=True,
        )
    assert not refused.value.ended
    assert "they are no member of it" in str(refused.value)
    assert [s for s in await ana.shares.list() if s.member == "tom"] == []
