"""`Client.logout` never deletes, unless the caller agrees (`discard_copies`), the read-only
copy of one of the account's own journals that the server no longer serves: it may be the
only copy left (deleted on another device, or withheld by a hostile server)."""

from __future__ import annotations

import pytest

from cli.main import logging_out
from cli.terminal import Failed
from client_sdk import Client, UnsyncedChanges
from client_sdk.errors import TJError
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_nu43_findings import hiding
from tests.client.test_owed_grant_sent_again import drop_rotates
from tests.conftest import ClientFactory


async def test_logout_refuses_to_delete_the_only_copy_of_a_journal_deleted_elsewhere(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "A dream worth keeping.")
    await laptop.sync()
    tablet = await login("ana")
    await tablet.sync()
    await laptop.journals.delete("Dreams")
    await tablet.sync()
    [gone] = [j for j in await tablet.journals.list() if j.name == "Dreams"]
    assert gone.own and gone.read_only_copy
    assert await tablet.unsynced_changes() == 0
    with pytest.raises(UnsyncedChanges) as refused:
        await tablet.logout()  # the safe default agrees to lose none
    assert refused.value.subject == "unsynced changes"
    assert refused.value.copies == ("Dreams",) and refused.value.count == 0
    said = str(refused.value)
    assert "'Dreams'" in said and "no longer on the server" in said, said
    assert "discard_copies=True" in said and "Nothing was deleted" in said, said
    assert (tablet.home / "store.db").exists()
    assert [e.body for e in await tablet.entries.list(gone.id)] == ["A dream worth keeping."]
    with pytest.raises(UnsyncedChanges):  # agreeing to lose another copy is no agreement
        await tablet.logout(discard_copies=frozenset({"00" * 16}))
    done = await tablet.logout(discard_copies=frozenset({gone.id}))
    assert done.copies_deleted == ("Dreams",)
    assert done.to_dict()["copies_deleted"] == ["Dreams"]
    assert not (tablet.home / "store.db").exists()


async def withheld_at_logout(server: HostileServer, make: Through, lea: Client) -> Client:
    """ana, through the hostile `server` (`make`), with "Dreams" (one entry) and an unshare of Personal with lea
    whose end is not confirmed (every rotation dropped): a logout syncs first, and in that
    sync the server withholds "Dreams"."""
    ana = await make("ana")
    await ana.journals.create("Dreams")
    await ana.entries.write("Dreams", "A dream worth keeping.")
    await ana.sync(strict=True)
    drop_rotates(server, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    assert not [j for j in await ana.journals.list() if j.read_only_copy]
    server.replies["/v1/journals/list"] = hiding(await journal_id(ana, "Dreams"))
    return ana


async def test_logout_refuses_a_copy_the_server_makes_in_the_logouts_own_sync(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
    signup: ClientFactory,
) -> None:
    """The server withholds an own journal in the very sync logout runs (to rule out an
    unconfirmed unshare): the copy it makes then is found, and the logout refused."""
    ana = await withheld_at_logout(hostile, through, await signup("lea"))
    with pytest.raises(UnsyncedChanges) as refused:
        await ana.logout(force=True)  # its sync is the first to miss Dreams
    assert refused.value.copies == ("Dreams",), str(refused.value)
    assert (ana.home / "store.db").exists()
    [dreams] = [j for j in await ana.journals.list() if j.name == "Dreams"]
    assert dreams.read_only_copy
    assert [e.body for e in await ana.entries.list(dreams.id)] == ["A dream worth keeping."]


async def test_tj_logout_names_a_copy_made_after_its_question(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
    signup: ClientFactory,
) -> None:
    """`tj logout` agreed to lose the copies it asked about (none): the one the server makes
    in the SDK logout's own sync stops it, named, with what to run; nothing is deleted."""
    ana = await withheld_at_logout(hostile, through, await signup("lea"))
    with pytest.raises(Failed) as refused:
        await logging_out(ana, force=True, agreed=0, copies=frozenset())
    said = " ".join(str(refused.value.message).split())
    assert "The journal 'Dreams' is no longer on the server" in said, said
    assert "Nothing was deleted" in said and "tj logout" in said, said
    assert (ana.home / "store.db").exists()
