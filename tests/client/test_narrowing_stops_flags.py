"""`client.shares.grant(only=...)` narrowing a whole-journal share whose member receives
safety flags stops those flags (a field-level copy carries none). `tj share --only` says so
and asks (NU24 C13), but an app embedding the SDK could do it without knowing: the SDK now
raises FlagsWouldStop, with nothing changed, unless the caller passes `stop_flags=True`, as
it raises SharedAgain unless `again` names what would be shared again (NU24 C8).
Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, FlagsWouldStop, InvalidInput
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def tom_receives_flags(signup: ClientFactory) -> tuple[Client, Client]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "hello", mood=5, tags=["sleep"])
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    assert await ana.safety.flags_reach("Personal") == {"tom": "on"}
    return ana, tom


async def test_narrowing_the_share_of_a_member_who_receives_flags_needs_stop_flags(
    signup: ClientFactory,
) -> None:
    ana, tom = await tom_receives_flags(signup)
    journals = {j.name for j in await ana.journals.list()}
    with pytest.raises(FlagsWouldStop) as refused:
        await ana.shares.grant("Personal", "tom", only=["mood", "tags"])
    assert isinstance(refused.value, InvalidInput)  # the SDK's one hierarchy
    assert (refused.value.journal, refused.value.member) == ("Personal", "tom")
    assert refused.value.subject == "safety flags"
    assert "stop_flags=True" in str(refused.value) and "Nothing was changed" in str(refused.value)
    # nothing changed: tom still reads the whole journal, flags still reach him, no copy
    [share] = await ana.shares.list()
    assert (share.journal, share.member, share.fields) == ("Personal", "tom", None)
    assert await ana.safety.flags_reach("Personal") == {"tom": "on"}
    assert {j.name for j in await ana.journals.list()} == journals

    narrowed = await ana.shares.grant("Personal", "tom", only=["mood", "tags"], stop_flags=True)
    assert narrowed.ended == ("Personal",) and narrowed.fields == ("mood", "tags")
    assert await ana.safety.flags_reach("Personal") == {}
    await tom.sync()


async def test_narrowing_a_share_that_carries_no_flags_asks_nothing(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "hello", mood=5, tags=["sleep"])
    await share_with(ana, tom, role="annotate")  # no opt-in: no flag reaches tom
    assert await ana.safety.flags_reach("Personal") == {"tom": "off"}
    narrowed = await ana.shares.grant("Personal", "tom", only=["mood", "tags"])
    assert narrowed.ended == ("Personal",)


async def test_a_flag_opt_in_withdrawn_lets_the_share_narrow_without_asking(
    signup: ClientFactory,
) -> None:
    ana, _ = await tom_receives_flags(signup)
    await ana.safety.set_plan(share_flags=False)
    assert await ana.safety.flags_reach("Personal") == {"tom": "off"}
    narrowed = await ana.shares.grant("Personal", "tom", only=["mood"])
    assert narrowed.ended == ("Personal",)
