"""R19 finding 3: two clients of one profile pulling at once, the slower one's reply the
older: an honest server, so no rollback is reported (the forward-only cursor keeps the newer
position; a real rollback shows in the next reply, whose head is then below it)."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client
from tests.conftest import ClientFactory


async def test_an_older_reply_applied_after_a_newer_pull_is_not_a_rollback(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Before.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.entries.write("Personal", "After one.")
    await laptop.sync()
    other = await Client.open(phone.home)  # the same profile, another process
    try:
        transport = phone.replica.transport
        call = transport.call
        ran = False

        async def slow(path: str, request: Any, kind: Any) -> Any:
            nonlocal ran
            reply = await call(path, request, kind)  # the server answers (head 2) now
            if path == "/v1/sync" and not ran:
                ran = True
                # Before this reply is applied: ana writes again, the other client pulls it.
                await laptop.entries.write("Personal", "After two.")
                await laptop.sync()
                assert (await other.sync()).pulled == 2
            return reply

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(transport, "call", slow)
            report = await phone.sync()
        assert report.problems == []  # the server never went back
        assert (await phone.sync()).problems == []
    finally:
        await other.close()
