"""NU26 C3: after the client narrowed her share (`tj share Personal drsmith --only
mood,tags`), the therapist's `tj safety ack` on a flag of the whole journal said "ana's share
ended: this flag can no longer be acknowledged", though ana still shares a copy with him.
An acknowledgement is a record of the whole journal, which the owner-signed chain no longer
lets him write (the copy carries no safety flag): it cannot be sealed nor delivered, so it is
still refused, with the true reason: the share was most likely narrowed, to the copy named,
and ana's devices will not show the flag read. A member's device is not served its own
removal: the end is the server's word there, said as such ("the server no longer serves ...
nothing ana signed says the share ended"), never as ana's decision. Real server on loopback,
real crypto."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [0] * 8 + [3]


async def a_flag_for_tom(signup: ClientFactory) -> tuple[Client, Client, str]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "hello", mood=5, tags=["sleep"])
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    [flag] = await tom.safety.flags()
    return ana, tom, flag.id


async def test_a_flag_of_a_narrowed_share_gives_the_true_reason(signup: ClientFactory) -> None:
    ana, tom, flag = await a_flag_for_tom(signup)
    # tom receives flags: narrowing stops them, which the SDK has the caller say (NU24 C13)
    await ana.shares.grant("Personal", "tom", only=["mood", "tags"], stop_flags=True)
    await tom.sync()
    [held] = await tom.safety.flags()
    # tom's device is not served ana's signed removal: the server's word alone
    assert held.id == flag and held.unlisted and not held.share_ended and not held.acknowledged
    with pytest.raises(AccessError) as refused:
        await tom.safety.acknowledge(flag)
    copy = "ana/Personal (mood, tags) for tom"
    assert str(refused.value) == (
        "the server no longer serves ana's 'Personal' to you (nothing ana signed says the share "
        "ended: they may have ended it, or the server may be holding it back): ana most likely "
        "narrowed it to the fields "
        f"you read in '{copy}', which carries no safety flag. An acknowledgement is written "
        "in Personal, where you can no longer write, so this flag can no longer be "
        "acknowledged and ana's devices will not show it read: tell ana yourself that you "
        "saw it."
    )
    await tom.sync()
    await ana.sync()
    [mine] = await ana.safety.flags()
    assert mine.acknowledged == ()  # nothing was written, nothing told as read


async def test_a_flag_of_a_share_that_simply_ended_says_so(signup: ClientFactory) -> None:
    ana, tom, flag = await a_flag_for_tom(signup)
    await ana.shares.revoke("Personal", "tom")
    await tom.sync()
    with pytest.raises(AccessError) as refused:
        await tom.safety.acknowledge(flag)
    assert str(refused.value) == (
        "the server no longer serves ana's 'Personal' to you (nothing ana signed says the share "
        "ended: they may have ended it, or the server may be holding it back): this flag can no "
        "longer be acknowledged"
    )
