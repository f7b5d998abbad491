"""`UndeliveredFlag.to_dict()` (SDK `safety.unsent()`, `tj sync --json`'s
`undelivered_flags[]`): times in the one JSON layout (`models.json_time`, milliseconds),
the journal's id as `journal_id` beside its name, and `ended_at` null for a flag never sent
(no share ended). Real server on loopback; the phone's answer recorded through the SDK
without a sync, as an offline device records it."""

from __future__ import annotations

import re
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401

LAYOUT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


async def test_an_unsent_flag_in_json_has_its_journal_id_one_time_layout_and_no_end(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, [1, 1, 1, 1, 1, 1, 1, 1, 1]
    )
    client = await Client.open(phone.home)
    try:
        [unsent] = await client.safety.unsent()
        personal = await client.journals.get("Personal")
    finally:
        await client.close()
    found = unsent.to_dict()
    assert found["flag_id"] == flag_id and found["cause"] == "not sent"
    assert found["journal_id"] == personal.id and found["journal"] == "Personal"
    assert LAYOUT.match(found["raised_at"]), found
    assert found["ended_at"] is None  # no share ended: the flag never left
