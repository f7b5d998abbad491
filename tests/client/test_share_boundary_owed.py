"""A share never ends half done (REV-S1 F1, protocol.md 4.19 "A share's boundary owed"):
its size check seals the share's very records (their seen vector and covers) before
anything is signed, so a share refused leaves no share (R41 F4); and a share whose grant was
pushed but whose boundary (fresh snapshots and cut) was not sealed, because the seal failed
or the app stopped in between, is finished by the next sync of the sharing device, which
says so. Real server, real crypto; the SDK's own seal is stood in for only to stop the app
at that point."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client, crypto, owed_shares, records
from client_sdk import prompts as prompt_library
from client_sdk.errors import InvalidInput, NetworkError, TJError
from client_sdk.replica import snapshot_fits
from client_sdk.withholding import is_cut
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_writer_limits import annotated, push_as, signed_by
from tests.conftest import ClientFactory, RunningServer

WIDE = "\u65e5"  # three bytes of UTF-8


class AppStopped(BaseException):
    """The app killed between the grant and its boundary (not an error the SDK handles)."""


def largest_fitting() -> int:
    """The longest payload `snapshot_fits` takes (it keeps SNAPSHOT_SLACK for the rest)."""
    low, high = 0, 1 << 18
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if snapshot_fits(bytes(mid)) else (low, mid - 1)
    return low


async def lists_lea(ana: Client) -> bool:
    journal = await journal_id(ana, "Personal")
    await ana.sync()
    state = ana.replica.chains.state(journal)
    return state is not None and any(
        m.who is not None and m.who.username == "lea" for m in state.members.values()
    )


@pytest.mark.slow
async def test_a_share_is_sized_on_its_real_records_and_refused_before_it_is_signed(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana's long answer to a prompt (never compressed), edited in turns with another entry
    a thousand times (its snapshot carries a cover of ~1,000 ranges, ~7 KB), and tom's
    device ids filling ana's seen vectors (MAX_SEEN_BYTES): the answer's payload passes
    `snapshot_fits` (8 KiB kept for the rest) but its fresh snapshot, with that seen vector
    and those covers, is larger than a record. The share is refused before anything is
    signed: lea is on no chain, and ana can still share a shorter journal with her."""
    ana, _, forge, journal, note = await annotated(signup, login)
    prompt_id = prompt_library.library()[0].id
    answer = await ana.entries.write(None, "x", prompt_id=prompt_id)
    other = await ana.entries.write(None, "y")
    for _ in range(records.MAX_RANGES):
        await ana.entries.edit(answer.id, append=" a")
        await ana.entries.edit(other.id, append=" b")
    await ana.sync()
    devices = [crypto.random_bytes(16) for _ in range(records.MAX_SEEN)]
    await push_as(
        forge,
        journal,
        [records.RecordBody(**{**vars(note), "device": d, "counter": 2**40}) for d in devices],
    )
    await ana.sync()
    room = largest_fitting()
    stored = await ana.store.document(bytes.fromhex(answer.id))
    assert stored is not None
    await ana.entries.edit(answer.id, append=WIDE * ((room - 600 - len(stored.state)) // 3))
    await ana.sync()
    stored = await ana.store.document(bytes.fromhex(answer.id))
    assert stored is not None
    assert room - 1000 <= len(stored.state) and snapshot_fits(stored.state)
    lea = await signup("lea")
    with pytest.raises(InvalidInput, match="more than one record carries"):
        await share_with(ana, lea)
    assert not await lists_lea(ana)
    assert [s.member for s in await ana.shares.list() if s.member == "lea"] == []
    # Shorter, it is shared whole.
    await ana.entries.edit(answer.id, body="shorter now")
    await ana.sync()
    await share_with(ana, lea)
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync(strict=True)
    assert {answer.id, other.id} <= {e.id for e in await lea.entries.list(journal.hex())}


async def test_a_share_stopped_after_its_grant_is_finished_by_the_next_sync(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The app stops after the grant is pushed and before the boundary is sealed: lea is a
    member and reads nothing. The next sync of ana's laptop, opened again, seals the
    boundary, says so once, and lea then reads every entry."""
    ana = await signup("ana")
    written = [await ana.entries.write(None, f"entry {n}") for n in range(3)]
    await ana.sync(strict=True)
    lea = await signup("lea")

    async def stopped(*args: Any, **kwargs: Any) -> None:
        raise AppStopped

    ana.replica.seal_snapshots = stopped  # type: ignore[method-assign]
    with pytest.raises(AppStopped):
        await share_with(ana, lea)
    home, fingerprint = ana.home, await ana.shares.fingerprint()
    await ana.close()
    await lea.shares.verify("ana", fingerprint)
    await lea.sync()
    assert await lea.entries.list("ana/Personal") == []  # granted, nothing sealed for her

    async with await Client.open(home) as again:
        journal = await journal_id(again, "Personal")
        report = await again.sync()
        assert report.finished_shares == [owed_shares.finished("lea", "Personal")]
        assert any("is complete" in line for line in report.lines())
        assert (await again.sync()).finished_shares == []  # told once
        assert await again.store.setting(owed_shares.SETTING) is None
        bodies = await signed_by(again, live_server, journal)
        cuts = [b for b in bodies if is_cut(b.author, b.device, b.counter, b.covers)]
        assert len(cuts) == 1  # one boundary, not two
    await lea.sync(strict=True)
    assert sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(
        e.id for e in written
    )


async def test_a_boundary_that_cannot_be_sealed_is_told_at_every_sync_until_it_is(
    signup: ClientFactory,
) -> None:
    """The seal fails after the grant (InvalidInput): `grant` says the share is signed and
    not complete; each sync that still cannot seal it reports it; the first that can seals
    it and says so."""
    ana = await signup("ana")
    entry = await ana.entries.write(None, "before the share")
    await ana.sync(strict=True)
    lea = await signup("lea")
    real = ana.replica.seal_snapshots

    async def refused(*args: Any, **kwargs: Any) -> None:
        raise InvalidInput("a document is too large")

    ana.replica.seal_snapshots = refused  # type: ignore[method-assign]
    with pytest.raises(InvalidInput, match=r"now shares 'Personal' \(signed\).*not complete"):
        await share_with(ana, lea)
    for _ in range(2):
        report = await ana.sync()
        assert report.finished_shares == []
        assert any("share with lea is not complete" in p for p in report.problems)
    ana.replica.seal_snapshots = real  # type: ignore[method-assign]
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Personal")]
    assert not any("not complete" in p for p in report.problems)
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync(strict=True)
    assert [e.id for e in await lea.entries.list("ana/Personal")] == [entry.id]


async def test_a_grant_that_never_reached_the_chain_leaves_nothing_owed(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The grant's request never gets a connection to the server (offline: NetworkError
    `unsent`): its note, written once it was signed, is taken back at once; the next sync
    reports nothing, seals nothing, and lea is on no chain."""
    ana = await signup("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    real = ana.replica.transport.call
    noted: list[str | None] = []

    async def offline(path: str, *args: Any, **kwargs: Any) -> Any:
        if path == "/v1/journals/rotate":  # no connection made: no byte of it sent
            noted.append(await ana.store.setting(owed_shares.SETTING))
            raise NetworkError("offline", unsent=True)
        return await real(path, *args, **kwargs)

    ana.replica.transport.call = offline  # type: ignore[method-assign]
    with pytest.raises(NetworkError):
        await share_with(ana, lea)
    ana.replica.transport.call = real  # type: ignore[method-assign]
    assert len(noted) == 1 and noted[0] is not None  # owed while it was being sent
    assert await ana.store.setting(owed_shares.SETTING) is None  # taken back: never sent
    report = await ana.sync()
    assert report.finished_shares == [] and report.problems == []
    journal = await journal_id(ana, "Personal")
    bodies = await signed_by(ana, live_server, journal)
    assert [b for b in bodies if is_cut(b.author, b.device, b.counter, b.covers)] == []
    assert not await lists_lea(ana)


async def test_a_grant_whose_position_another_device_took_is_pending_then_forgotten(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """The grant's request is sent but never reaches the server (the connection drops on
    the way, at every request of ana's laptop): ana's device cannot tell that from a lost
    reply, so every sync signs the grant again at the same position and says the share is
    not confirmed, and keeps it owed while the chain has not reached the grant's position
    (REV-S2 F1). Once ana's other device (straight to the server) signs another change
    there (a share with bob), the grant can never be applied: the next sync forgets it,
    signs nothing again, says once that it can no longer be, and seals no boundary for
    lea."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea, bob = await signup("lea"), await signup("bob")

    async def dropped() -> None:
        raise ConnectionError("the connection dropped on the way")

    hostile.holds["/v1/journals/rotate"] = dropped
    with pytest.raises(TJError):
        await share_with(ana, lea)
    assert await ana.store.setting(owed_shares.SETTING) is not None
    for _ in range(2):
        report = await ana.sync()
        assert any("share with lea is not confirmed" in p for p in report.problems)
        assert report.finished_shares == []
    owed = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))[
        await journal_id(ana, "Personal")
    ]
    phone = await login("ana")
    await share_with(phone, bob)  # takes the position lea's grant was signed at
    sent = hostile.paths.count("/v1/journals/rotate")
    report = await ana.sync()
    assert hostile.paths.count("/v1/journals/rotate") == sent  # not signed again
    assert not any("not confirmed" in p for p in report.problems)
    assert report.problems == [owed_shares.superseded(owed)]  # told once
    assert report.finished_shares == []
    assert await ana.store.setting(owed_shares.SETTING) is None
    state = ana.replica.chains.state(await journal_id(ana, "Personal"))
    assert state is not None
    assert sorted(m.username for m in state.members.values()) == ["bob"]
    assert (await ana.sync()).problems == []
