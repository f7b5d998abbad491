"""An app branches on `TJError.subject`, as README says: an empty entry, a locked profile
opened without its passphrase and a wrong passphrase carried none, so an app had to compare
message strings to tell "locked, ask" from "wrong, ask again" (NU66 F1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, InvalidInput
from client_sdk.errors import ENTRY_EMPTY, PASSPHRASE_NEEDED, SUBJECTS, WRONG_PASSPHRASE
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_an_empty_entry_is_refused_with_its_subject(signup: ClientFactory) -> None:
    ana = await signup("ana")
    with pytest.raises(InvalidInput) as written:
        await ana.entries.write("Personal", "")
    assert written.value.subject == ENTRY_EMPTY == "empty entry"
    kept = await ana.entries.write("Personal", "Slept ok.")
    with pytest.raises(InvalidInput) as edited:
        await ana.entries.edit(kept.id, body="  ")
    assert edited.value.subject == ENTRY_EMPTY
    assert (await ana.entries.get(kept.id)).body == "Slept ok."


async def test_a_locked_profile_says_whether_the_passphrase_is_missing_or_wrong(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "ana"
    ana = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, device_name="laptop",
        kdf_cost=INSECURE_TEST_COST, passphrase="a passphrase long enough",
    )  # fmt: skip
    await ana.close()
    with pytest.raises(AuthError) as missing:
        await Client.open(home)
    assert missing.value.subject == PASSPHRASE_NEEDED
    with pytest.raises(AuthError) as wrong:
        await Client.open(home, passphrase="nope nope nope")
    assert wrong.value.subject == WRONG_PASSPHRASE
    assert {ENTRY_EMPTY, PASSPHRASE_NEEDED, WRONG_PASSPHRASE} <= set(SUBJECTS)
    opened = await Client.open(home, passphrase="a passphrase long enough")
    await opened.close()
