"""rev-ce: hostile review of a cut's epoch (commits 92ff031..18d5fce): a share's cut that
names, in its signed body, the epoch of the share it belongs to (outbox sealed again across
a later share; the "earlier cuts" a late carry writes), and the record_conflict equality
"equal apart from `cut`".

Each confirmed bug is a strict expected failure (run with `--runxfail` to see the assertion
that shows it). /work/REV-CE-FINDINGS.md has the analysis.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from client_sdk import SyncReport, carrying, crypto, records, wire
from client_sdk import withholding as counting
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r43_race import quiet_phone, race, settle
from tests.client.test_rev_complete_findings import record_ids
from tests.conftest import ClientFactory, RunningServer


def told(report: SyncReport) -> bool:
    """Whether a sync said anything about what it did not get."""
    return bool(report.withheld or report.incomplete or report.problems or report.rollbacks)


async def _late_withdrawal_of_a_re_shared_note(
    hostile: HostileServer,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    *,
    then_share_with_joan: bool,
) -> None:
    """The laptop shares with tom, tom writes a note, the laptop withdraws it (sealed under
    tom's first membership's epoch) while tom's device is offline. The server delays that
    withdrawal to the phone (a slow replica, as R43). The phone ends tom's share and shares
    with him again (his new membership starts at that cut), optionally then with joan. When
    the phone finally gets the withdrawal it is late: carried across the latest cut. The
    carry seals again only documents the owner created, so the withdrawal of tom's note is
    carried as a `void`; its cut (the re-share being the latest) or, with joan's share
    after, the earlier cut named for tom's re-share (6914f7c) covers the withdrawal's
    counter. tom takes that cover, his device passes over the withdrawal (an epoch before
    his current membership) and his note stays live there, told nothing. Without the
    earlier cut (before 6914f7c, joan's variant) tom reported the withdrawal withheld."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tom, joan = await signup("tom"), await signup("joan")
        await laptop.entries.write(None, "one")
        await laptop.sync(strict=True)
        await share_with(laptop, tom, role="annotate")
        await tom.sync(strict=True)
        note = await tom.notes.add("ana/Personal", "Try the breathing exercise.")
        await tom.sync(strict=True)
        await laptop.sync(strict=True)
        await quiet_phone(state)  # the phone holds everything, tom's note included
        journal = await journal_id(laptop, "Personal")
        before = set(record_ids(live_server, journal))
        await laptop.notes.withdraw(note.id)
        await laptop.sync(strict=True)
        assert len(set(record_ids(live_server, journal)) - before) == 1
        state.delay()  # the phone is not given the withdrawal yet
        await phone.shares.revoke("Personal", "tom")
        await share_with(phone, tom, role="annotate")  # tom's new membership
        if then_share_with_joan:
            await share_with(phone, joan, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom, joan)
        assert [n.text for n in await laptop.notes.list()] == []
        assert [n.text for n in await phone.notes.list()] == []
        reports = [await tom.sync(), await tom.sync()]
        live = [n.text for n in await tom.notes.list()]
        codes = {
            await phone.journals.verify_head("Personal", with_member="tom"),
            await laptop.journals.verify_head("Personal", with_member="tom"),
            await tom.journals.verify_head("ana/Personal"),
        }
        # tom's earlier membership held the withdrawal's epoch (protocol.md 4.18 "Cuts", a
        # member shared with again): it must reach him carried again, or be reported (at
        # least the pair codes compared in session must differ).
        assert live == [] or all(told(r) for r in reports) or len(codes) > 1, (live, reports)


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce F1: a late carry's earlier cut (6914f7c) covers the owner's withdrawal "
    "of a re-shared member's note, which no carry seals again: the note stays live, told "
    "nothing",
)
async def test_ce_f1_a_late_withdrawal_of_a_re_shared_members_note_is_covered_by_an_earlier_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await _late_withdrawal_of_a_re_shared_note(
        hostile, signup, live_server, tmp_path, then_share_with_joan=True
    )


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce F1 (before 92ff031 already): a late carry across a member's re-share "
    "covers the owner's withdrawal of his note in its own cut and carries nothing of it",
)
async def test_ce_f1_a_late_withdrawal_of_a_re_shared_members_note_is_covered_by_the_carrys_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await _late_withdrawal_of_a_re_shared_note(
        hostile, signup, live_server, tmp_path, then_share_with_joan=False
    )


def emoji_text(length: int, seed: int) -> str:
    """`length` characters of 4 bytes each in UTF-8 (an entry holds at most 100,000
    characters; these make one that no single record can carry whole)."""
    chooser = random.Random(seed)
    return "".join(chr(0x1F600 + chooser.randrange(64)) for _ in range(length))


async def _late_edit_too_large_to_carry(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path, *, checked: str
) -> None:
    """The laptop appends to an entry under the key before any share (the entry then
    holds 312 KiB, more than one record carries); the server delays that edit to the
    phone until the phone has shared with tom, then joan. The phone's carry cannot seal the
    entry again in one snapshot (a problem, told once on the phone), yet its cut covers the
    late edit for joan, and the earlier cut named for tom's share (6914f7c) covers it for
    tom: the member `checked` reads the entry without the appended text, told nothing at
    any sync (before 6914f7c tom reported the edit withheld; joan's side was so already:
    the carry's cut covers every late record, carried or not)."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tom, joan = await signup("tom"), await signup("joan")
        for member in (tom, joan):  # no download cap for an owner not verified
            await member.shares.verify("ana", await laptop.shares.fingerprint())
        entry = await laptop.entries.write(None, emoji_text(40_000, 1))
        await laptop.sync(strict=True)
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=emoji_text(40_000, 2))
        await laptop.sync(strict=True)
        state.delay()
        await share_with(phone, tom, role="annotate")
        await share_with(phone, joan, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom, joan)
        [held] = await phone.entries.list()
        assert len(held.body) == 80_001  # the owner's devices hold the edit
        member = {"tom": tom, "joan": joan}[checked]
        reports = [await member.sync(), await member.sync()]
        [seen] = await member.entries.list()
        length = len(seen.body)
        assert length == 80_001 or all(told(r) for r in reports), (length, reports)


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce F3: a late edit whose document is too large to carry is covered all "
    "the same by the earlier cut (6914f7c): the earlier share's member lacks it, told "
    "nothing (the owner is told once)",
)
async def test_ce_f3_a_late_edit_too_large_to_carry_is_covered_for_the_earlier_shares_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    await _late_edit_too_large_to_carry(hostile, signup, tmp_path, checked="tom")


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce F3 (before 92ff031 already): a late edit whose document is too large to "
    "carry is covered all the same by the carry's cut: the latest share's member lacks "
    "it, told nothing",
)
async def test_ce_f3_a_late_edit_too_large_to_carry_is_covered_for_the_latest_shares_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    await _late_edit_too_large_to_carry(hostile, signup, tmp_path, checked="joan")


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce F2: `_seal_earlier_cuts` seals a cut of any size (no MAX_RECORD_BYTES "
    "check, no split): the server refuses it too_large, it is set aside as a change the "
    "user never made, and its covers never reach the members who needed them",
)
async def test_ce_f2_an_earlier_cut_is_never_larger_than_a_record(signup: ClientFactory) -> None:
    """ana shares with tom, then joan (tom's history starts before the latest cut). The
    carry of two late records whose own covers are each within one record but scattered
    (two cuts of a long history whose received ranges have gaps: each about 200 KiB of
    ranges, interleaved) writes the earlier cut named for tom's share over their union.
    Driven directly (`Replica._seal_earlier_cuts`, as `_carry` calls it in its
    transaction) with late records of that shape: a real history needs tens of thousands
    of scattered counters. The cut it seals must fit in one record (or be split, or the
    carry refused before anything is signed, as `_seal_cut` does)."""
    ana = await signup("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write(None, "one")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await share_with(ana, joan, role="annotate")
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    state = ana.replica.chains.current(journal)
    local = await ana.context.local_journal("Personal")
    key = await ana.replica.journal_key(local, local.epoch)
    owner = ana.profile.account_id
    late = []
    for i in range(2):  # each record's covers alone fit in one record
        device = crypto.random_bytes(16)
        ranges = tuple((n, n) for n in range(1 + 2 * i, 90_000, 4))
        late.append(
            carrying.Late(
                crypto.random_bytes(wire.ID_BYTES),
                device,
                100_000,
                None,
                None,
                (),
                state.cuts[0],  # sealed before tom's share
                (counting.Cover(owner, device, ranges),),
            )
        )
        single = records_body_size(owner, device, ranges)
        assert single < wire.MAX_RECORD_BYTES
    async with ana.replica.store.transaction() as tx:
        await ana.replica._seal_earlier_cuts(tx, local, key, late)
    report = await ana.sync()
    assert [s.code for s in report.set_aside] == []
    assert all(len(r.ciphertext) <= wire.MAX_RECORD_BYTES for r in await ana.replica.store.outbox())


def records_body_size(owner: bytes, device: bytes, ranges: tuple[tuple[int, int], ...]) -> int:
    """The msgpack size of a `void` body covering `ranges` of `device` (the covers alone
    decide it here)."""
    body = records.RecordBody(
        owner,
        device,
        100_000,
        records.NO_DOCUMENT,
        "",
        records.VOID,
        b"",
        1,
        covers=(counting.Cover(owner, device, ranges),),
    )
    return len(body.to_bytes())
