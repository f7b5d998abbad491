"""fix34d: `Client.recover` that takes back the copy of an unfinished signup set aside on
this home (a signup the server stored behind a proxy's page, set aside by a sign-in to
another account) finishes that signup as `login` does: the default journal made, the new
recovery key shown, and the session the signup's lost reply opened signed out (nu83 F2)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, account, keys
from client_sdk.pending_signup import load_pending
from tests.client.test_signup_taken_back import stored_behind_a_page
from tests.conftest import PASSWORD, RunningServer


async def test_a_recovery_taking_back_an_unfinished_signup_finishes_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await Client.signup(
        live_server.url, "ben", PASSWORD, home=tmp_path / "ben", kdf_cost=INSECURE_TEST_COST
    )
    await ben.close()
    home = tmp_path / "phone"
    await stored_behind_a_page(live_server.url, home)
    kept = load_pending(home)
    assert kept is not None
    opened = account.open_kept(kept, PASSWORD)
    assert opened is not None
    lost = kept.request.device_id
    here = await Client.login(
        live_server.url, "ben", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    await here.logout()
    assert [k.state for k in Client.kept_recovery_keys(home)] == ["set aside"]
    client = await Client.recover(
        live_server.url + "/", "ana", keys.format_recovery_key(opened[0]),
        "another correct horse battery", home=home, kdf_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        assert client.profile.account_id == kept.account_id
        assert client.recovery_key is not None
        assert client.signup_session_ended == lost.hex()
        assert [j.name for j in await client.journals.list()] != []  # on s26: []
    finally:
        await client.close()
    owned = await live_server.rows(
        "SELECT count(*) FROM journals WHERE owner_id = ?", kept.account_id
    )
    assert owned == [(1,)]  # on s26: [(0,)]
    revoked = await live_server.rows("SELECT revoked FROM devices WHERE device_id = ?", lost)
    assert [int(r[0]) for r in revoked] == [1]
    assert Client.kept_recovery_keys(home) == []  # retired by the new recovery key
