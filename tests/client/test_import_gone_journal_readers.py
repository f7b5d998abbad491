"""Restoring a journal deleted on another device from its export (its results carry their
answers, PHQ-9 item 9 included): no existing journal of the account receives them unless the
user names it; a journal the import makes (a new id, its chain signed here: shared with no
one) does, whatever the server answers, since no device can tell from a server answer that a
chain has no newer share it withholds (real server on loopback, real crypto; hostile-server
cases through the loopback proxy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1] * 8 + [2]


async def gone_work(
    laptop: Client, tablet: Client, *, also: str | None = None, reader: Client | None = None
) -> dict[str, Any]:
    """The laptop's "Work" (a PHQ-9, item 9 answered; shared with `reader` if given; and a
    journal `also`, unshared), synced to the tablet, then deleted on the laptop: the
    tablet's export of its read-only copy, as read from a file."""
    await laptop.journals.create("Work")
    if reader is not None:
        await share_with(laptop, reader, "Work", role="read")
    await laptop.measures.take("phq9", ITEM_9, journal="Work")
    if also is not None:
        await laptop.journals.create(also)
    await laptop.sync()
    await tablet.sync()
    await laptop.journals.delete("Work")
    await laptop.sync()
    await tablet.sync()
    [gone] = [j for j in await tablet.journals.list() if j.name == "Work"]
    assert gone.own and gone.read_only_copy
    data = await tablet.archive.export_json(journals=[gone.id])
    exported: dict[str, Any] = json.loads(json.dumps(data))
    assert [r["measure"] for r in exported["results"]] == ["phq9"]
    return exported


async def reaches_no_new_reader(tablet: Client, drjones: Client) -> None:
    await tablet.sync()
    await drjones.sync()
    assert await drjones.measures.list() == []  # the answers reached no new reader


async def test_an_imported_journal_made_and_shared_on_another_device_meanwhile_is_not_written(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """`Journals.create` returned the laptop's "Work (imported)", made and shared with
    drjones after the tablet's last sync, and the import took it for one just made."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet)
    await laptop.journals.create("Work (imported)")
    await share_with(laptop, drjones, "Work (imported)", role="read")
    await laptop.sync()

    [shared] = [j.id for j in await laptop.journals.list() if j.name == "Work (imported)"]
    imported = await tablet.archive.import_json(exported)  # the tablet has not synced since
    # the name is free here, the journal is new: never the laptop's, shared meanwhile
    assert imported.created_journals == ["Work (imported)"], imported
    [made] = imported.journals.values()
    assert made != shared and len(await tablet.measures.list(made)) == 1
    await reaches_no_new_reader(tablet, drjones)


async def test_a_held_imported_journal_shared_since_the_last_sync_is_not_written(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The tablet holds "Work (imported)", unshared as of its last sync; the laptop shares it
    with drjones since: the tablet's older chain said "shared with no one"."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet, also="Work (imported)")
    await share_with(laptop, drjones, "Work (imported)", role="read")
    await laptop.sync()

    imported = await tablet.archive.import_json(exported)
    assert imported.imported_as == {"Work": "Work (imported 2)"}, imported
    await reaches_no_new_reader(tablet, drjones)


async def test_a_new_same_name_journal_shared_with_a_new_therapist_is_not_written(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Deleted "Work", made a new "Work" for a new therapist: the gone one's export went
    straight into the new one (`imported_as` empty: nothing said). Imported again, nothing is
    added and the report says where it is held."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet)
    await laptop.journals.create("Work")  # a new one, for a new therapist
    await share_with(laptop, drjones, "Work", role="read")
    await laptop.sync()

    imported = await tablet.archive.import_json(exported)
    assert imported.imported_as == {"Work": "Work (imported)"}, imported
    assert imported.created_journals == ["Work (imported)"], imported
    await reaches_no_new_reader(tablet, drjones)
    again = await tablet.archive.import_json(exported)  # nothing twice
    assert again.imported_as == {} and again.created_journals == [], again
    assert again.duplicates == 1 and again.held_in == {"Work (imported)": {"results": 1}}


async def test_a_journal_read_by_the_gone_journals_reader_alone_receives_it_only_when_named(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A new "Work" shared with the therapist who read the gone one: the default still makes
    a journal (whether nobody else reads "Work" is a server answer); named by the user, it
    goes there and drsmith reads it."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet, reader=drsmith)
    await laptop.journals.create("Work")
    await share_with(laptop, drsmith, "Work", role="read")
    await laptop.sync()
    await tablet.sync()
    [new_work] = [j for j in await tablet.journals.list() if j.name == "Work" and j.role == "owner"]

    chosen = await tablet.archive.import_json(exported, into=new_work.id)  # the user's choice
    assert chosen.imported_as == {} and chosen.created_journals == [], chosen
    assert chosen.journals == {exported["journals"][0]["id"]: new_work.id}
    await tablet.sync()
    await drsmith.sync()
    [seen] = [r for r in await drsmith.measures.list() if r.journal_id == new_work.id]
    assert seen.answers == tuple(ITEM_9)

    again = await tablet.archive.import_json(exported)  # held in the named journal now
    assert again.created_journals == [] and again.held_in == {"Work": {"results": 1}}, again


async def test_an_import_with_no_server_answer_writes_only_into_a_journal_it_makes(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """No server answers the import: it decides on no server answer at all, so it works, and
    the tablet's older chain of "Work (imported)" (shared with drjones since) is never what
    it writes into."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        exported = await gone_work(laptop, tablet, also="Work (imported)")
        await share_with(laptop, drjones, "Work (imported)", role="read")
        await laptop.sync()
        hostile.upstream, honest = "http://127.0.0.1:9", hostile.upstream  # nothing answers
        imported = await tablet.archive.import_json(exported)
        assert imported.imported_as == {"Work": "Work (imported 2)"}, imported
        hostile.upstream = honest
        await reaches_no_new_reader(tablet, drjones)
    finally:
        await tablet.close()


async def test_an_older_chain_served_to_the_import_never_hides_a_share_held_here(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The tablet synced the share of "Work (imported)" with drjones; the server then serves
    the import the journal list and chains from before it."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        exported = await gone_work(laptop, tablet, also="Work (imported)")
        older = {p: hostile.replies_to(p)[-1] for p in ("/v1/journals/list", "/v1/journals/access")}
        await share_with(laptop, drjones, "Work (imported)", role="read")
        await laptop.sync()
        await tablet.sync()  # the share, verified here
        for path, reply in older.items():
            hostile.replies[path] = lambda body, real, reply=reply: reply

        imported = await tablet.archive.import_json(exported)
        assert imported.imported_as == {"Work": "Work (imported 2)"}, imported
        hostile.replies.clear()
        await reaches_no_new_reader(tablet, drjones)
    finally:
        await tablet.close()


async def test_a_members_journal_named_like_the_target_is_never_imported_into(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """drjones names a journal of his "Work (imported)" and shares it with ana (annotate:
    she may write there): the import writes only into journals this account owns by their
    chain."""
    laptop, drjones = await signup("ana"), await signup("drjones")
    tablet = await login("ana")
    exported = await gone_work(laptop, tablet)
    await drjones.journals.create("Work (imported)")
    await share_with(drjones, tablet, "Work (imported)", role="annotate")
    await drjones.sync()
    await tablet.sync()

    imported = await tablet.archive.import_json(exported)
    assert imported.imported_as == {"Work": "Work (imported)"}, imported
    assert imported.created_journals == ["Work (imported)"], imported
    [made] = [j for j in await tablet.journals.list() if j.name == "Work (imported)" and j.own]
    assert len(await tablet.measures.list(made.id)) == 1
    await reaches_no_new_reader(tablet, drjones)


async def test_a_share_this_device_never_saw_withheld_from_the_import_does_not_decide_it(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, drjones = await signup("ana"), await signup("drjones")
    """A server that replays to the importing tablet the journal list and chains from before
    the laptop shared "Work (imported)" with drjones (the tablet never saw that share, so
    nothing looks rolled back): the import writes only into a journal it makes."""
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        exported = await gone_work(laptop, tablet, also="Work (imported)")
        older = {p: hostile.replies_to(p)[-1] for p in ("/v1/journals/list", "/v1/journals/access")}
        await share_with(laptop, drjones, "Work (imported)", role="read")
        await laptop.sync()
        for path, reply in older.items():  # the tablet has not synced the share
            hostile.replies[path] = lambda body, real, reply=reply: reply
        await tablet.sync()  # what the replayed answers tell it
        imported = await tablet.archive.import_json(exported)
        assert imported.imported_as == {"Work": "Work (imported 2)"}, imported
        assert imported.created_journals == ["Work (imported 2)"], imported
        hostile.replies.clear()
        for _ in range(3):
            await tablet.sync()
            await laptop.sync()
            await drjones.sync()
        assert await drjones.measures.list() == [], "the gone journal's PHQ-9 reached drjones"
    finally:
        await tablet.close()
