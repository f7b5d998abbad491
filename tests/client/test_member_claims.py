"""`Transaction.note_member_claims` (R46 F3) keeps, per member, the highest counter of each
owner device that a member's signed seen vector names, and never a claim past what this
device holds of that device. It runs on every pulled page with members' records, so it reads
the counters held once per call, not once per claim (a subquery per claim scanned the
journal's records each time: 200 claims over 10,000 records took seconds)."""

from __future__ import annotations

from pathlib import Path

from client_sdk.store import SeenRecord, Store

J = b"\x01" * 16
OWNER, MEMBER, OTHER = b"\x0a" * 16, b"\x0b" * 16, b"\x0c" * 16
D1, D2, D3 = b"\x21" * 16, b"\x22" * 16, b"\x23" * 16


def held(device: bytes, counter: int) -> SeenRecord:
    record_id = device[:8] + counter.to_bytes(8, "big")
    return SeenRecord(J, record_id, counter, b"d" * 16, OWNER, device, counter, 1)


async def test_claims_keep_the_highest_sound_counter_per_member_and_device(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    try:
        async with store.transaction() as tx:
            await tx.mark_seen([held(D1, n) for n in range(1, 6)] + [held(D2, 1), held(D2, 3)])
            await tx.note_member_claims(
                J,
                [
                    (MEMBER, OWNER, D1, 4),
                    (MEMBER, OWNER, D1, 7),  # past what D1 drew here: kept for nothing
                    (MEMBER, OWNER, D1, 2),  # lower than a sound claim of the same call
                    (MEMBER, OWNER, D2, 3),
                    (MEMBER, OWNER, D3, 1),  # a device of which nothing is held
                    (OTHER, OWNER, D2, 9),  # past: the other member has no claim at all
                    (OTHER, MEMBER, D1, 1),  # no record of that author is held
                ],
            )
        assert await store.member_claims(J) == {MEMBER: {(OWNER, D1): 4, (OWNER, D2): 3}}
        async with store.transaction() as tx:
            await tx.note_member_claims(J, [(MEMBER, OWNER, D1, 3)])  # never lowered
            await tx.mark_seen([held(D1, 7)])
            await tx.note_member_claims(J, [(MEMBER, OWNER, D1, 7), (OTHER, OWNER, D1, 6)])
        assert await store.member_claims(J) == {
            MEMBER: {(OWNER, D1): 7, (OWNER, D2): 3},
            OTHER: {(OWNER, D1): 6},
        }
    finally:
        await store.close()
