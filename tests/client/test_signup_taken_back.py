"""rev32d F4, F5 and the rev32d F3 suspicion: a signup the server stored behind a proxy's HTML
error page, then a sign-in or sign-up at the server's own address (another string than the
proxy's: another host, port, a trailing slash).

The signup's copy (kept `unanswered`, set aside by a sign-in elsewhere) is taken back by the
account's id whatever the address, once the keys the sign-in opened with the password are the
ones the copy holds (never the server's word), and its recovery key is shown after the R25 F1
check, as a finished signup does; a copy of that id holding other keys is kept, unused, and
said. A signup there says the name may be this device's own earlier signup, and how to finish
it. `unanswered` is cleared once a Therapy Journal server answered the signup.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, ConflictError, NetworkError, keys, wire
from client_sdk.errors import NOT_A_JOURNAL_SERVER
from client_sdk.pending_signup import (
    PENDING_FILE,
    SIGNUP_MAYBE_MADE,
    aside_path,
    load_pending,
    read_pending,
    save_pending,
)
from tests.client.test_signup_proxy_page import PAGE, proxy_failing_signups
from tests.conftest import PASSWORD, RunningServer


async def stored_behind_a_page(server: str, home: Path) -> None:
    """Sign ana up through a proxy that answers the stored signup with an HTML 500 page."""
    async with proxy_failing_signups(server, 500) as proxy:
        with pytest.raises(NetworkError) as raised:
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
    assert raised.value.subject == NOT_A_JOURNAL_SERVER


async def test_a_login_at_the_servers_own_address_takes_the_signup_back_and_shows_its_key(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    await stored_behind_a_page(live_server.url, home)
    kept = load_pending(home)
    assert kept is not None and kept.unanswered
    direct = live_server.url.replace("127.0.0.1", "localhost") + "/"  # another string
    assert Client.unfinished_signup_gives_way(home, direct)
    client = await Client.login(
        direct, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )  # on s25: signed in, the key never shown, nothing said
    try:
        assert client.profile.account_id == kept.account_id
        assert client.recovery_key_not_shown is None
        assert client.recovery_key is not None, "the account's recovery key was never shown"
        assert [j.name for j in await client.journals.list()] != []  # as a signup finishes
        key = client.recovery_key
        # kept until the app says it showed it (a plain login did not expect one)
        assert [k.state for k in Client.kept_recovery_keys(home)] == ["unconfirmed"]
        client.recovery_key_shown()
    finally:
        await client.close()
    assert Client.kept_recovery_keys(home) == []
    # the key shown is the account's: it recovers it
    recovered = await Client.recover(
        live_server.url, "ana", key, "another correct horse battery", home=tmp_path / "new",
        kdf_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    assert recovered.profile.account_id == kept.account_id
    await recovered.close()


async def test_a_copy_set_aside_is_taken_back_at_another_address_after_a_login_elsewhere(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Set aside by a login to another account first, the copy comes back at the login to
    its own account at the server's own address."""
    other = await Client.signup(
        live_server.url, "ben", PASSWORD, home=tmp_path / "ben", kdf_cost=INSECURE_TEST_COST
    )
    await other.close()
    home = tmp_path / "phone"
    await stored_behind_a_page(live_server.url, home)
    kept = load_pending(home)
    assert kept is not None
    ben = await Client.login(
        live_server.url, "ben", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    assert ben.recovery_key is None and ben.recovery_key_not_shown is None
    await ben.logout()
    assert [k.state for k in Client.kept_recovery_keys(home)] == ["set aside"]
    ana = await Client.login(
        live_server.url + "/", "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert ana.profile.account_id == kept.account_id
        assert ana.recovery_key is not None, ana.recovery_key_not_shown
    finally:
        await ana.close()
    assert not aside_path(home, kept.account_id).exists()


async def test_a_copy_of_that_account_id_holding_other_keys_is_kept_unused_and_said(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The copy set aside names the account's id but holds other identity keys (not what
    the password opened): it is not this account's signup; kept where it is, never shown."""
    home = tmp_path / "phone"
    await stored_behind_a_page(live_server.url, home)
    kept = load_pending(home)
    assert kept is not None
    theirs = keys.AccountSecrets.generate()  # another account's keys
    identity = kept.request.identity
    forged = wire.Identity(
        identity.account_id, identity.username, theirs.sign_public_key,
        theirs.box_public_key, identity.signature,
    )  # fmt: skip
    request = wire.SignupRequest(**{**vars(kept.request), "identity": forged})
    save_pending(home, type(kept)(**{**vars(kept), "request": request}))
    changed = (home / PENDING_FILE).read_bytes()
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert client.profile.account_id == kept.account_id
        assert client.recovery_key is None
        said = client.recovery_key_not_shown
        assert said is not None and "not the keys of this account" in said, said
        assert str(aside_path(home, kept.account_id)) in said
    finally:
        await client.close()
    assert not (home / PENDING_FILE).exists()
    assert aside_path(home, kept.account_id).read_bytes() == changed  # kept as it was


async def test_a_signup_at_the_servers_own_address_says_the_name_may_be_its_own_signup(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    await stored_behind_a_page(live_server.url, home)
    kept = load_pending(home)
    assert kept is not None
    with pytest.raises(ConflictError) as raised:
        await Client.signup(
            live_server.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
        )
    said = str(raised.value)
    assert said != "the username ana is taken: choose another one"  # on s25
    assert raised.value.subject == SIGNUP_MAYBE_MADE
    assert "may have made this account" in said and "log in" in said, said
    assert raised.value.names["username"] == "ana"
    assert raised.value.names["server"] == live_server.url
    assert load_pending(home) == kept  # put back
    # as said: a login finishes it
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert client.recovery_key is not None
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def proxy_paging_then_failing(
    server: str, failing: str
) -> AsyncIterator[tuple[str, dict[str, bool]]]:
    """A proxy in front of `server`: its first signup answered with an HTML 500 page of its
    own, never forwarded; then the first request to `failing` ("/v1/auth/signup": the
    signup sent again to finish it, stored by the server; or "/v1/auth/login") answered by a
    503 of this API (an ErrorReply: what the server's own 503 is, an unknown outcome)."""
    signups = 0
    failed = False
    mode: dict[str, bool] = {}  # "page all": every request answered by the proxy's page
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            nonlocal signups, failed
            if mode.get("page all"):
                return web.Response(status=500, body=PAGE, content_type="text/html")
            if request.path == "/v1/auth/signup":
                signups += 1
                if signups == 1:
                    return web.Response(status=500, body=PAGE, content_type="text/html")
            headers = {"Content-Type": request.headers.get("Content-Type", "")}
            async with session.post(
                server + request.path, data=await request.read(), headers=headers
            ) as reply:
                body = await reply.read()
                status = reply.status
            if request.path == failing and not failed:
                failed = True
                body = wire.encode(wire.ErrorReply("unavailable", "try later"))
                return web.Response(status=503, body=body, content_type="application/msgpack")
            if request.path == "/v1/auth/signup":
                return web.Response(status=500, body=PAGE, content_type="text/html")
            return web.Response(status=status, body=body, content_type="application/msgpack")

        app = web.Application()
        app.router.add_post("/{tail:.*}", forward)
        proxy = TestServer(app, host="127.0.0.1")
        await proxy.start_server()
        try:
            yield str(proxy.make_url("")).rstrip("/"), mode
        finally:
            await proxy.close()


async def test_unanswered_is_cleared_once_a_journal_server_answered_the_signup(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """rev32d (F3 part): once the server itself answered the signup request (a 503 of its
    own to the signup sent again to finish it: the outcome unknown), the signup is no
    longer one that no Therapy Journal server answered: it holds the home as any unfinished
    signup, and an HTML page answered later does not mark it so again."""
    home = tmp_path / "phone"
    async with proxy_paging_then_failing(live_server.url, "/v1/auth/signup") as (proxy, mode):
        with pytest.raises(NetworkError):
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        first = load_pending(home)
        assert first is not None and first.unanswered
        with pytest.raises(NetworkError) as raised:
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        assert raised.value.subject != NOT_A_JOURNAL_SERVER
        kept = read_pending(home / PENDING_FILE)
        assert kept is not None and not kept.unanswered  # on s25: still unanswered
        assert not Client.unfinished_signup_gives_way(home, live_server.url)
        mode["page all"] = True
        with pytest.raises(NetworkError) as raised:  # answered by the proxy's page again
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        assert raised.value.subject == NOT_A_JOURNAL_SERVER
    again = load_pending(home)
    assert again is not None and not again.unanswered
    assert not Client.unfinished_signup_gives_way(home, live_server.url)


async def test_another_request_of_the_signups_run_answered_is_no_answer_to_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """rev33b F4: the signup, stored behind the proxy's page, is finished through it: the
    prelogin forwarded, the login answered by a 503 of this API. Neither answers the signup
    request, nor opens its account: it stays one no Therapy Journal server answered (on
    fix33a: cleared for good by the prelogin's reply)."""
    home = tmp_path / "phone"
    async with proxy_paging_then_failing(live_server.url, "/v1/auth/login") as (proxy, _):
        with pytest.raises(NetworkError):
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        with pytest.raises(NetworkError):  # sent again: stored, then the page
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        with pytest.raises(NetworkError) as raised:  # prelogin forwarded, the login's 503
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        assert raised.value.subject != NOT_A_JOURNAL_SERVER
    kept = load_pending(home)
    assert kept is not None and (kept.unanswered, kept.answered) == (True, False)
    assert Client.unfinished_signup_gives_way(home, live_server.url)
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )  # at the server's own address: taken back, shown
    assert client.recovery_key is not None
    await client.close()
