"""What a field-level copy is to carry stays noted while the copy's access chain has a
problem at a sync (here the server lists it shorter than this device holds it: a rollback),
and is copied at the first sync after the problem clears. Before, the documents noted were
cleared as done at that sync without being copied, and the device's one-time look over the
source was done already: the entry never reached the member. Real server on 127.0.0.1,
behind a proxy that rewrites one reply."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.client.test_removed_never_copied import never_copies
from tests.conftest import PASSWORD, ClientFactory


def listed_shorter(copy: bytes) -> Callable[[bytes, bytes], bytes]:
    """A reply rewrite listing the journal `copy`'s chain one shorter (a rollback)."""

    def shorter(_request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [
            dataclasses.replace(j, chain_length=j.chain_length - 1) if j.journal_id == copy else j
            for j in listed.journals
        ]
        return wire.encode(wire.JournalList(kept, listed.next))

    return shorter


async def test_an_entry_noted_while_the_copys_chain_has_a_problem_is_copied_after(
    signup: ClientFactory,
    hostile: HostileServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    phone, tom = await signup("ana"), await signup("tom")
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", minimum_cost=INSECURE_TEST_COST
    )
    try:
        share = await share_with(laptop, tom, only=["mood"])
        copy = bytes.fromhex(share.journal_id)
        await laptop.sync()  # its one look over the source: done
        await phone.sync()
        never_copies(phone, monkeypatch)  # only the laptop copies
        await phone.entries.write("Personal", "written on the phone", mood=7)
        await phone.sync()

        hostile.replies["/v1/journals/list"] = listed_shorter(copy)
        await laptop.replica.refresh_journals()
        assert laptop.replica.chains.problem(copy)
        await laptop.sync()  # brings the phone's entry: noted, not copied (the chain)
        assert laptop.replica.chains.problem(copy)
        del hostile.replies["/v1/journals/list"]
        await laptop.sync()
        assert not laptop.replica.chains.problem(copy)
        await tom.sync()
        assert [e.mood for e in await tom.entries.list()] == [7], "the entry never reached tom"
    finally:
        await laptop.close()


async def test_changes_made_here_while_the_copys_chain_has_a_problem_reach_it_after(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """An entry moved here to before the copy's start, and an entry written here, while the
    copy's chain has a problem: noted, and after the problem clears the first leaves the copy
    and the second reaches it. Before, neither was noted (only pulled pages were): on an
    account with one syncing device the member kept the moved entry for good, with no problem
    told, and never got the new one."""
    _phone, tom = await signup("ana"), await signup("tom")
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", minimum_cost=INSECURE_TEST_COST
    )
    try:
        share = await share_with(laptop, tom, only=["mood"])
        copy = bytes.fromhex(share.journal_id)
        entry = await laptop.entries.write("Personal", "a dream", mood=8)
        await laptop.sync()
        await tom.sync()
        assert [e.mood for e in await tom.entries.list()] == [8]
        hostile.replies["/v1/journals/list"] = listed_shorter(copy)
        await laptop.replica.refresh_journals()
        assert laptop.replica.chains.problem(copy)
        # moved to before the share began (out of what the copy covers), and a new entry
        await laptop.entries.edit(
            entry.id, created_at=datetime.now().astimezone() - timedelta(days=30)
        )
        await laptop.entries.write("Personal", "written during the problem", mood=5)
        await laptop.sync()
        assert laptop.replica.chains.problem(copy)
        del hostile.replies["/v1/journals/list"]
        await laptop.sync()
        assert not laptop.replica.chains.problem(copy)
        await tom.sync()
        assert [e.mood for e in await tom.entries.list()] == [5], "the copy did not follow"
    finally:
        await laptop.close()
