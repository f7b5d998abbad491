"""A hostile server against the default scope of a pre-session brief.

`client.briefs.prepare(therapist=...)` (`tj brief MEMBER`) covers only what the client
already shares with that therapist: each journal shared whole, and of a field-level copy
only what the copy holds, with its fields. Which journals those are is read from the
owner-signed access chains and the owner-sealed disclosure settings this device verified,
never from the server's word (its journal list, its list of shares). Each test lets a new
device of the client sync through a server that lies about the shares, then compares that
device's brief with the one an honest server gives: it may cover less (or be refused, or
report the problem), never more. Real server on loopback, through the proxy of
tests/client/hostile.py; ana is the client, drlee the therapist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from client_sdk import Client, IntegrityError, TJError, wire
from client_sdk.brief import Brief
from tests.client.hostile import HostileServer, ReplyRewrite, login_through, serving
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory, RunningServer

PRIVATE = "Private words never shared"
WORK = "Work words shared whole"
DREAM = "Dream words never shared"


@dataclasses.dataclass
class Setup:
    ana: Client
    honest: Brief
    personal: bytes
    work: bytes
    dreams: bytes
    copy: bytes  # the copy of Dreams (mood only) kept for drlee


async def shared_three_ways(signup: ClientFactory) -> Setup:
    """ana's Personal is private, Work shared whole with drlee, Dreams as mood only (a
    field-level copy); an entry with words in each, each marked to discuss. `honest`: the
    brief for drlee on ana's own device, with an honest server."""
    ana = await signup("ana")
    drlee = await signup("drlee")
    await ana.journals.create("Work")
    await ana.journals.create("Dreams")
    await share_with(ana, drlee, "Work")
    await share_with(ana, drlee, "Dreams", only=["mood"])
    for journal, words, mood in (("Personal", PRIVATE, 2), ("Work", WORK, 6), ("Dreams", DREAM, 9)):  # fmt: skip
        entry = await ana.entries.write(journal, words, mood=mood)
        await ana.briefs.mark_to_discuss(entry.id)
    await ana.sync()
    [copy] = [s for s in await ana.shares.list() if s.kind == "mirror"]
    honest = await ana.briefs.prepare(therapist="drlee")
    assert "Personal" not in honest.journals and WORK in str(honest.to_dict()), honest
    assert honest.journals == ["Dreams (mood)", "Work"], honest.journals
    return Setup(
        ana,
        honest,
        await journal_id(ana, "Personal"),
        await journal_id(ana, "Work"),
        await journal_id(ana, "Dreams"),
        bytes.fromhex(copy.journal_id),
    )


async def brief_through(
    live_server: RunningServer, tmp_path: Path, lies: Callable[[HostileServer], None]
) -> Brief | None:
    """The brief for drlee on a new device of ana that syncs only through a server telling
    `lies` (armed before its first request); None when it is refused (fail closed)."""
    async with serving(HostileServer(live_server.url)) as hostile:
        lies(hostile)
        device = await login_through(hostile, "ana", tmp_path / "ana-new")
        try:
            try:
                await device.sync()
            except IntegrityError:
                pass  # said as a problem of the sync: the brief below decides on what it holds
            try:  # the server's list of shares read too, as `tj shares` reads it
                await device.shares.list()
            except TJError:
                pass
            assert "/v1/shares/list" in hostile.paths, hostile.paths
            try:
                return await device.briefs.prepare(therapist="drlee")
            except TJError:
                return None
        finally:
            await device.close()


def no_wider(brief: Brief | None, setup: Setup) -> None:
    """Nothing of the brief discloses more than the honest one: no journal it does not
    cover, no words the therapist was never shared, no more entries, no other mood."""
    if brief is None:
        return  # refused: nothing disclosed
    said = str(brief.to_dict()) + brief.text()
    assert PRIVATE not in said and DREAM not in said, said
    assert set(brief.journals) <= set(setup.honest.journals), brief.journals
    assert brief.entries <= setup.honest.entries, (brief.entries, setup.honest.entries)
    assert len(brief.to_discuss) <= len(setup.honest.to_discuss), brief.to_discuss
    shown = {brief.mood_recent} - {None}
    assert shown <= {setup.honest.mood_recent, 6.0, 9.0}, (shown, setup.honest.mood_recent)


def shares_listing(extra: Callable[[list[wire.Share]], list[wire.Share]]) -> ReplyRewrite:
    def rewrite(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.ShareList, reply)
        return wire.encode(dataclasses.replace(listed, shares=extra(listed.shares)))

    return rewrite


async def test_a_private_journal_the_server_lists_as_shared_stays_out_of_the_brief(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server's list of shares names Personal (and the whole of Dreams) as shared with
    drlee, and it serves Work's access chain, with its signed grant to drlee, as Personal's:
    the brief covers what the owner-signed chains grant, so Personal's words and mood and
    Dreams' words stay out of it."""
    setup = await shared_three_ways(signup)
    wanted = {setup.personal, setup.dreams}

    def as_work(shares: list[wire.Share]) -> list[wire.Share]:
        work = [s for s in shares if s.journal_id == setup.work]
        assert work, "the real server lists Work as shared: the lie needs it"
        return shares + [dataclasses.replace(work[0], journal_id=j) for j in sorted(wanted)]

    served: list[wire.AccessChain] = []  # Work's chain, as the real server served it

    def spliced(_: bytes, reply: bytes) -> bytes:
        chains = wire.decode(wire.AccessReply, reply).chains
        served.extend(c for c in chains if c.journal_id == setup.work and not served)
        if not served:
            return reply
        work = served[0]
        return wire.encode(
            wire.AccessReply(
                [
                    dataclasses.replace(work, journal_id=c.journal_id)
                    if c.journal_id == setup.personal
                    else c
                    for c in chains
                ]
            )
        )

    def lies(hostile: HostileServer) -> None:
        hostile.replies["/v1/shares/list"] = shares_listing(as_work)
        hostile.replies["/v1/journals/access"] = spliced

    no_wider(await brief_through(live_server, tmp_path, lies), setup)
    assert served, "Work's chain was never asked for: the lie was not told"


async def test_a_share_the_server_omits_narrows_the_brief_never_widens_it(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server's list of shares leaves out every share, and it serves Work's access chain
    cut before the grant to drlee (the journal list's length cut to match): the brief
    covers less, or is refused; never a journal or words not shared."""
    setup = await shared_three_ways(signup)

    def cut_list(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        journals = [
            dataclasses.replace(j, chain_length=1) if j.journal_id == setup.work else j
            for j in listed.journals
        ]
        return wire.encode(dataclasses.replace(listed, journals=journals))

    def cut_chain(_: bytes, reply: bytes) -> bytes:
        chains = wire.decode(wire.AccessReply, reply).chains
        return wire.encode(
            wire.AccessReply(
                [
                    dataclasses.replace(c, length=1, entries=c.entries[:1])
                    if c.journal_id == setup.work
                    else c
                    for c in chains
                ]
            )
        )

    def lies(hostile: HostileServer) -> None:
        hostile.replies["/v1/shares/list"] = shares_listing(lambda _: [])
        hostile.replies["/v1/journals/list"] = cut_list
        hostile.replies["/v1/journals/access"] = cut_chain

    no_wider(await brief_through(live_server, tmp_path, lies), setup)


async def test_a_field_level_copy_the_server_hides_never_widens_the_brief(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server hides the mood-only copy of Dreams kept for drlee (not in the journal list,
    its chain and records never served) and lists Dreams itself as shared with drlee: with
    no verified copy, Dreams is not covered at all, never whole; its words stay out."""
    setup = await shared_three_ways(signup)

    def hidden(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        journals = [j for j in listed.journals if j.journal_id != setup.copy]
        return wire.encode(dataclasses.replace(listed, journals=journals))

    def no_copy_chain(_: bytes, reply: bytes) -> bytes:
        chains = wire.decode(wire.AccessReply, reply).chains
        return wire.encode(wire.AccessReply([c for c in chains if c.journal_id != setup.copy]))

    def dreams_whole(shares: list[wire.Share]) -> list[wire.Share]:
        copy = [s for s in shares if s.journal_id == setup.copy]
        kept = [s for s in shares if s.journal_id != setup.copy]
        return kept + [dataclasses.replace(s, journal_id=setup.dreams) for s in copy]

    def lies(hostile: HostileServer) -> None:
        hostile.replies["/v1/journals/list"] = hidden
        hostile.replies["/v1/journals/access"] = no_copy_chain
        hostile.replies["/v1/shares/list"] = shares_listing(dreams_whole)

    brief = await brief_through(live_server, tmp_path, lies)
    no_wider(brief, setup)
    assert brief is None or not any(j.startswith("Dreams") for j in brief.journals), brief


async def test_a_copy_whose_records_the_server_withholds_covers_less_never_more(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server lists the mood-only copy of Dreams and serves its chain, but none of its
    records. The new device is an owner device: it brings the copy up to what its source
    holds, with the fields the owner-signed disclosure names (mood), so the brief covers
    Dreams' entry at most as the honest one does, never its words."""
    setup = await shared_three_ways(signup)

    def no_copy_records(_: bytes, reply: bytes) -> bytes:
        answer = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, records=[]) if p.journal_id == setup.copy else p
            for p in answer.pages
        ]
        return wire.encode(dataclasses.replace(answer, pages=pages))

    def lies(hostile: HostileServer) -> None:
        hostile.replies["/v1/sync"] = no_copy_records

    brief = await brief_through(live_server, tmp_path, lies)
    no_wider(brief, setup)
    assert brief is None or brief.journals == setup.honest.journals, brief
