"""R18 (pre-existing, not a regression of integ3): a pull writes its page's cursor over the
stored one unconditionally (Store.set_cursor), from a journal list read before the request.
Another Client on the same profile that pulled further meanwhile has its cursor lowered, and a
server rolled back between the two pulls is never reported: the rollback check compares the
head with the cursor, which now agrees with the rolled-back head."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client
from tests.client.test_integrity import record_ids, server_db
from tests.conftest import ClientFactory, RunningServer


async def test_a_rollback_between_two_clients_pulls_is_reported(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Before.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.entries.write("Personal", "After one.")
    await laptop.entries.write("Personal", "After two.")
    await laptop.sync()
    journal_id = bytes.fromhex((await laptop.journals.get("Personal")).id)
    other = await Client.open(phone.home)  # the same profile, as another process opens it
    try:
        transport = phone.replica.transport
        call = transport.call
        ran = False

        async def overlapping(path: str, request: Any, kind: Any) -> Any:
            nonlocal ran
            if path == "/v1/sync" and not ran:
                ran = True
                assert (await other.sync()).pulled == 2  # the other client pulls both
                with server_db(live_server) as db:  # then the server loses "After two."
                    latest = record_ids(db, journal_id)[-1]
                    db.execute("DELETE FROM records WHERE record_id = ?", (latest,))
                    db.execute(
                        "UPDATE journals SET head = (SELECT max(seq) FROM records "
                        "WHERE journal_id = ?) WHERE journal_id = ?",
                        (journal_id, journal_id),
                    )
                    db.commit()
            return await call(path, request, kind)

        problems: list[str] = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(transport, "call", overlapping)
            problems += (await phone.sync()).problems
        for client in (phone, other, phone, other):
            problems += (await client.sync()).problems
        cursor = next(j.cursor for j in await phone.store.journals() if j.journal_id == journal_id)
        held = await phone.store.highest_seq(journal_id)
        print("problems", problems, "cursor", cursor, "highest seq held", held)
        assert any("rolled back" in p for p in problems), (cursor, held, problems)
    finally:
        await other.close()
