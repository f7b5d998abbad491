"""R28: hostile review of NU20 C1 (a forgotten journal shared again comes back) and NU19 C20 /
NU20 C5 (`tj notes withdraw`; a note withdrawn before it left the device is dropped).
Each test failed on cf2db1b (before the fixes) and passes now (real server on loopback, real
crypto; the hostile server is the loopback proxy of tests/client/hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import with_hint
from cli.output import shown, withdrawal_words
from client_sdk import wire
from client_sdk.errors import AccessError, TJError
from client_sdk.replica import stored_document
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

WRONG = "ZEBRA-SECRET: results of your test are in, call me."


def reply_lost(body: bytes, reply: bytes) -> bytes:
    """The real server stored the push; its reply never reaches the device (a dropped
    connection, or a hostile server withholding it): the proxy answers 500."""
    raise RuntimeError("reply lost after the server stored the records")


async def test_a_note_withdrawn_after_a_lost_push_reply_never_reaches_the_client(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    note = await tom.notes.add("ana/Personal", WRONG)
    hostile.replies["/v1/records/push"] = reply_lost
    with pytest.raises(TJError):  # a 5xx after the retries
        await tom.sync()
    del hostile.replies["/v1/records/push"]
    pushed = len(hostile.bodies("/v1/records/push"))
    assert pushed >= 1  # the real server stored the note (the test can fail)
    assert await tom.store.outbox_holds(bytes.fromhex(note.id))
    # tom sees the note went to the wrong client and withdraws it; the SDK reports success.
    await tom.notes.withdraw(note.id)
    assert await tom.notes.list() == []
    await tom.sync()
    await ana.sync()
    # The therapist withdrew it: the client's device must not show it.
    assert WRONG not in [n.text for n in await ana.notes.list()]


async def test_a_server_cannot_make_a_device_download_a_junk_chain_of_a_forgotten_journal(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", "She told me about the accident on the bridge")
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    old_list = hostile.replies_to("/v1/journals/list")[-1]
    await ana.shares.revoke("Personal", "tom")
    await tom.sync()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    listed = 20 * wire.MAX_CHAIN_PAGE  # the server claims a long chain (at most 2**20)

    def listing(_: bytes, __: bytes) -> bytes:
        real = wire.decode(wire.JournalList, old_list)
        journals = [
            j if j.journal_id != journal else wire.Journal(**{**vars(j), "chain_length": listed})
            for j in real.journals
        ]
        return wire.encode(wire.JournalList(journals))

    own = await journal_id(tom, "Personal")
    asked: list[wire.Cursor] = []
    junk_pages: list[int] = []

    def ask_own(body: bytes) -> bytes:  # the real server refuses tom the journal's chain
        cursors = wire.decode(wire.AccessRequest, body).cursors
        asked[:] = [c for c in cursors if c.journal_id == journal]
        return wire.encode(wire.AccessRequest([wire.Cursor(own, 0)])) if asked else body

    def serve_junk(_: bytes, reply: bytes) -> bytes:
        if not asked:
            return reply
        junk_pages.append(asked[0].after)
        page = [b"\x00"] * wire.MAX_CHAIN_PAGE  # not one of them verifies
        return wire.encode(wire.AccessReply([wire.AccessChain(journal, listed, page)]))

    hostile.replies["/v1/journals/list"] = listing
    hostile.requests["/v1/journals/access"] = ask_own
    hostile.replies["/v1/journals/access"] = serve_junk
    await tom.sync()
    assert await tom.shares.with_me() == []  # it stays forgotten (this holds)
    # The first page does not verify against the mark: nothing more need be fetched.
    assert len(junk_pages) <= 2, f"{len(junk_pages)} junk pages fetched in one sync"


async def test_a_forgotten_journals_chain_checked_without_a_grant_is_not_fetched_again(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """R28 F2, the rest: the server lists a forgotten journal with the owner's real chain,
    longer than the mark but granting tom nothing, on every sync. It is fetched and verified
    once; later syncs listing no more entries fetch nothing; ana's new grant (a longer chain)
    still brings the journal back."""
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", "She told me about the accident on the bridge")
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    old_list = hostile.replies_to("/v1/journals/list")[-1]
    await ana.shares.revoke("Personal", "tom")
    await tom.sync()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    chain = (await ana.store.access_entries())[journal]

    def listing(_: bytes, __: bytes) -> bytes:
        real = wire.decode(wire.JournalList, old_list)
        journals = [
            j
            if j.journal_id != journal
            else wire.Journal(**{**vars(j), "chain_length": len(chain)})
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

    hostile.replies["/v1/journals/list"] = listing
    hostile.requests["/v1/journals/access"] = ask_own
    hostile.replies["/v1/journals/access"] = serve_chain
    for _ in range(3):
        await tom.sync()
        assert await tom.shares.with_me() == []
    assert served == [len(chain)]  # verified whole once, then remembered
    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/journals/access"]
    del hostile.requests["/v1/journals/access"]
    await ana.shares.grant("Personal", "tom", full=True, trust_on_first_use=True)
    await tom.sync()
    assert [s.owner_journal_name for s in await tom.shares.with_me()] == ["Personal"]


async def test_a_refused_withdrawal_never_looks_done_on_the_authors_device(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    note = await tom.notes.add("ana/Personal", WRONG)
    await tom.sync()
    await ana.sync()
    # ana makes the share read-only; tom, offline, withdraws the note (works offline).
    await ana.shares.grant("Personal", "tom", role="read", trust_on_first_use=True)
    await ana.sync()
    await tom.notes.withdraw(note.id)
    report = await tom.sync()
    assert [s.code for s in report.set_aside] == ["forbidden"]  # the server refused it
    await ana.sync()
    assert WRONG in [n.text for n in await ana.notes.list()]  # ana still reads it
    # tom's device must not show it as withdrawn: the note is there, its withdrawal not
    # delivered (and only ana can remove it now).
    assert note.id in [n.id for n in await tom.notes.list()]
    # ... said so, with who can remove it now (NU20 C4), in the sync report and the list,
    # in words that name no app's command (NU45 #4): the CLI adds its own.
    ask = "Only ana can remove it now: ask ana to withdraw it (it is in their journal"
    cli_ask = f"Only ana can remove it now: ask ana to run `tj notes withdraw {note.id[:12]}`"
    assert [s.withdrawal for s in report.set_aside] == [True]
    said = report.set_aside[0].refused_withdrawal
    assert said is not None and (said.owner, said.note_id, said.retry) == ("ana", note.id, False)
    assert ask in report.set_aside[0].reason and "tj " not in report.set_aside[0].reason
    assert cli_ask in shown(withdrawal_words(said))  # as printed
    [listed] = await tom.notes.list()
    assert not listed.delivered and listed.withdrawal_refused == said
    assert ask in str(listed.withdrawal_refused)
    with pytest.raises(AccessError, match="Only ana can remove it now") as refused:
        await tom.notes.withdraw(note.id)
    assert refused.value.subject == "withdrawal refused" and "tj " not in str(refused.value)
    assert refused.value.names["owner"] == "ana" and refused.value.names["note"] == note.id
    assert with_hint(refused.value) == withdrawal_words(said)


@pytest.mark.parametrize("owner_removes_it", ["after the refusal", "before the sync"])
async def test_a_refused_withdrawal_leaves_set_aside_once_the_owner_removed_the_note(
    signup: ClientFactory, owner_removes_it: str
) -> None:
    """A refused withdrawal stays set aside while the owner's devices still read the note;
    once the owner marked it deleted (what the therapist was told to ask for), there is
    nothing left to withdraw: it leaves `set_aside()`, and the sync that learns it reports
    no change set aside (`tj sync` exits 0). Refusals that still matter stay: the refused
    withdrawal of another note the owner did not remove, and a new note refused."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    note = await tom.notes.add("ana/Personal", WRONG)
    other = await tom.notes.add("ana/Personal", "Another note, withdrawn too.")
    await tom.sync()
    await ana.sync()
    await ana.shares.grant("Personal", "tom", role="read", trust_on_first_use=True)
    await ana.sync()
    # tom, offline: withdraws both notes and writes a third; all are refused at his sync.
    await tom.notes.withdraw(note.id)
    await tom.notes.withdraw(other.id)
    await tom.notes.add("ana/Personal", "A third note, refused too.")
    if owner_removes_it == "before the sync":
        await ana.notes.withdraw(note.id)  # the one tom asked ana to remove
        await ana.sync()
    report = await tom.sync()
    refused = [r.doc_id for r in report.set_aside]
    if owner_removes_it == "after the refusal":
        assert refused.count(note.id) == 1, "refused: ana still reads it"
        await ana.notes.withdraw(note.id)
        await ana.sync()
        report = await tom.sync()
        refused = [r.doc_id for r in report.set_aside]
    assert note.id not in refused, "nothing left to withdraw: not reported"
    kept = await tom.set_aside()
    still = {c.doc_id for c in kept}
    assert note.id not in still and other.id in still and len(kept) == 2, kept
    listed = {n.id: n for n in await tom.notes.list()}
    assert note.id not in listed and listed[other.id].withdrawal_refused is not None
    assert [n.text for n in await ana.notes.list()] == ["Another note, withdrawn too."]
    # And it does not come back: a retry sends only what is still set aside.
    assert await tom.retry_set_aside() == 2
    report = await tom.sync()
    assert {r.doc_id for r in report.set_aside if r.doc_id} == still


def holding(home: Path, text: str) -> list[str]:
    """The files under a device's home (its store and write-ahead log) holding `text`."""
    return [p.name for p in home.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


async def test_the_text_of_a_withdrawn_note_does_not_linger_in_the_authors_store_files(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    unsent = await tom.notes.add("ana/Personal", WRONG)  # never leaves the device
    await tom.notes.withdraw(unsent.id)
    # R28 F1: a withdrawn note is kept, marked deleted with its text cleared, and sent so.
    stored = await tom.store.document(bytes.fromhex(unsent.id))
    assert stored is not None and stored_document(stored).field("deleted") is True
    await tom.sync()
    assert holding(tom.home, WRONG) == []
