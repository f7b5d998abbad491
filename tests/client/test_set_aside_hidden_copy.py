"""Who reads the default journal, for a set-aside move naming no journal, comes from the
default journal's own owner-signed access chain (its field-level shares, `limited`), never
from which copy journals a server lists: a server that leaves the field-level copy kept for
a therapist out of one device's journal list hides nobody from `default_readers` and lets
no private entry's words into the journal that copy follows, nor leaves the therapist out
of the safety message's "reads only a copy" line (real server on loopback, the rewriting
proxy of tests/client/hostile.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput, wire
from client_sdk.readers import journal_readers, reader_names
from tests.client.hostile import HostileServer, ReplyRewrite, serving
from tests.client.sharing_support import share_with
from tests.client.test_nu43_findings import hiding
from tests.conftest import PASSWORD, ClientFactory, RunningServer

KEPT = 2  # of the copy's chain served: created, disclosure; cut before granted, rotated


def cut_before_grant(mirror: bytes) -> dict[str, ReplyRewrite]:
    """The journal list's and the access chains' rewrites, by path, that serve the copy
    journal `mirror`'s chain cut before its member's grant (its first KEPT entries, epoch 0's
    keys alone): a device cannot tell that prefix from the whole chain."""

    def listing(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList(
                [
                    wire.Journal(
                        **{
                            **vars(j),
                            "chain_length": KEPT,
                            "epoch": 0,
                            "keys": [k for k in j.keys if k.epoch == 0],
                        }
                    )
                    if j.journal_id == mirror
                    else j
                    for j in listed
                ]
            )
        )

    def access(_: bytes, reply: bytes) -> bytes:
        chains = wire.decode(wire.AccessReply, reply).chains
        return wire.encode(
            wire.AccessReply(
                [
                    wire.AccessChain(mirror, KEPT, c.entries[:KEPT])
                    if c.journal_id == mirror
                    else c
                    for c in chains
                ]
            )
        )

    return {"/v1/journals/list": listing, "/v1/journals/access": access}


async def copy_for(ana: Client, drlee: Client, fields: list[str]) -> bytes:
    """ana shares "Personal" with drlee as a copy of `fields` and syncs: the copy journal's
    id, from her verified chains."""
    await share_with(ana, drlee, only=fields)
    await ana.sync()
    await ana.context.replica.load_access()
    [mirror] = [j for j, s in ana.context.sharing.disclosures().items() if s.kind == "mirror"]
    return mirror


@asynccontextmanager
async def new_phone(
    server: RunningServer, tmp_path: Path, replies: dict[str, ReplyRewrite]
) -> AsyncIterator[tuple[HostileServer, Client]]:
    """ana's new phone, signed in through the rewriting proxy answering with `replies` (by
    path; more may be set on the proxy in the block), and closed after the block."""
    async with serving(HostileServer(server.url)) as hostile:
        hostile.replies.update(replies)
        phone = await Client.login(
            hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        try:
            yield hostile, phone
        finally:
            await phone.close()


async def moved_from_night(phone: Client) -> tuple[list[str], InvalidInput | None]:
    """The phone writes in "Night" (deleted on the laptop): the entry is set aside; then
    `default_readers` for it, and the refusal of `move_set_aside` naming no journal."""
    await phone.entries.write("Night", "Only for me, at night.")
    await phone.sync()
    [kept] = await phone.set_aside()
    readers = await phone.default_readers(kept.record_id)
    try:
        await phone.move_set_aside(kept.record_id)
    except InvalidInput as error:
        return readers, error
    await phone.sync()
    return readers, None


async def bodies_read_after_sync(ana: Client, drlee: Client) -> list[str]:
    """After ana and drlee sync: the words of each entry drlee reads."""
    await ana.sync()
    await drlee.sync()
    return [e.body for e in await drlee.entries.list()]


async def test_a_field_level_reader_of_the_default_journal_counts_though_its_copy_is_hidden(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """ana shares "Personal" with drlee as a copy of the entries' words (`only=["body"]`);
    the server withholds that copy journal from her phone. The phone's verified chain of
    "Personal" names drlee's field-level share: a move of words written in the private
    "Night" into "Personal" is refused, and drlee never reads them."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    mirror = await copy_for(ana, drlee, ["body"])
    hidden = {"/v1/journals/list": hiding(mirror)}
    async with new_phone(live_server, tmp_path, hidden) as (_, phone):
        await phone.sync()
        assert mirror.hex() not in [j.id for j in await phone.journals.list()]
        personal = bytes.fromhex((await phone.journals.get("Personal")).id)
        await phone.context.replica.load_access()
        state = phone.context.replica.chains.state(personal)
        assert reader_names(
            journal_readers(state, 2**62, ended=False, viewer=phone.profile.account_id)
        ) == ["drlee"]
        await ana.journals.delete("Night", discard_undelivered=True)
        await phone.entries.write("Night", "Only for me, at night.")
        await phone.sync()
        [kept] = await phone.set_aside()
        assert await phone.default_readers(kept.record_id) == ["drlee"]
        try:
            await phone.move_set_aside(kept.record_id)
        except InvalidInput as error:
            refused: InvalidInput | None = error
        else:
            refused = None
        await phone.sync()
    assert refused is not None and refused.subject == "wider default"
    assert refused.names["members"] == "drlee"
    assert "Only for me, at night." not in await bodies_read_after_sync(ana, drlee)


async def test_a_copy_held_here_of_fields_the_entry_lacks_adds_no_reader(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """With the copy's owner-sealed settings on this device, a field-level share counts only
    when its copy carries a field the entry has: moods only, for words alone, adds nobody;
    the words, drlee."""
    ana, drlee, kim = await signup("ana"), await signup("drlee"), await signup("kim")
    await ana.journals.create("Night")
    await share_with(ana, drlee, only=["mood"])
    await share_with(ana, kim, only=["body"])
    phone = await login("ana")
    await phone.sync()
    await ana.journals.delete("Night", discard_undelivered=True)
    await phone.entries.write("Night", "Only for me.")
    await phone.sync()
    [kept] = await phone.set_aside()
    assert await phone.default_readers(kept.record_id) == ["kim"]


async def test_the_safety_message_names_a_copy_reader_whose_copy_is_hidden(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """drlee reads a copy of "Personal"'s moods, hidden from ana's phone: after a PHQ-9 with
    item 9 answered 3 there, the phone's safety message still says no flag reaches drlee
    (a copy carries none), from "Personal"'s own verified chain."""
    ana, drlee = await signup("ana"), await signup("drlee")
    mirror = await copy_for(ana, drlee, ["mood"])
    hidden = {"/v1/journals/list": hiding(mirror)}
    async with new_phone(live_server, tmp_path, hidden) as (_, phone):
        await phone.sync()
        assert mirror.hex() not in [j.id for j in await phone.journals.list()]
        taken = await phone.measures.take("phq9", [0] * 8 + [3])
        response = await phone.safety.respond(taken.result)
    assert response.copy_readers == ["drlee"]
    assert any("drlee (fields this device has not received)" in line for line in response.lines)


async def test_a_field_level_reader_counts_though_its_copys_chain_is_served_before_the_grant(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """ana shares "Personal" with drlee as a copy of the entries' words; her new phone is
    served that copy's chain cut before drlee's grant (its owner-sealed settings verify, no
    member). The chain of "Personal", whole and verified, names drlee's field-level share in
    force: the absence of a grant from the copy's chain drops nobody, the move is refused."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    mirror = await copy_for(ana, drlee, ["body"])
    async with new_phone(live_server, tmp_path, cut_before_grant(mirror)) as (_, phone):
        await phone.sync()
        await phone.context.replica.load_access()
        assert phone.context.sharing.disclosures()[mirror].fields == ("body",)
        await ana.journals.delete("Night", discard_undelivered=True)
        readers, refused = await moved_from_night(phone)
    assert readers == ["drlee"]
    assert refused is not None and refused.subject == "wider default"
    assert "Only for me, at night." not in await bodies_read_after_sync(ana, drlee)


async def test_a_device_that_synced_before_the_share_counts_its_reader_past_a_cut_copy_chain(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """As above, for a phone that synced before ana shared on her laptop: the share's
    `limited` entry reaches it in the chain of "Personal" it holds, and the new copy's chain
    is served cut before drlee's grant."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    async with new_phone(live_server, tmp_path, {}) as (hostile, phone):
        await phone.sync()
        await phone.entries.write("Personal", "an ordinary day")
        await phone.sync()
        mirror = await copy_for(ana, drlee, ["body"])
        hostile.replies.update(cut_before_grant(mirror))
        await phone.sync()
        await ana.journals.delete("Night", discard_undelivered=True)
        readers, refused = await moved_from_night(phone)
    assert readers == ["drlee"]
    assert refused is not None and refused.subject == "wider default"
    assert "Only for me, at night." not in await bodies_read_after_sync(ana, drlee)


async def test_the_safety_message_names_a_copy_reader_whose_copys_chain_is_cut(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """drlee reads a copy of the moods of ana's "Personal"; her phone is served that copy's
    chain cut before drlee's grant: the safety message still says drlee reads only a copy."""
    ana, drlee = await signup("ana"), await signup("drlee")
    mirror = await copy_for(ana, drlee, ["mood"])
    async with new_phone(live_server, tmp_path, cut_before_grant(mirror)) as (_, phone):
        await phone.sync()
        taken = await phone.measures.take("phq9", [0] * 8 + [3])
        response = await phone.safety.respond(taken.result)
    assert response.copy_readers == ["drlee"]
    assert any("drlee" in line and "copy" in line for line in response.lines), response.lines
