"""REV-DEL6: hostile review of 7f95bb76 (`trashed_by_hand`; `restored_from` naming the
entry's trash; refused follows told and retried once the store changed). /work/REV-DEL6-
FINDINGS.md has the analysis. Every test here fails on 7f95bb76. Fixed since: sharing the
entry again clears both trash marks of its copy (A); only a restore of the copy itself clears
`trashed_by_hand`, and a copy a merge shows while it says so is hidden again where it
arrives (B)."""

from __future__ import annotations

from client_sdk.documents import entry_view
from client_sdk.entries import TRASHED_BY_HAND, TRASHED_WITH
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.client.test_rev_del5_findings import copy_of
from tests.conftest import ClientFactory


async def test_a_copy_shown_again_by_sharing_again_stays_hidden_after_its_entrys_trash_and_restore(
    signup: ClientFactory,
) -> None:
    """DEL6-A: `trashed_by_hand` is cleared only by `copy_restore_update` (a restore of the
    copy). Sharing the entry again (`grant_entry`, the way the docstrings name to show a
    hidden copy again: "sharing the entry again shows it") rewrites the copy through
    `disclosed_fields` (`trashed_at: None`, `deleted: False`) and leaves `trashed_by_hand:
    true`. The copy is shown, but flagged as hidden by hand: the entry's next trash reaches it
    (`trashed_with_entry: true`), and the entry's restore then skips it. drsmith loses the
    entry Ana shared with him on purpose, and nobody is told."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    fingerprint = await drsmith.shares.fingerprint()
    entry = await ana.entries.write("Personal", "For drsmith.", mood=4)
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "For drsmith.", 4)]
    copy_id = next(e.id for e in await ana.entries.list("Shared with drsmith"))
    await ana.entries.delete(copy_id)  # out of drsmith's view
    await ana.sync()
    assert await drsmith_sees(drsmith) == []
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)  # back, on purpose
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "For drsmith.", 4)]

    await ana.entries.delete(entry.id)  # the copy goes to the trash with it
    await ana.sync()
    assert await drsmith_sees(drsmith) == []
    await ana.entries.restore(entry.id)
    await ana.sync()
    copy = await copy_of(ana, entry.id)
    assert copy is not None
    assert await drsmith_sees(drsmith) == [("", "For drsmith.", 4)], (
        "the copy Ana shared again stayed in the trash when she restored the entry "
        f"(trashed_by_hand={copy.field(TRASHED_BY_HAND)}, "
        f"trashed_with_entry={copy.field(TRASHED_WITH)})"
    )


async def test_a_copy_hidden_by_hand_while_another_device_trashed_and_restored_its_entry_shows(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL6-B (DEL5-A, a variant): the entry's restore writes `trashed_by_hand: false` into
    every copy it brings back (`copy_restore_update`), not only a restore of the copy itself.
    The phone hides the copy (`trashed_by_hand: true`, `trashed_at`), while the laptop, which
    has not seen that (offline, or the server holding the phone's record back a while),
    trashes and restores the entry. The copy's fields are last-writer-wins by random Yjs
    client ids: about one time in two the laptop's `trashed_at: None, trashed_by_hand: false`
    win, and the copy Ana hid is in drsmith's view with no trace that she hid it (nothing
    can repair it). With ten entries, at least one shows, except 1 run in 1,024."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    fingerprint = await drsmith.shares.fingerprint()
    written = []
    for n in range(10):
        entry = await ana.entries.write("Personal", f"Entry {n}.", mood=3)
        await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
        written.append(entry.id)
    await ana.sync()
    await phone.sync()
    assert len(await drsmith_sees(drsmith)) == 10
    for e in await phone.entries.list("Shared with drsmith"):
        await phone.entries.delete(e.id)  # "take them out of drsmith's view" (offline)
    for entry_id in written:  # the laptop, not having seen it
        await ana.entries.delete(entry_id)
        await ana.entries.restore(entry_id)
    await phone.sync()
    await ana.sync()
    await phone.sync()
    await ana.sync()
    shown = await drsmith_sees(drsmith)
    states = []
    for entry_id in written:
        copy = await copy_of(ana, entry_id)
        assert copy is not None
        states.append((entry_view(copy).trashed_at is None, copy.field(TRASHED_BY_HAND)))
    assert shown == [], (
        f"{len(shown)} of the 10 copies Ana hid from drsmith are in his view after another "
        f"device's trash and restore of their entries (shown, trashed_by_hand): {states}"
    )
