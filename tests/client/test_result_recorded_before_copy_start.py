"""A result recorded on an owner device whose clock is behind the device that made a
`--only ...scores` copy is dated (and recorded) before the copy's start by that device's
clock: the copy does not carry it (`Sharing.mirror_targets`), and every signal an app has
at `take` says so: `copies_left_out` names that copy, `score_only_readers(result=)` does
not name its member, `unseen_by_readers(result=)` does, and `answer_readers` does not. Real
server on 127.0.0.1; only the phone's clock is moved (10 minutes behind), around its
`take`."""

from __future__ import annotations

import pytest

import client_sdk.measures as measures_module
from client_sdk.models import now_ms
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_result_from_a_device_with_a_slow_clock_is_told_as_left_out_of_the_copy(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await signup("ben")
    drlee = await signup("drlee")
    await ben.sync()
    phone = await login("ben", device="phone")
    await share_with(ben, drlee, only=["mood", "scores"])  # on the laptop, its clock right
    await ben.sync()
    await phone.sync()
    [copy] = [s for s in await phone.shares.list(local_only=True) if s.kind == "mirror"]

    real = now_ms
    monkeypatch.setattr(measures_module, "now_ms", lambda: real() - 10 * 60 * 1000)
    taken = await phone.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 2])  # just now
    monkeypatch.setattr(measures_module, "now_ms", real)
    result = taken.result
    assert result.safety_concern
    assert await phone.measures.copies_left_out(result.id) == [copy.journal_id]
    assert await phone.measures.score_only_readers("Personal", result=result.id) == []
    assert await phone.measures.unseen_by_readers("Personal", result=result.id) == [
        ("drlee", ("mood", "scores"))
    ]
    assert await phone.measures.answer_readers(result.id) == {}
    # the journal's readers, whatever the result: drlee reads scores through that copy
    assert await phone.measures.score_only_readers("Personal") == ["drlee"]

    await phone.sync()
    await ben.sync()
    await drlee.sync()
    assert [r.score for r in await drlee.measures.list()] == []  # as told: not in the copy
    unshared, _ = await phone.shares.unshared_results("Personal", "drlee")
    assert [r.id for r in unshared] == [result.id]

    # one taken with the clock right is in the copy, and told so
    later = (await phone.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])).result
    assert await phone.measures.copies_left_out(later.id) == []
    assert await phone.measures.score_only_readers("Personal", result=later.id) == ["drlee"]
    assert await phone.measures.unseen_by_readers("Personal", result=later.id) == []
    await phone.sync()
    await drlee.sync()
    assert [r.score for r in await drlee.measures.list()] == [later.score]
