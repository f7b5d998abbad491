"""Changing what is shared, or renewing a share that ran out, keeps the role and end date the
member had unless new ones are given (NU20 C2, C3): renewing an annotate share with a new end
date only must not make the therapist a reader who can no longer acknowledge safety flags;
widening a mood-only share to the whole journal (`full=True`), or sharing other fields
instead (`only=`), must not reset the role to "read" nor lift the end date. Real server on
127.0.0.1, real crypto; the server's clock and the SDK's are moved together past an end date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import Client
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000


def in_days(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def whole_terms(owner: Client, member: Client) -> tuple[str, int] | None:
    state = owner.replica.chains.current(await journal_id(owner, "Personal"))
    current = state.member_by_account(member.profile.account_id)
    return None if current is None else (current.role, current.expires_at)


async def test_renewing_a_lapsed_annotate_share_with_a_new_end_date_keeps_annotate(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", expires_at=in_days(1))
    await tom.sync()
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    await ana.sync()  # signs that the share ended by its end date
    assert await whole_terms(ana, tom) is None

    until = datetime.fromtimestamp((later + 30 * DAY_MS) // 1000, UTC)
    renewed = await ana.shares.grant("Personal", "tom", expires_at=until)  # as `tj share --until`
    assert (renewed.role, renewed.fields) == ("annotate", None)
    assert await whole_terms(ana, tom) == ("annotate", ms(until))


async def test_a_new_role_given_with_the_renewal_is_the_one_signed(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", expires_at=in_days(1))
    live_server.clock.now += 2 * DAY_MS
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.shares"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    await ana.sync()
    renewed = await share_with(ana, tom, role="read")
    assert renewed.role == "read" and await whole_terms(ana, tom) == ("read", 0)


async def test_widening_a_mood_only_share_keeps_its_role_and_end_date(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    until = in_days(30)
    await share_with(ana, tom, only=["mood"], role="annotate", expires_at=until)
    widened = await share_with(ana, tom, full=True)
    assert (widened.fields, widened.role) == (None, "annotate")
    assert widened.expires_at == until
    assert await whole_terms(ana, tom) == ("annotate", ms(until))


async def test_sharing_other_fields_instead_keeps_the_role_and_end_date(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    until = in_days(30)
    await share_with(ana, tom, only=["mood"], role="annotate", expires_at=until)
    other = await share_with(ana, tom, only=["mood", "tags"])
    assert (other.fields, other.role, other.expires_at) == (("mood", "tags"), "annotate", until)


async def test_terms_given_when_widening_are_the_ones_signed(signup: ClientFactory) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, only=["mood"], role="annotate", expires_at=in_days(30))
    widened = await share_with(ana, tom, full=True, role="read", no_end=True)
    assert (widened.role, widened.expires_at) == ("read", None)
    assert await whole_terms(ana, tom) == ("read", 0)
