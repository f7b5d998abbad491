"""NU73 F10: the refusals an app asks the user about ("readers left", "shared default",
"fold into shared") carried who reads the journal only as one ", "-joined string in `names`
(under keys with a space). They are `ReadersToConfirm` now: `readers` (and `flags`) are
`JournalReader`s (account id, username, role, end date), with `journal`, `journal_id` and
`folded`; the message and `names` are as before. Real server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import JournalReader, ReadersToConfirm
from client_sdk.default_journal import READERS_LEFT, SHARED_DEFAULT
from client_sdk.portability import FOLD_SHARED
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_import_new_journal_rule import dreams_beside_personal
from tests.conftest import ClientFactory


async def test_readers_left_names_each_reader_and_whom_flags_reach_as_objects(
    signup: ClientFactory,
) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    await share_with(
        ana, drlee, "Personal", role="annotate", safety_flags=True, expires_at=until
    )  # fmt: skip
    personal = await journal_id(ana, "Personal")
    await ana.journals.create("Dreams")
    with pytest.raises(ReadersToConfirm) as refused:
        await ana.journals.set_default("Dreams")
    error = refused.value
    assert error.subject == READERS_LEFT
    drlee_reads = JournalReader(drlee.profile.account_id.hex(), "drlee", "annotate", until)
    assert error.readers == (drlee_reads,) and error.flags == (drlee_reads,)
    assert (error.journal, error.journal_id) == ("Personal", personal.hex())
    assert error.names == {
        "readers": "drlee",
        "flags": "drlee",
        "journal": "Personal",
        "journal id": personal.hex(),
    }
    assert str(error).startswith("'Personal', your default journal, is read by drlee, who")
    assert error.situation and str(error).startswith(error.situation)
    assert (await ana.journals.default()).name == "Personal"


async def test_a_shared_default_by_name_names_its_readers_as_objects(
    signup: ClientFactory,
) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Therapy")
    await share_with(ana, drlee, "Therapy", role="read")
    therapy = await journal_id(ana, "Therapy")
    with pytest.raises(ReadersToConfirm) as refused:
        await ana.journals.set_default("Therapy")
    error = refused.value
    assert error.subject == SHARED_DEFAULT
    assert error.readers == (JournalReader(drlee.profile.account_id.hex(), "drlee", "read"),)
    assert (error.journal, error.journal_id) == ("Therapy", therapy.hex())
    assert error.names == {"journal id": therapy.hex()}
    assert error.situation is not None and "where drlee reads them" in error.situation


async def test_folding_into_a_shared_journal_names_its_readers_and_the_journals_folded(
    signup: ClientFactory,
) -> None:
    data = await dreams_beside_personal(await signup("ana"))
    mia, drjones = await signup("mia"), await signup("drjones")
    await share_with(mia, drjones, "Personal")
    personal = await journal_id(mia, "Personal")
    with pytest.raises(ReadersToConfirm) as refused:
        await mia.archive.import_json(data, into="Personal")
    error = refused.value
    assert error.subject == FOLD_SHARED
    assert [(r.username, r.account_id) for r in error.readers] == [
        ("drjones", drjones.profile.account_id.hex())
    ]
    assert (error.journal, error.journal_id, error.folded) == (
        "Personal",
        personal.hex(),
        ("Dreams",),
    )
    assert error.names == {"journal": "Personal", "readers": "drjones", "folded": "Dreams"}
