"""What a therapist's device says of a client's safety flags and caseload row once a share is
over: `share_ended` only for an end this device knows beyond the server's word (an end date
the owner signed, passed by this device's clock); a journal the server alone stopped serving
while the owner's signed chain still grants it is `unlisted` (`SafetyFlag.unlisted`,
`CaseloadRow.unlisted`, and in their JSON), never `share_ended: true`, and the refusal to
acknowledge its flag says the server stopped serving it, not that the share ended. A hostile
server hides the journal; real server behind it on loopback, real crypto."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, AccessError, Client
from client_sdk.caseload import UNLISTED_ENDED
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_nu43_findings import hiding
from tests.client.test_share_ended_notices import DAY_MS, move_clocks, shared_until_tomorrow
from tests.conftest import PASSWORD, ClientFactory, RunningServer

ITEM_9 = [0] * 8 + [3]


async def test_a_flag_and_a_row_the_server_alone_stopped_serving_are_not_share_ended(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await signup("kim")
    async with serving(HostileServer(live_server.url), set()) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "drsmith", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(kim, drsmith, role="annotate")
            await drsmith.shares.verify("kim", await kim.shares.fingerprint())
            await kim.safety.set_plan(share_flags=True, flags_for="drsmith")
            taken = await kim.measures.take("phq9", ITEM_9)
            assert (await kim.safety.respond(taken.result)).flagged_to == ["drsmith"]
            await kim.sync(strict=True)
            await drsmith.sync(strict=True)
            [flag] = await drsmith.safety.flags()
            assert not flag.read_only_copy

            # the server hides Personal from drsmith: kim signed nothing
            hostile.replies["/v1/journals/list"] = hiding(await journal_id(kim, "Personal"))
            await drsmith.shares.with_me()
            await drsmith.sync()

            [flag] = await drsmith.safety.flags()
            assert (flag.read_only_copy, flag.share_ended, flag.unlisted) == (True, False, True)
            said = flag.to_dict()
            assert (said["read_only_copy"], said["share_ended"], said["unlisted"]) == (
                True,
                False,
                True,
            )
            [row] = await drsmith.caseload.list()
            assert (row.read_only_copies, row.share_ended, row.unlisted) == (True, False, True)
            assert row.to_dict()["share_ended"] is False and row.to_dict()["unlisted"] is True
            assert UNLISTED_ENDED in row.flags and "share ended" not in row.flags, row.flags

            with pytest.raises(AccessError) as refused:
                await drsmith.safety.acknowledge(flag.id)
            assert str(refused.value) == (
                "the server no longer serves kim's 'Personal' to you (nothing kim signed says "
                "the share ended: they may have ended it, or the server may be holding it "
                "back): this flag can no longer be acknowledged"
            )
        finally:
            await drsmith.close()


async def test_a_flag_and_a_row_past_the_signed_end_date_are_share_ended(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, _, _ = await shared_until_tomorrow(signup)
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    taken = await ana.measures.take("phq9", ITEM_9)
    await ana.safety.respond(taken.result)
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    later = move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    monkeypatch.setattr("client_sdk.safety_path.now_ms", lambda: later)  # the flags' clock
    await tom.sync()
    [flag] = await tom.safety.flags()
    assert (flag.read_only_copy, flag.share_ended, flag.unlisted) == (True, True, False)
    [row] = await tom.caseload.list(now=datetime.fromtimestamp(later / 1000, UTC))
    assert (row.read_only_copies, row.share_ended, row.unlisted) == (True, True, False)
    assert row.to_dict()["share_ended"] is True and "share ended" in row.flags, row.flags
    with pytest.raises(AccessError) as refused:
        await tom.safety.acknowledge(flag.id)
    assert str(refused.value) == "ana's share ended: this flag can no longer be acknowledged"
