"""NU21 C14: a client's new device that fetches the notes of a therapist whose share has ended
names them in the sync summary as `notes.list()` does (from the owner's verified access chain),
never "another account"."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_former_therapists_notes_are_named_in_a_new_devices_sync_summary(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    drsmith = await signup("drsmith", device="office")
    await ana.entries.write(None, "Slept badly.")
    await share_with(ana, drsmith, role="annotate")
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "Try the wind-down routine.")
    await drsmith.sync()
    await ana.sync()
    await ana.shares.revoke("Personal", "drsmith")

    tablet = await login("ana", device="tablet")
    report = await tablet.sync()
    [note] = await tablet.notes.list()
    assert note.author == "drsmith"
    sources = {(n.kind, n.source) for n in report.news}
    assert ("note", "drsmith") in sources, report.news
    assert "another account" not in {source for _, source in sources}
