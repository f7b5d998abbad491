"""NU20 C1: a journal (or an `--only` copy, which keeps its id) whose read-only copy the
therapist forgot, and which the client then shares with them AGAIN, comes back on the
therapist's device, and the sync says so. Only a new grant the owner signed after the forget
brings it back (forgotten.shared_again): a hostile server listing the journal again, with the
old chain or with the owner's later entries that grant nothing, does not."""

from __future__ import annotations

from client_sdk import Client, departures, forgotten, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_forget_share import traces
from tests.conftest import ClientFactory

SECRET = "She told me about the accident on the bridge"
SEVERE = "PHQ-9 24 today; nightmares about the accident"


async def forgotten_after_unshare(ana: Client, tom: Client) -> bytes:
    """ana shares Personal with tom, tom reads it; ana ends the share, tom forgets the copy."""
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    assert [e.body for e in await tom.entries.list("ana/Personal")] == [SECRET]
    await ana.shares.revoke("Personal", tom.username)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    assert await tom.shares.with_me() == []
    return journal


async def test_a_journal_shared_again_after_a_forget_comes_back_and_the_therapist_is_told(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    journal = await forgotten_after_unshare(ana, tom)
    await ana.shares.grant("Personal", "tom", full=True, trust_on_first_use=True)
    await ana.entries.write("Personal", SEVERE)
    await ana.sync()
    report = await tom.sync()
    assert report.problems == []
    [told] = [d for d in report.departures if d.reason == departures.RETURNED]
    assert (told.owner, told.journal, told.journal_id) == ("ana", "Personal", journal.hex())
    assert "shared 'Personal' with you again" in str(told)
    bodies = {e.body for e in await tom.entries.list("ana/Personal")}
    assert SEVERE in bodies
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]
    assert forgotten.tag(journal) not in forgotten.decode(
        await tom.store.setting(forgotten.SETTING)
    )
    # Told once; later syncs go on receiving what ana writes.
    await ana.entries.write("Personal", "Slept better.")
    await ana.sync()
    again = await tom.sync()
    assert [d for d in again.departures if d.reason == departures.RETURNED] == []
    assert "Slept better." in {e.body for e in await tom.entries.list("ana/Personal")}


async def test_an_only_copy_shared_again_after_a_forget_comes_back(
    signup: ClientFactory,
) -> None:
    """The copy of a field-level share keeps its journal id when made again (NU20 C1's
    reproduction: `--only mood`, then `--only mood,tags`, forget, `--only mood`)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"])
    await tom.sync()
    [name] = [s.owner_journal_name for s in await tom.shares.with_me()]
    copy = f"ana/{name}"
    await ana.shares.grant("Personal", "tom", only=["mood", "tags"], trust_on_first_use=True)
    await tom.sync()
    ended = [s.owner_journal_name for s in await tom.shares.with_me() if s.read_only_copy]
    assert ended == [name]
    assert await tom.shares.forget(copy, unlisted=True) is True
    assert name not in [s.owner_journal_name for s in await tom.shares.with_me()]
    await ana.shares.grant("Personal", "tom", only=["mood"], trust_on_first_use=True)
    await ana.entries.write("Personal", "Scared all day.", mood=1)
    await ana.sync()
    report = await tom.sync()
    assert [d.journal for d in report.departures if d.reason == departures.RETURNED] == [name]
    live = [s.owner_journal_name for s in await tom.shares.with_me() if not s.read_only_copy]
    assert name in live
    assert (1, "") in [(e.mood, e.body) for e in await tom.entries.list(copy)]


async def test_a_hostile_server_cannot_bring_a_forgotten_journal_back_without_a_new_grant(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """After tom forgot the copy, the server lists the journal to him again and serves its
    chain: first as it was when the share was active (a replay), then the owner's real
    chain, longer, whose new entries (the removal, a rotation) grant tom nothing. Neither
    brings it back; only ana's new signed grant does."""
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    old_list = hostile.replies_to("/v1/journals/list")[-1]
    await ana.shares.revoke("Personal", "tom")
    await tom.sync()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    chain = (await ana.store.access_entries())[journal]
    old = next(
        j for j in wire.decode(wire.JournalList, old_list).journals if j.journal_id == journal
    )
    assert len(chain) > old.chain_length  # the owner's removal and rotation came after

    def listing(length: int) -> bytes:
        real = wire.decode(wire.JournalList, old_list)
        journals = [
            j if j.journal_id != journal else wire.Journal(**{**vars(j), "chain_length": length})
            for j in real.journals
        ]
        return wire.encode(wire.JournalList(journals))

    own = await journal_id(tom, "Personal")
    asked: list[wire.Cursor] = []
    served: list[int] = []

    def ask_own(body: bytes) -> bytes:  # the real server refuses tom the journal's chain
        cursors = wire.decode(wire.AccessRequest, body).cursors
        asked[:] = [c for c in cursors if c.journal_id == journal]
        return wire.encode(wire.AccessRequest([wire.Cursor(own, 0)])) if asked else body

    def serve_chain(_: bytes, reply: bytes) -> bytes:
        chains = [
            wire.AccessChain(c.journal_id, len(chain), chain[c.after :])
            for c in asked
            if c.journal_id == journal
        ]
        served.extend(len(c.entries) for c in chains)
        return wire.encode(wire.AccessReply(chains)) if chains else reply

    hostile.requests["/v1/journals/access"] = ask_own
    hostile.replies["/v1/journals/access"] = serve_chain
    for length in (old.chain_length, len(chain)):  # the replay, then the owner's later entries
        hostile.replies["/v1/journals/list"] = lambda _, __, n=length: listing(n)
        report = await tom.sync()
        assert [d for d in report.departures if d.reason == departures.RETURNED] == []
        assert await tom.shares.with_me() == []
        assert traces(tom.home, journal, SECRET) == []
    assert served == [len(chain)]  # the longer chain was read (and verified), to no avail
    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/journals/access"]
    del hostile.requests["/v1/journals/access"]
    await ana.shares.grant("Personal", "tom", full=True, trust_on_first_use=True)
    report = await tom.sync()
    assert [d.journal for d in report.departures if d.reason == departures.RETURNED] == ["Personal"]
    assert SECRET in {e.body for e in await tom.entries.list("ana/Personal")}
