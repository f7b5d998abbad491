"""R33: attacks on u3 (NU21 C1/C4/C7/C12: a copy journal's role change, "already ended" on
unshare, the count of earlier questionnaire results). Real server on 127.0.0.1, the hostile
proxy of tests/client/hostile.py, real crypto. Each test fails on u3 (d6a11f0)."""

from __future__ import annotations

import dataclasses

from client_sdk import wire
from client_sdk.errors import NotFound, TJError
from tests.client.hostile import HostileServer, ReplyRewrite, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


def copy_hidden_source_rolled_back(copy: bytes, source: bytes) -> ReplyRewrite:
    """The owner's journal list without the copy, and the source listed one access-chain
    entry shorter than the owner verified (a rollback: the source gets a chain problem)."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        shown = []
        for j in listed:
            if j.journal_id == copy:
                continue
            if j.journal_id == source:
                j = dataclasses.replace(j, chain_length=j.chain_length - 1)
            shown.append(j)
        return wire.encode(wire.JournalList(shown))

    return rewrite


async def test_unshare_never_says_already_ended_while_the_member_still_reads_a_copy(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """tom read ana's whole journal, then only its moods (a copy; his whole share of
    Personal was removed, as narrowing does). ana runs `tj unshare Personal tom`. The server
    hides the copy from her and lists Personal with a rolled-back chain (a problem: it is
    not acted on). u3's `_ended_before` reads Personal's last verified state, finds tom's
    old removed membership and says "the share was already ended ... nothing more to do"
    (the CLI exits 0), while tom is still a current member of the copy and holds its key."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom)  # the whole journal
    copy = await share_with(ana, tom, only=["mood"])  # narrowed: a copy kept for tom
    copy_id = bytes.fromhex(copy.journal_id)
    personal = await journal_id(ana, "Personal")
    await ana.sync()
    hostile.replies["/v1/journals/list"] = copy_hidden_source_rolled_back(copy_id, personal)
    said: TJError | None = None
    try:
        await ana.shares.revoke("Personal", "tom")
    except TJError as error:
        said = error
    del hostile.replies["/v1/journals/list"]
    await ana.sync()
    still = ana.replica.chains.current(copy_id).member_by_account(tom.profile.account_id)
    assert still is not None, "precondition: the share of the copy was not ended"
    assert not (isinstance(said, NotFound) and said.subject == "share already ended"), (
        f"the owner's device said the share was already ended while tom still reads the "
        f"copy: {said}"
    )
