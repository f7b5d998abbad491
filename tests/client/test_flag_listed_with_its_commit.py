"""A safety flag is listed to be judged (FLAGS_SENT, `SyncReport.undelivered_flags`) in the
very transaction that stores it: an error between the flag's commit and its listing leaves
neither, never a flag sent but never judged (real server on loopback, real crypto; the
failure is a real exception raised in the client's own listing code)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from client_sdk import safety_path
from client_sdk.safety import FLAGS_SENT
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def test_a_failure_while_listing_a_flag_stores_no_unlisted_flag(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login("ana")
    await tablet.sync()
    taken = await tablet.measures.take("phq9", ITEM_9)
    held = safety_path._held
    armed = [True]

    def failing(raw: Any) -> dict[str, dict[str, int]]:
        if armed[0]:
            armed[0] = False
            raise RuntimeError("the process died while listing the flag")
        return held(raw)

    monkeypatch.setattr(safety_path, "_held", failing)
    with pytest.raises(RuntimeError):
        await tablet.safety.respond(taken.result)
    monkeypatch.undo()
    assert not armed[0]  # the failure was injected where the flag is listed
    stored = [f.id for f in await tablet.safety.flags()]
    listed = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")
    assert [f for f in stored if f not in listed] == []  # nothing stored unlisted
    for flag_id in stored:
        assert await tablet.safety.waiting(flag_id)
    # the answer is not lost: the next sync seals its flag (listed with it) and sends it
    await tablet.sync()
    await drsmith.sync()
    theirs = await drsmith.safety.flags()
    assert [(f.measure, f.item, f.answer) for f in theirs] == [("phq9", 9, 2)]
    assert (await tablet.sync()).undelivered_flags == []  # judged: delivered
    # judged once it left, and kept to be judged again should a withheld end arrive later
    [kept] = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}").values()
    # `judged`: when first judged (JUDGED_FOR_MS counts from then), after it left
    assert kept["judged"] >= kept["left"] >= kept["since"]
