"""R45: hostile review of NU24 C1 (semantic text merge, `Merged:` notice), NU24 C10
(`Departure.narrowed`) and R43 F1 (removals carried at a share's re-seal). Two devices of one
account (and a therapist), a real server on 127.0.0.1, real crypto. Every `test_r45_...` test
here fails on integ5 at 8afef60 (see /work/R45-FINDINGS.md); the `test_r45_honest_...` and
`..._holds` tests are attacks that were checked and held, kept so they stay held."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def replaced_apart(
    signup: ClientFactory, login: ClientFactory, old: str, on_laptop: str, on_phone: str
) -> list[str]:
    """The body the laptop and the phone read after each replaced `old` before either synced
    (`entries.edit(body=...)`, what `tj edit` does with the editor's text)."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, old)
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body=on_laptop)
    await phone.entries.edit(entry.id, body=on_phone)
    await settle(laptop, phone)
    return [(await device.entries.get(entry.id)).body for device in (laptop, phone)]


async def test_r45_a_last_word_rewritten_and_a_sentence_added_keep_their_order(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1. `semantic_edges` folds the final full stop into the laptop's rewrite of the last
    word ("badly." -> "well."), so the phone's sentence added after that full stop is
    anchored to a deleted character: Yjs puts it before the laptop's rewrite. The text reads
    "I slept  Then work was calm.well." on every device (words out of order, the full stop in
    the middle); a character or plain word diff gives "I slept well. Then work was calm."."""
    bodies = await replaced_apart(
        signup,
        login,
        "I slept badly.",
        "I slept well.",
        "I slept badly. Then work was calm.",
    )
    assert bodies[0] == bodies[1]
    assert bodies[0] == "I slept well. Then work was calm.", bodies[0]


async def test_r45_small_edits_in_one_cjk_sentence_merge_in_place(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F2. `_WORD` is `\\w+`: Chinese and Japanese have no spaces, so a whole sentence up to
    its "。" is one "word". Two one-word fixes in different places of it are two rewrites of
    the whole sentence, and both are kept, one after the other: the sentence is duplicated,
    and the word the laptop replaced (公司) comes back. In English the same two edits merge
    in place (CHANGELOG: "small edits in different places still merge in place")."""
    bodies = await replaced_apart(
        signup,
        login,
        "我今天去了公司，很累。",
        "我今天去了学校，很累。",  # 公司 (the office) -> 学校 (school)
        "我昨天去了公司，很累。",  # 今天 (today) -> 昨天 (yesterday)
    )
    assert bodies[0] == bodies[1]
    assert bodies[0] == "我昨天去了学校，很累。", bodies[0]


async def test_r45_the_same_typo_fixed_on_two_devices_is_fixed_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F3. A user fixes "teh" on the phone, which has not synced, then fixes it again on
    the laptop: both delete the word and insert "the" at the same place, and Yjs keeps both
    inserts: "I went to thethe park today." on every device and at any therapist."""
    fixed = "I went to the park today."
    bodies = await replaced_apart(signup, login, "I went to teh park today.", fixed, fixed)
    assert bodies == [fixed, fixed], bodies


async def test_r45_texts_merged_through_a_shares_reseal_are_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F4. The laptop and the phone each rewrite an entry's body offline; the phone then
    shares the journal. At the laptop's next sync its change, waiting from before the share,
    is re-sealed as a snapshot under the new epoch (R41 F5). A snapshot of a document a
    device already holds is "a compaction" to `Replica` (not an arrival), so the phone
    merges the laptop's rewrite into its body without a word: no `Merged:` notice (the
    laptop, which receives the phone's ordinary update, is told)."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Work was hard today.", title="Work")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Laptop version: work is fine now.")
    await phone.entries.edit(entry.id, body="Phone version: work still worries me.")
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")  # the phone's rewrite goes in the re-seal
    told = []
    for _ in range(2):
        for name, device in (("laptop", laptop), ("phone", phone)):
            told += [(name, m.entry_id) for m in (await device.sync()).merged_texts]
    merged = (await laptop.entries.get(entry.id)).body
    assert merged == (await phone.entries.get(entry.id)).body
    assert "Laptop version" in merged and "Phone version" in merged
    assert ("laptop", entry.id) in told, told
    assert ("phone", entry.id) in told, told


async def test_r45_a_narrowing_then_ended_is_not_told_as_a_copy_still_read_holds(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Checked, holds. The phone narrows tom's whole share of Personal to a copy of its moods, then ends
    that copy too (`shares.revoke`). The laptop verifies both chains in one sync: tom reads
    nothing of Personal any more. `Sharing._narrowed` reads the source chain's `limited`
    entries, which still name the ended copy, and tells "they read only what 'Personal
    (mood) for tom' copies of it now"."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Narrowed.", mood=2)
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await share_with(phone, tom, only=["mood"])
    await phone.shares.revoke("Personal", "tom")  # the copy's share ends too
    told = (await ana.sync()).departures
    assert told, told  # the laptop is told of tom's shares ending
    for departure in told:
        assert departure.narrowed == "", [str(d) for d in told]
        assert "copies of it now" not in str(departure), str(departure)


async def test_r45_honest_an_entry_deleted_and_pushed_before_another_device_shares_stays_deleted(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Checked, holds (the honest case of F6). The laptop deletes an entry and syncs (its delete is on the server); the
    phone, which has not pulled it, shares the journal: its share snapshot is of what it
    holds. Tom must not read the deleted entry."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write("Personal", "Never for a therapist.", title="Private")
    await laptop.entries.write("Personal", "Fine to share.", title="Ok")
    await settle(laptop, phone)
    await laptop.entries.delete(entry.id)
    await laptop.sync()  # the delete is on the server; the phone has not pulled it
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await settle(laptop, phone, tom)
    assert [e.title for e in await tom.entries.list()] == ["Ok"]
    assert [e.title for e in await phone.entries.list()] == ["Ok"]


async def shared_while_withheld(
    laptop: Client,
    phone: Client,
    tom: Client,
    hostile: HostileServer,
    live_server: RunningServer,
) -> None:
    """The phone (through `hostile`) shares Personal with tom while the server keeps from it
    the latest record of Personal (the laptop's, just pushed): its pages stop before it, so
    nothing looks missing. Then everything is served honestly and every device syncs."""
    personal = await journal_id(laptop, "Personal")
    [(hidden,)] = rows(
        server_db(live_server), "SELECT MAX(seq) FROM records WHERE journal_id = ?", personal
    )

    def withheld(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(
                p,
                records=[r for r in p.records if r.seq < hidden],
                cursor=min(p.cursor, hidden - 1),
                head=min(p.head, hidden - 1),
            )
            if p.journal_id == personal
            else p
            for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = withheld
    await share_with(phone, tom, role="annotate")
    del hostile.replies["/v1/sync"]
    await settle(laptop, phone, tom)  # nothing reported on any device (R45)


async def test_r45_a_delete_withheld_from_the_sharing_device_never_reaches_the_new_member(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """F5. The laptop deletes an entry and pushes the delete. The server keeps that one
    record from the phone until the phone has shared Personal with tom: the phone's share
    snapshot holds the entry live, under the new epoch. Then the server serves everything
    honestly. The phone applies the delete, the laptop holds it; nobody carries it to tom,
    whose keys start at the share: tom reads the entry the client deleted before sharing,
    for good, and no device reports anything."""
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "ana-phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        entry = await laptop.entries.write("Personal", "Never for a therapist.", title="Private")
        await laptop.entries.write("Personal", "Fine to share.", title="Ok")
        await settle(laptop, phone)
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        tom = await signup("tom")
        await shared_while_withheld(laptop, phone, tom, hostile, live_server)
        assert [e.title for e in await phone.entries.list()] == ["Ok"]
        assert [e.title for e in await tom.entries.list()] == ["Ok"]
    finally:
        await phone.close()


async def test_r45_an_entry_withheld_from_the_sharing_device_reaches_the_new_member(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """F5, the other way: the laptop writes an entry and pushes it; the server keeps it from
    the phone while the phone shares Personal with tom. The entry is in the journal tom was
    given (every device of ana shows it), but tom never gets it: it is sealed under the
    epoch before his share, and nobody seals it again. Nothing is reported."""
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "ana-phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await laptop.entries.write("Personal", "Before.", title="First")
        await settle(laptop, phone)
        await laptop.entries.write("Personal", "Please read this before Tuesday.", title="New")
        await laptop.sync()
        tom = await signup("tom")
        await shared_while_withheld(laptop, phone, tom, hostile, live_server)
        assert sorted(e.title for e in await phone.entries.list()) == ["First", "New"]
        assert sorted(e.title for e in await tom.entries.list()) == ["First", "New"]
    finally:
        await phone.close()


async def test_r45_an_entry_pushed_while_another_device_shares_reaches_the_new_member(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """F5 with an honest server (the proxy only delays one request): the phone's share has
    pulled and is about to rotate the key when the laptop pushes a new entry. The rotation
    goes through, the phone seals its snapshots of what it held; the laptop's entry stays
    under the epoch before tom's share. Every device of ana shows it; tom never gets it."""
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "ana-phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await laptop.entries.write("Personal", "Before.", title="First")
        await settle(laptop, phone)
        tom = await signup("tom")
        reached, go = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            reached.set()
            await go.wait()

        hostile.holds["/v1/journals/rotate"] = hold
        sharing = asyncio.create_task(share_with(phone, tom, role="annotate"))
        await reached.wait()
        await laptop.entries.write("Personal", "Please read this before Tuesday.", title="New")
        await laptop.sync()
        del hostile.holds["/v1/journals/rotate"]
        go.set()
        await sharing
        await settle(laptop, phone, tom)
        assert sorted(e.title for e in await phone.entries.list()) == ["First", "New"]
        assert sorted(e.title for e in await tom.entries.list()) == ["First", "New"]
    finally:
        await phone.close()


async def test_r45_words_trashed_offline_then_restored_on_another_device_are_not_lost(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F6. The laptop appends words offline to an entry, trashes it offline; the phone shares
    Personal with tom, so the laptop's changes are re-sealed with its words carried deleted
    (`removal_since(strip=True)`) and a restore-anew marker on the laptop only. The user
    then restores the entry from the phone (`tj trash restore` there), not the laptop: the
    words are gone on every device, the laptop included ("Monday." everywhere), and nobody
    is told. Restored on the laptop, the same entry keeps them (R43 F3's fix)."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, append=" Words for my therapist.")  # offline
    await laptop.entries.delete(entry.id)  # offline: to the trash
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await settle(laptop, phone, tom)
    await phone.entries.restore(entry.id)
    await settle(laptop, phone, tom)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    bodies += [e.body for e in await tom.entries.list()]
    assert bodies == ["Monday. Words for my therapist."] * 3, bodies
