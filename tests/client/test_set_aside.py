"""One refused record never blocks everything: records the server refuses for good are set
aside (reported once, kept on the device, listed, exportable, retryable) and the rest of the
outbox is pushed. Against a real server; requests counted through a loopback proxy."""

from __future__ import annotations

import contextlib
import sqlite3

from client_sdk import INSECURE_TEST_COST, Client, sync, wire
from tests.client.recording_proxy import recording_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer

THERAPIST = "dr.offline"
NOTE = "Remember the grounding exercise before our next session."


async def note_written_offline_then_share_ended(signup: ClientFactory) -> tuple[Client, Client]:
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await ana.sync()
    await therapist.sync()
    await therapist.notes.add("ana/Personal", NOTE)  # offline: not synced yet
    await therapist.entries.write("Personal", "My own supervision notes.")
    await ana.shares.revoke("Personal", THERAPIST)
    return ana, therapist


async def test_a_note_refused_because_the_share_ended_is_set_aside_and_the_rest_syncs(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    _, therapist = await note_written_offline_then_share_ended(signup)

    report = await therapist.sync()

    assert report.pushed == 1
    [refused] = report.set_aside
    assert (refused.journal, refused.code) == ("ana/Personal", "forbidden")
    assert "share ended" in refused.reason
    assert await therapist.pending() == 0
    [kept] = await therapist.set_aside()
    assert (kept.journal, kept.kind, kept.text, kept.code) == (
        "ana/Personal",
        "note",
        NOTE,
        "forbidden",
    )
    assert kept.to_dict()["text"] == NOTE
    again = await therapist.sync()
    assert (again.set_aside, again.pushed) == ([], 0)  # reported once
    other_device = await login(THERAPIST)
    await other_device.sync()
    assert [e.body for e in await other_device.entries.list()] == ["My own supervision notes."]


async def test_later_writes_keep_syncing_while_a_note_is_set_aside(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    _, therapist = await note_written_offline_then_share_ended(signup)
    await therapist.sync()
    async with recording_proxy(live_server.url) as proxy:
        therapist.transport.base_url = proxy.url
        for n in range(3):
            await therapist.entries.write("Personal", f"Day {n}.")
            report = await therapist.sync()
            assert (report.pushed, report.set_aside) == (1, [])
        assert proxy.paths().count("/v1/records/push") == 3
    assert len(await therapist.set_aside()) == 1


async def test_set_aside_notes_go_through_once_the_share_is_back(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana, therapist = await note_written_offline_then_share_ended(signup)
    await therapist.sync()
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await ana.sync()

    assert await therapist.retry_set_aside() == 1
    report = await therapist.sync()

    assert (report.pushed, report.set_aside) == (1, [])
    assert await therapist.set_aside() == []
    await ana.sync()
    assert [note.text for note in await ana.notes.list()] == [NOTE]


def stored_ids(live_server: RunningServer) -> set[bytes]:
    with contextlib.closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db:
        return {bytes(row[0]) for row in db.execute("SELECT record_id FROM records")}


async def test_one_conflicting_record_in_a_batch_is_set_aside_alone_with_its_later_edits(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    entries = [await ana.entries.write("Personal", f"Entry {n}.") for n in range(8)]
    await ana.entries.edit(entries[3].id, body="Entry 3, edited.")
    outbox = await ana.store.outbox()
    clash = outbox[3]
    # Another record already holds that id on the server (the server refuses it for good):
    squatter = wire.RecordUpload(clash.record_id, clash.epoch, bytes(64))
    await ana.transport.call(
        "/v1/records/push", wire.PushRequest(clash.journal_id, [squatter]), wire.PushReply
    )
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        report = await ana.sync()
        pushes = proxy.paths().count("/v1/records/push")

    assert report.pushed == 7
    codes = [(r.record_id, r.code) for r in report.set_aside]
    assert codes == [
        (clash.record_id.hex(), "record_conflict"),  # hex, as SetAsideChange (NU27 C11)
        (outbox[8].record_id.hex(), sync.DEPENDS_ON_SET_ASIDE),
    ]
    # Halving 9 records down to the one refused (7 calls), not one call per record, and one
    # call for the no-op record that states the hole in this device's counters.
    assert pushes <= 8
    assert {r.record_id for r in outbox} - stored_ids(live_server) == {outbox[8].record_id}
    phone = await login("ana")
    pulled = await phone.sync()
    # The hole the set-aside record left in the laptop's counters is stated by a no-op
    # record at once, so no reader mistakes it for a record the server withheld.
    assert pulled.withheld == []
    ana.transport.base_url = live_server.url
    assert (await ana.sync()).withheld == []
    bodies = sorted(e.body for e in await phone.entries.list())
    assert bodies == sorted(f"Entry {n}." for n in range(8) if n != 3)
    assert [c.text for c in await ana.set_aside()] == ["Entry 3, edited."] * 2


def test_refusals_are_classified_by_code_not_message() -> None:
    from client_sdk.errors import AccessError, AuthError, ConflictError, InvalidInput, NetworkError

    def error(kind: type[Exception], code: str, message: str = "whatever") -> Exception:
        made = kind(message)
        made.code = code  # type: ignore[attr-defined]
        return made

    assert sync.refusal(error(AccessError, "forbidden", "quota")) == sync.JOURNAL
    assert sync.refusal(error(InvalidInput, "too_large", "forbidden")) == sync.RECORD
    assert sync.refusal(error(ConflictError, "record_conflict")) == sync.RECORD
    assert sync.refusal(error(InvalidInput, "some_new_code")) == sync.RECORD
    assert sync.refusal(error(AccessError, "some_new_code")) == sync.JOURNAL
    assert sync.refusal(error(ConflictError, "stale_epoch")) is None
    assert sync.refusal(error(AuthError, "auth_failed")) is None
    assert sync.refusal(error(NetworkError, "storage_unavailable")) is None
    assert sync.refusal(AccessError("raised on the device, no code")) is None
    over_quota = error(InvalidInput, "storage_quota_exceeded")
    assert sync.refusal(over_quota) == sync.RECORD
    assert sync.refusal(error(AccessError, "share_quota_exceeded")) == sync.RECORD
    limited = error(InvalidInput, "write_rate_exceeded")
    limited.retry_after = 5.0  # type: ignore[attr-defined]
    assert sync.refusal(limited) is None


async def test_a_note_for_a_journal_whose_owner_erased_their_account_is_set_aside(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await ana.sync()
    await therapist.sync()
    await therapist.notes.add("ana/Personal", NOTE)  # offline
    await therapist.entries.write("Personal", "Still mine.")
    await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    report = await therapist.sync()

    assert report.pushed == 1
    assert [(r.journal, r.code) for r in report.set_aside] == [("ana/Personal", "forbidden")]
    assert [c.text for c in await therapist.set_aside()] == [NOTE]
    assert (await therapist.sync()).set_aside == []
    assert [(j.name, j.read_only_copy) for j in await therapist.journals.list()] == [
        ("Personal", False),
        ("ana/Personal", True),  # the kept copy, read-only
    ]


async def test_once_a_quota_refuses_a_lone_record_the_rest_is_set_aside_without_more_calls(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    for n in range(12):
        await ana.entries.write("Personal", f"Entry {n}.")
    over = wire.encode(wire.ErrorReply("storage_quota_exceeded", "the account is full"))
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        proxy.replies["/v1/records/push"] = (413, over)
        report = await ana.sync()
        pushes = proxy.paths().count("/v1/records/push")
    assert report.pushed == 0
    assert [r.code for r in report.set_aside] == ["storage_quota_exceeded"] * 12
    assert "quota" in report.set_aside[0].reason
    assert pushes <= 5  # 12 -> 6 -> 3 -> 1, then nothing more: not one call per record
    assert len(await ana.set_aside()) == 12
    assert await ana.pending() == 0


async def test_a_note_refused_after_the_owner_took_annotate_back_says_so_and_is_not_delivered(
    signup: ClientFactory,
) -> None:
    """NU19 C11 through the SDK: the sync report, `set_aside()` and `notes.list()` tell an app
    that the note was not delivered and why, in words from the owner's signed chain."""
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await therapist.sync()
    await ana.shares.grant("Personal", THERAPIST, role="read", trust_on_first_use=True, full=True)
    await therapist.notes.add("ana/Personal", NOTE)  # this device still believes it annotates

    report = await therapist.sync()

    why = "ana made your access to ana/Personal read-only"
    [refused] = report.set_aside
    assert (refused.code, refused.reason) == ("forbidden", why)
    assert report.to_dict()["set_aside"][0]["reason"] == why
    [kept] = await therapist.set_aside()
    assert (kept.code, kept.reason, kept.text) == ("forbidden", why, NOTE)
    [note] = await therapist.notes.list("ana/Personal")
    assert (note.text, note.delivered, note.to_dict()["delivered"]) == (NOTE, False, False)
    await ana.sync()
    assert await ana.notes.list() == []


async def test_a_server_refusing_a_note_cannot_make_the_device_say_the_owner_took_access_back(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """Hostile server: it answers `forbidden` to a push although the owner's signed chain
    still gives annotate. The note is set aside (the server is trusted for availability), but
    the reason never claims the owner changed anything: only the chain can say that."""
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await therapist.sync()
    await therapist.notes.add("ana/Personal", NOTE)
    async with recording_proxy(live_server.url) as proxy:
        therapist.transport.base_url = proxy.url
        proxy.queued["/v1/records/push"] = [
            (403, wire.encode(wire.ErrorReply("forbidden", "ana made you read-only")), {})
        ]
        report = await therapist.sync()
    [refused] = report.set_aside
    assert refused.reason == sync.REASONS["forbidden"]
    assert "read-only" not in refused.reason and "ana made" not in refused.reason
    [kept] = await therapist.set_aside()
    assert kept.reason == sync.REASONS["forbidden"]
    [note] = await therapist.notes.list("ana/Personal")
    assert note.delivered is False


def test_refusal_reasons_are_the_sdks_words_for_known_codes() -> None:
    """The set-aside reason is never the server's free text for a code this SDK knows."""
    assert sync.refusal_reason("forbidden", "anything") == sync.REASONS["forbidden"]
    assert sync.refusal_reason("share_quota_exceeded", "server text") == (
        "this account has granted as many shares as the server allows"
    )
    assert sync.refusal_reason("teapot", "the SDK's words for HTTP 418") == (
        "the SDK's words for HTTP 418"
    )


async def test_batches_accepted_before_a_refused_one_are_all_acknowledged_and_never_sent_again(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    # issue 10: a batch's acknowledgement is stored while the next batch travels. Accepted
    # batches (two, past MAX_RECORDS_PER_PUSH), then a refused one (the note: the share
    # ended), then one more accepted: every acknowledgement is stored before the refusal is
    # and before the sync returns; nothing is lost, nothing is sent twice.
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await ana.sync()
    await therapist.sync()
    count = wire.MAX_RECORDS_PER_PUSH + 1
    for n in range(count):
        await therapist.entries.write("Personal", f"Own entry {n}.")
    await therapist.notes.add("ana/Personal", NOTE)
    await therapist.entries.write("Personal", "The last one.")
    await ana.shares.revoke("Personal", THERAPIST)

    async with recording_proxy(live_server.url) as proxy:
        therapist.transport.base_url = proxy.url
        report = await therapist.sync()
        pushes = proxy.paths().count("/v1/records/push")
        again = await therapist.sync()
        pushes_again = proxy.paths().count("/v1/records/push") - pushes

    assert report.pushed == count + 1
    assert [r.code for r in report.set_aside] == ["forbidden"]
    assert pushes == 4  # 500, 1, the note (refused), the last entry
    assert await therapist.pending() == 0
    assert (again.pushed, again.set_aside, pushes_again) == (0, [], 0)
    other_device = await login(THERAPIST)
    await other_device.sync()
    bodies = sorted(e.body for e in await other_device.entries.list())
    assert bodies == sorted([f"Own entry {n}." for n in range(count)] + ["The last one."])
