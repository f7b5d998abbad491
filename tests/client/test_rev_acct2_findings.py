"""REV-ACCT2: review of the `acct` branch (REV-ACCT F1-F4 fixes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, TJError, wire
from tests.conftest import PASSWORD, RunningServer


@pytest.mark.parametrize("how", ["login", "recover"])
async def test_a_login_again_on_a_home_that_knows_the_server_id_refuses_another_servers_challenge(
    live_server: RunningServer, tmp_path: Path, how: str
) -> None:
    """REV-ACCT2 G1: a login (or recovery) again on a home whose profile names this server
    URL and its id is not a first sign-in, yet it signed a `login`/`recover` challenge
    naming any server id: a hostile server relaying another deployment's challenge (same
    username and password or recovery key there) got a sign-in signature valid there. Now
    the home's known id is required, and nothing is signed or sent."""
    from tests.client.hostile import HostileServer, serving

    async with serving(HostileServer(live_server.url)) as hostile:
        home = tmp_path / "ana"
        client = await Client.signup(
            hostile.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
        )
        known = client.profile.server_id
        recovery_key = client.recovery_key
        assert recovery_key is not None
        await client.close()
        other_server = bytes(range(16))
        assert other_server != known

        def elsewhere(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.ChallengeReply, reply)
            return wire.encode(wire.ChallengeReply(real.challenge, other_server, real.expires_at))

        hostile.replies["/v1/auth/challenge"] = elsewhere
        with pytest.raises(TJError):  # the real server refuses the signature (other id)
            if how == "login":
                await Client.login(
                    hostile.url, "ana", PASSWORD, home=home,
                    minimum_cost=INSECURE_TEST_COST,
                )  # fmt: skip
            else:
                await Client.recover(
                    hostile.url, "ana", recovery_key, "a new passphrase 4 ana x",
                    home=home, kdf_cost=INSECURE_TEST_COST,
                )  # fmt: skip
        sent = [p for p in hostile.paths if p == f"/v1/auth/{how}"]
        assert sent == [], (
            f"a home whose profile knows the server's id signed a {how} challenge naming "
            "another server"
        )
