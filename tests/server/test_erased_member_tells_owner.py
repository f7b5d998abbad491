"""A member's account erasure tells the owners of the journals it was a member of at their
next sync, on both storage backends: the erasure raises those journals' `meta_version`, as a
leave does, so the owner's device asks who the server still serves, drops the member from
its chain (the server's word may make it say less, never more) and stops saying that safety
flags reach them."""

from __future__ import annotations

from client_sdk import INSECURE_TEST_COST, departures
from tests.conftest import PASSWORD, ClientFactory

THERAPIST = "drlee"


async def test_an_erased_members_departure_reaches_the_owners_next_sync(
    signup: ClientFactory,
) -> None:
    fay = await signup("fay")
    lee = await signup(THERAPIST)
    await fay.shares.grant(
        "Personal",
        THERAPIST,
        role="annotate",
        trust_on_first_use=True,
        full=True,
        safety_flags=True,
    )
    await lee.sync()
    assert (await fay.sync()).departures == []
    assert (await fay.safety.plan("Personal")).flags_reach == (THERAPIST,)

    await lee.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    report = await fay.sync()
    assert [(d.member, d.journal, d.reason) for d in report.departures] == [
        (THERAPIST, "Personal", departures.ERASED)
    ]
    # No flag is said to reach an account that is gone.
    assert (await fay.safety.plan("Personal")).flags_reach == ()
    assert (await fay.sync()).departures == []  # told once
