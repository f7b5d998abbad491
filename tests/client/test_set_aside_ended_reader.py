"""`default_readers` / `move_set_aside`: a member of the entry's own journal whose signed end
date passed there counts as a reader the move adds when they read the default journal (fix30b
9). The entry never reached them: the server refused it, and an owner's device writes
nothing new under a key a member past their end date holds (it ends the share and rotates
first), so the words were written for the members who receive what is written next in that
journal (`readers.journal_readers(ended=False)`); counting who holds what the journal held
already (`ended=True`) would leave them out of the question. Real server behind the
rewriting proxy (the refusal for good), real crypto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import Client, InvalidInput
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.client.test_lapsed_copy_reader import two_hours_later
from tests.client.test_rev_care2_findings import refuse_record
from tests.conftest import ClientFactory


async def set_aside_in(ana: Client, proxy: HostileServer, journal: str) -> str:
    """An entry written in `journal` that the server refuses for good: its set-aside id."""
    entry = await ana.entries.write(journal, "Written for Night's readers.")
    [record] = [r for r in await ana.store.outbox() if r.doc_id == bytes.fromhex(entry.id)]
    refuse_record(proxy, record.record_id, times=10)
    await ana.sync()
    [kept] = await ana.set_aside()
    return kept.record_id


async def test_a_reader_whose_end_date_passed_in_the_entrys_journal_is_a_wider_reader(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await ana.journals.create("Night")
    await share_with(ana, tom, "Night", expires_at=datetime.now(UTC) + timedelta(hours=1))
    await share_with(ana, tom, "Personal")
    await ana.sync()
    kept = await set_aside_in(ana, hostile, "Night")
    assert await ana.default_readers(kept) == []  # tom reads Night too, now
    with pytest.MonkeyPatch.context() as later:
        two_hours_later(later)  # tom's share of Night ended: nothing new reaches him there
        assert await ana.default_readers(kept) == ["tom"]
        with pytest.raises(InvalidInput) as refused:
            await ana.move_set_aside(kept)
        assert refused.value.subject == "wider default"
        assert refused.value.names["members"] == "tom"
