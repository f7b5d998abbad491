"""Two devices of the owner ending the same share at once (an honest race, or a server
delaying one device's request): the loser's rotation is refused as stale (`chain_conflict`),
and its retry signs on the chain the winner extended. It must not fail with an integrity
error for a change the chain already shows (a `limited_removed` of a share no longer in
force, a `removed` of a member no longer there): the share is ended, which is what was
asked. ana has a laptop (through the proxy) and a phone; tom reads some fields through a
copy."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_two_devices_closing_the_same_copy_at_once_both_end_it_without_an_integrity_error(
    through: Through, signup: ClientFactory, hostile: HostileServer,
    live_server: RunningServer, tmp_path: Path,
) -> None:  # fmt: skip
    laptop = await through("ana")
    tom = await signup("tom")
    await laptop.entries.write("Personal", "Before the share.", mood=6)
    await share_with(laptop, tom, only=["mood"])
    await laptop.sync()
    await tom.sync()
    personal = await journal_id(laptop, "Personal")
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        await phone.sync()
        phone_ended: list[list[str]] = []

        async def phone_first() -> None:
            del hostile.holds["/v1/journals/rotate"]
            phone_ended.append(await phone.shares.revoke("Personal", "tom"))

        hostile.holds["/v1/journals/rotate"] = phone_first
        before = len(hostile.bodies("/v1/journals/rotate"))
        ended = await laptop.shares.revoke("Personal", "tom")
        assert phone_ended and phone_ended[0], phone_ended  # the phone ended it first
        assert ended == phone_ended[0]  # the laptop says the same share is ended
        for device in (laptop, phone):
            await device.sync()
            state = device.replica.chains.current(personal)
            assert [s.account_id for s in state.limited.values()] == []
            assert len(state.limited_removed) == 1  # one `limited_removed`, not two
            assert device.replica.chains.problems() == {}
        # The laptop's first rotation was refused; it signed nothing more after the phone's.
        assert len(hostile.bodies("/v1/journals/rotate")) == before
    finally:
        await phone.close()
