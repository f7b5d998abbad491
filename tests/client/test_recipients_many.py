"""`client.shares.recipients_many` (what `tj trash empty` asks for every entry in the trash)
answers exactly what `recipients` answers for each id, in their order, while reading the
journal list, the access chains, the copies kept for members and each journal's member
claims once for all of them, where a call per entry read them again each time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from client_sdk import Client, InvalidInput, NotFound, Recipient
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def counting(client: Client, name: str, calls: dict[str, int]) -> None:
    """Count the calls of the store's method `name` (the real one runs)."""
    real: Callable[..., Awaitable[Any]] = getattr(client.store, name)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] = calls.get(name, 0) + 1
        return await real(*args, **kwargs)

    setattr(client.store, name, counted)


async def test_recipients_many_answers_as_recipients_and_reads_shared_data_once(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana", "laptop")
    drsmith = await signup("drsmith", "laptop")
    tom = await signup("tom", "laptop")
    await share_with(ana, drsmith, role="annotate")
    sent = [await ana.entries.write("Personal", f"day {n}") for n in range(4)]
    await ana.shares.grant_entry(sent[0].id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "Read them.")  # signed: seen_later for the first
    await drsmith.sync()
    await ana.sync()
    unsent = await ana.entries.write("Personal", "not sent yet")
    await ana.journals.create("Private")
    alone = await ana.entries.write("Private", "in a journal shared with no one")
    ids = [e.id for e in (*sent, unsent, alone)] + [sent[1].id[:8]]
    one_by_one = [await ana.shares.recipients(i) for i in ids]
    assert one_by_one[0] == [
        Recipient("drsmith", "Personal", False, "seen_later"),
        Recipient("tom", one_by_one[0][1].journal, True, "may_have"),
    ]
    assert [r.state for r in one_by_one[4]] == ["not_sent"]
    assert one_by_one[5] == []
    calls: dict[str, int] = {}
    for name in ("journals", "member_claims", "document"):
        counting(ana, name, calls)
    assert await ana.shares.recipients_many(ids) == one_by_one
    assert calls.get("journals") == 1
    assert calls.get("member_claims") == 2, "once per journal with a member: Personal, tom's"
    assert calls.get("document", 0) <= len(ids), "an item by its id; no copy looked up one by one"
    assert await ana.shares.recipients_many([]) == []
    assert await drsmith.shares.recipients_many([sent[0].id]) == [[]]  # not drsmith's


async def test_recipients_many_raises_for_a_bad_id_before_reading_anything(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana", "laptop")
    entry = await ana.entries.write(None, "A day.")
    calls: dict[str, int] = {}
    counting(ana, "journals", calls)
    with pytest.raises(InvalidInput):
        await ana.shares.recipients_many([entry.id, "zz"])
    with pytest.raises(NotFound):
        await ana.shares.recipients_many([entry.id, "0" * 32])
    assert calls == {}
