"""rev33b F1, F4, F5, as a user of `tj`: a signup the server stored while its reply was lost,
was a 5xx of this API, or a proxy's page twice over; a signup finished with its key never
confirmed. `tj recovery-key forget-kept --yes` never drops such a key (subject `kept key
maybe live`), and every command printed names the real address, username and account id.

A real server on loopback; a loopback proxy in front that forwards every request and answers
the signup request (after the server stored it, unless said otherwise) in its own way."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import Client, wire
from client_sdk.pending_signup import PENDING_FILE, load_pending
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_signup_interrupted import KEY_LINE

SIGNUP = "/v1/auth/signup"
PAGE = b"<html><body>500 Internal Server Error</body></html>"


def flat(text: str) -> str:
    return " ".join(text.split())


@contextlib.asynccontextmanager
async def proxy(server: str, signup: str, *, page_first: bool = False) -> AsyncIterator[str]:
    """A proxy in front of `server` forwarding every request; the signup request, once the
    server answered it, is answered with `signup`: "ours500" (a 500 carrying an ErrorReply of
    this API: what the server's own 5xx looks like), "drop" (the connection aborted: the
    reply lost), "page" (an HTML 500 page of the proxy's own). With `page_first`, the first
    signup request is never forwarded, only answered with the page. `/v1/account/recovery-
    key/current` is answered with an HTML 503 when `signup` is "page, no confirm"."""
    signups = 0
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.StreamResponse:
            nonlocal signups
            if request.path == "/v1/account/recovery-key/current" and signup.endswith("confirm"):
                return web.Response(status=503, body=b"<html>busy</html>", content_type="text/html")
            if request.path == SIGNUP:
                signups += 1
                if page_first and signups == 1:
                    return web.Response(status=500, body=PAGE, content_type="text/html")
            headers = {
                name: request.headers[name]
                for name in ("Content-Type", "Authorization")
                if name in request.headers
            }
            url = server + request.path
            async with session.post(url, data=await request.read(), headers=headers) as reply:
                body = await reply.read()
                kind = reply.headers.get("Content-Type", "application/msgpack")
            if request.path == SIGNUP and signup == "ours500":
                error = wire.encode(wire.ErrorReply(code="internal_error", message="oops"))
                return web.Response(
                    status=500, body=error, headers={"Content-Type": "application/msgpack"}
                )
            if request.path == SIGNUP and signup == "drop":
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=200)
            if request.path == SIGNUP:  # "page", "page, no confirm"
                return web.Response(status=500, body=PAGE, content_type="text/html")
            return web.Response(status=reply.status, body=body, headers={"Content-Type": kind})

        app = web.Application()
        app.router.add_post("/{tail:.*}", forward)
        front = TestServer(app, host="127.0.0.1")
        await front.start_server()
        try:
            yield str(front.make_url("")).rstrip("/")
        finally:
            await front.close()


async def refused_unasked(laptop: Device, login: str) -> None:
    """`forget-kept --yes` refuses, naming `login`, and the kept key is still there."""
    [kept] = Client.kept_recovery_keys(laptop.home)
    before = kept.path.read_bytes()
    refused = await laptop.tj("recovery-key", "forget-kept", "--yes", "--json")
    assert refused.exit_code == 1, refused.output  # on s25: "Dropped 1 kept recovery key."
    error = json.loads(refused.stdout)["error"]
    assert error["subject"] == "kept key maybe live"
    assert f"`{login}` with its password" in flat(error["message"]), error["message"]
    assert "`tj login URL" not in refused.output
    assert kept.path.read_bytes() == before


@pytest.mark.parametrize("signup", ["ours500", "drop"])
async def test_forget_kept_yes_keeps_the_key_of_a_signup_whose_reply_was_lost_or_a_5xx(
    live_server: RunningServer, tmp_path: Path, signup: str
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, signup) as url:
        failed = await laptop.tj("signup", url, "ana")
        assert failed.exit_code == 1, failed.output
        assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]
        await refused_unasked(laptop, f"tj login {url} ana")
        asked = await laptop.ok("recovery-key", "forget-kept", input="n\n")
        assert "If its account exists, its recovery key is lost with it" in flat(asked.stderr)
        login = await laptop.ok("login", url, "ana")  # as said: the key is shown
    assert KEY_LINE.findall(login.stdout), login.output


async def test_forget_kept_yes_keeps_a_finished_signups_key_the_server_did_not_confirm(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "page, no confirm") as url:
        await laptop.tj("signup", url, "ana")
        login = await laptop.ok("login", url, "ana")
        assert "the server could not confirm it" in flat(login.stderr)
        assert [k.state for k in Client.kept_recovery_keys(laptop.home)] == ["unconfirmed"]
        await refused_unasked(laptop, f"tj login {url} ana")


async def test_a_signup_sent_again_through_a_failing_proxy_stays_unanswered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: the first signup request gets the proxy's page (never forwarded); the one sent
    again to finish it is stored, then gets the page too. The prelogin of that run, which the
    proxy forwarded, is no answer to the signup: still `unanswered`, so a signup of another
    name at the server's own address sets it aside, as the words said, and --yes keeps it."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "page", page_first=True) as url:
        first = await laptop.tj("signup", url, "ana")
        assert first.exit_code == 1, first.output
        again = await laptop.tj("signup", url, "ana")
        assert again.exit_code == 1, again.output
        assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]
        pending = load_pending(laptop.home)
        assert pending is not None
        assert (pending.unanswered, pending.answered) == (True, False)  # on s25: (False, True)
        said = flat(again.stderr)
        assert f"a signup at another address sets it aside, kept (`tj login {url} ana`" in said
    bob = await laptop.ok("signup", live_server.url, "bob")  # on s25: refused
    assert "stays set aside in" in flat(bob.stderr)
    assert f"`tj login {url} ana` with its password" in flat(bob.stderr)
    await laptop.ok("logout", "--yes")
    await refused_unasked(laptop, f"tj login {url} ana")
    ana = await laptop.ok("login", live_server.url, "ana")
    assert KEY_LINE.findall(ana.stdout), ana.output


async def test_the_words_of_an_unfinished_signup_name_its_address_name_and_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: every command printed about a kept signup names what the CLI knows: the address
    (`tj login URL ana` refused "URL" as an address), the username and the account id."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "drop") as url:
        await laptop.tj("signup", url, "ana")
        ident = Client.kept_recovery_keys(laptop.home)[0].account_id
        other = await laptop.tj("signup", live_server.url, "bob")  # answered: it holds the home
        assert other.exit_code == 1, other.output
        said = flat(other.stderr)
        assert f"run `tj signup {url} ana` (or `tj login {url} ana`) again" in said, said
        assert f"`tj recovery-key forget-kept --account {ident}` (asked first)" in said
        assert "URL" not in said and "USERNAME" not in said and " ID" not in said
        assert (laptop.home / PENDING_FILE).exists()
