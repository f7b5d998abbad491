"""rev32c F3: a signup the server stored, answered by a proxy's own HTML error page.

A reverse proxy (Cloudflare 524 "a timeout occurred", a plain 500 page) in front of a real
server forwards the signup, the server stores the account, and the client gets the proxy's
page. Nothing there proves the account was not made: the unfinished signup (and the recovery
key made for it) stays, and signing in at the server finishes it with the key shown. A signup
at another address later sets the kept copy aside (never deleted) instead of being refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, AuthError, Client, NetworkError, NotFound
from client_sdk.client import UNANSWERED_SIGNUP_WORDS
from client_sdk.errors import NOT_A_JOURNAL_SERVER
from client_sdk.pending_signup import PENDING_FILE, load_pending
from tests.conftest import PASSWORD, RunningServer

PAGE = b"<html><head><title>524: A timeout occurred</title></head><body>proxy</body></html>"


@contextlib.asynccontextmanager
async def proxy_failing_signups(server: str, status: int) -> AsyncIterator[str]:
    """A proxy on loopback in front of `server` that forwards every request, and answers a
    signup (once the server answered it) with an HTML page of its own, HTTP `status`."""
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            headers = {
                name: request.headers[name]
                for name in ("Content-Type", "Authorization")
                if name in request.headers
            }
            url = server + request.path
            async with session.post(url, data=await request.read(), headers=headers) as reply:
                body = await reply.read()
                kind = reply.headers.get("Content-Type", "application/msgpack")
            if request.path == "/v1/auth/signup":
                return web.Response(status=status, body=PAGE, content_type="text/html")
            return web.Response(status=reply.status, body=body, headers={"Content-Type": kind})

        app = web.Application()
        app.router.add_post("/{tail:.*}", forward)
        proxy = TestServer(app, host="127.0.0.1")
        await proxy.start_server()
        try:
            yield str(proxy.make_url("")).rstrip("/")
        finally:
            await proxy.close()


@pytest.mark.parametrize("status", [524, 500])
async def test_a_signup_stored_behind_a_proxys_error_page_keeps_its_recovery_key(
    live_server: RunningServer, tmp_path: Path, status: int
) -> None:
    home = tmp_path / "phone"
    async with proxy_failing_signups(live_server.url, status) as proxy:
        with pytest.raises(NetworkError) as raised:
            await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        kept = load_pending(home)
        assert kept is not None and not kept.finished, "the unfinished signup was dropped"
        if status == 500:  # 524 is a proxy's own status: said as the server failing
            assert raised.value.subject == NOT_A_JOURNAL_SERVER
            assert str(raised.value).endswith(UNANSWERED_SIGNUP_WORDS), raised.value
        # The same signup again, through the same proxy: the server has the account (a
        # sign-in, no signup request), so it finishes with the key made for it shown.
        client = await Client.signup(proxy, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        try:
            assert client.recovery_key is not None, "the account's recovery key was lost"
            assert client.profile.account_id == kept.account_id
            assert client.recovery_key_not_shown is None
        finally:
            await client.close()


async def test_a_signup_kept_for_an_address_no_journal_server_answered_gives_way(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A mistyped address (another web server) keeps the signup, said plainly; a signup at
    the right address then works at once, the earlier key set aside, listed, not deleted."""
    home = tmp_path / "laptop"

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            status=501, text="<html>Unsupported method</html>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    other = TestServer(app, host="127.0.0.1")
    await other.start_server()
    wrong = str(other.make_url("")).rstrip("/")
    try:
        with pytest.raises(NetworkError) as raised:
            await Client.signup(wrong, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        said = str(raised.value)
        assert said.startswith(
            f"the server at {wrong} does not answer as a Therapy Journal server (HTTP 501)"
        ), said
        kept = load_pending(home)
        assert kept is not None and kept.unanswered
        # The same address again: the same answer, the signup still kept.
        with pytest.raises(NetworkError):
            await Client.signup(wrong, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
        assert load_pending(home) == kept
        assert Client.unfinished_signup_gives_way(home, live_server.url)
        assert not Client.unfinished_signup_gives_way(home, wrong)
    finally:
        await other.close()
    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    try:
        assert client.recovery_key is not None
        assert client.profile.account_id != kept.account_id  # made anew: the other never was
    finally:
        await client.close()
    assert not (home / PENDING_FILE).exists()
    listed = Client.kept_recovery_keys(home)
    assert [(key.account_id, key.state) for key in listed] == [
        (kept.account_id.hex(), "set aside")
    ], listed


async def test_a_login_elsewhere_sets_aside_a_signup_no_journal_server_answered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A login at the right address, after a signup at a mistyped one, signs in (the kept
    copy set aside, not lost); a login refused there puts the copy back in its place."""
    laptop = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
    )
    await laptop.close()
    home = tmp_path / "phone"

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=404, text="<html>Not Found</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    other = TestServer(app, host="127.0.0.1")
    await other.start_server()
    try:
        wrong = str(other.make_url("")).rstrip("/")
        with pytest.raises(NotFound):
            await Client.signup(wrong, "anaz", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
    finally:
        await other.close()
    kept = load_pending(home)
    assert kept is not None and kept.unanswered
    with pytest.raises(AuthError):
        await Client.login(
            live_server.url, "ana", "not the password", home=home,
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
    assert load_pending(home) == kept  # refused: put back
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    await phone.close()
    assert [(key.account_id, key.state) for key in Client.kept_recovery_keys(home)] == [
        (kept.account_id.hex(), "set aside")
    ]
