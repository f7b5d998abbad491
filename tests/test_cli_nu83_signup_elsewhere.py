"""nu83 F1, F12, F3, as a user of `tj`: a signup behind a loopback proxy (in front of a real
server on loopback) that forwarded it and dropped the reply, or answered it with its own page
without forwarding it; then `tj login` at the server's own address, and `tj recovery-key
forget-kept` with no answer on standard input."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from client_sdk import Client, wire
from client_sdk.pending_signup import PENDING_FILE
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_kept_key_maybe_live import flat, proxy
from tests.test_cli_signup_interrupted import KEY_LINE


async def test_a_signup_whose_reply_a_proxy_dropped_finishes_at_the_servers_own_address(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: the server stored the account; the login at its own address (trailing slash and
    all) finishes the signup, shows the key and keeps that address, as for a proxy's page."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "drop") as url:
        failed = await laptop.tj("signup", url, "dan", "--device-name", "laptop")
        assert failed.exit_code == 1, failed.output
    login = await laptop.tj("login", live_server.url + "/", "dan")
    # on s25: exit 1, "holds the unfinished signup of dan at http://127.0.0.1:... sign up
    # (or log in) again there"
    assert login.exit_code == 0, login.output
    assert "Finished the signup of dan; this device is signed in." in login.stderr
    assert KEY_LINE.findall(login.stdout), login.output
    assert Client.kept_recovery_keys(laptop.home) == []
    # F2: the lost signup's own session is signed out, said as such, never "a logout"
    # (fix34d: before, named as "the session this device's signup opened" and left)
    said = flat(login.stderr)
    assert "Signed out the session this device's signup opened" in said, said
    assert "Another device named 'laptop'" not in said
    assert "a logout that could not tell the server" not in said
    whoami = await laptop.ok("whoami")
    assert f"Server:      {live_server.url}\n" in whoami.stdout, whoami.output
    assert await live_server.rows("SELECT username FROM accounts") == [("dan",)]


async def test_a_login_elsewhere_to_another_account_of_that_name_finishes_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1's limit: at an address whose server holds no account the signup made (another
    server: its prelogin names another salt for the name), the login is refused as before,
    nothing sent past the prelogin, the copy kept in its place."""
    from tests.client.hostile import HostileServer, serving

    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "drop") as url:
        await laptop.tj("signup", url, "dan")
    kept = (laptop.home / PENDING_FILE).read_bytes()

    def another_salt(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.PreloginReply, reply)
        return wire.encode(dataclasses.replace(real, salt=bytes(16)))

    async with serving(HostileServer(live_server.url)) as other:
        other.replies["/v1/auth/prelogin"] = another_salt
        refused = await laptop.tj("login", other.url, "dan")
    assert refused.exit_code == 1, refused.output
    assert "holds the unfinished signup of dan at" in flat(refused.stderr)
    assert (laptop.home / PENDING_FILE).read_bytes() == kept
    assert "/v1/auth/login" not in other.paths and "/v1/auth/signup" not in other.paths


async def test_a_login_on_a_signup_that_never_reached_the_server_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: the proxy's page without forwarding; the login the words name, at the server's
    own address, with the right password: "signup not on server" (exit 5), naming `tj
    signup` at that address, never "wrong username or password"."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "page", page_first=True) as url:
        failed = await laptop.tj("signup", url, "gus")
        assert failed.exit_code == 1, failed.output
    assert await live_server.rows("SELECT username FROM accounts") == []
    login = await laptop.tj("login", live_server.url + "/", "gus", "--json")
    assert login.exit_code == 5, login.output  # on s25: 1, "wrong username or password"
    error = json.loads(login.stdout)["error"]
    assert error["subject"] == "signup not on server"
    said = flat(error["message"])
    assert f"the server at {live_server.url} has no account gus" in said, said
    assert f"signup (through {url}) never reached the server" in said
    text = await laptop.tj("login", live_server.url, "gus")
    assert f"`tj signup {live_server.url} gus` with that password" in flat(text.stderr)
    assert "wrong username or password" not in text.output
    wrong = await laptop.tj("login", live_server.url, "gus", env={"TJ_PASSWORD": "not it at all 9"})
    assert wrong.exit_code == 1 and "wrong username or password" in wrong.stderr, wrong.output
    assert (laptop.home / PENDING_FILE).exists()


async def test_forget_kept_with_no_answer_names_the_way_that_drops_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: stdin ended before an answer, for a key `--yes` refuses: the words name a "y"
    (`echo y |`), never "pass --yes"; answered_by null. Followed as said, it drops it."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "drop") as url:
        await laptop.tj("signup", url, "ana")
    unanswered = await laptop.tj("recovery-key", "forget-kept", "--json", input="")
    assert unanswered.exit_code != 0, unanswered.output
    error = json.loads(unanswered.stdout)["error"]
    assert error["answered_by"] is None, error  # on s25: "--yes"
    said = flat(error["message"])
    assert "--yes to skip" not in said, said
    assert 'answer "y" to the question' in said
    assert "`echo y | tj recovery-key forget-kept`" in said
    assert (laptop.home / PENDING_FILE).exists()
    dropped = await laptop.ok("recovery-key", "forget-kept", input="y\n")
    assert "Dropped 1 kept recovery key." in dropped.stderr


async def test_a_signup_that_makes_the_name_says_the_earlier_key_probably_opens_none(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F13: after F12, `tj signup` at the server's own address makes gus; asked through the
    earlier signup's own address, the server names gus as this new account: the key set
    aside probably opens no account there, said so. rev33e F1: nothing ties that address to
    the server it led to at the signup (a proxy may relay another server's answer), so
    `forget-kept --yes` still refuses it; a confirmed "y" drops it."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "page", page_first=True) as url:
        await laptop.tj("signup", url, "gus")
        made = await laptop.ok("signup", live_server.url, "gus")
        said = flat(made.stderr)
        # on s25: "that signup may have made its account ...; if so, `tj login URL gus`"
        assert "so that signup probably made no account there" in said, said
        assert "--yes never drops it" in said
        [kept] = Client.kept_recovery_keys(laptop.home)
        assert kept.state == "set aside" and kept.name_made_at == live_server.url
        refused = await laptop.tj("recovery-key", "forget-kept", "--yes")
        assert refused.exit_code == 1, refused.output  # rev33e F1: dropped with exit 0
        assert len(Client.kept_recovery_keys(laptop.home)) == 1
        dropped = await laptop.ok("recovery-key", "forget-kept", input="y\n")
    assert "Dropped 1 kept recovery key." in dropped.stderr
    assert Client.kept_recovery_keys(laptop.home) == []


async def test_an_earlier_signup_behind_another_server_stays_maybe_live(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F13's limit: the earlier signup's address answers another salt for the name (another
    server behind it, where it may have made its account): the key stays maybe live."""
    from tests.client.hostile import HostileServer, serving

    def another_salt(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.PreloginReply, reply)
        return wire.encode(dataclasses.replace(real, salt=bytes(16)))

    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "page", page_first=True) as url:
        await laptop.tj("signup", url, "gus")
    async with serving(HostileServer(live_server.url)) as other:
        other.replies["/v1/auth/prelogin"] = another_salt
        pending = Client.kept_recovery_keys(laptop.home)[0]
        moved = laptop.home / PENDING_FILE
        moved.write_bytes(moved.read_bytes().replace(url.encode(), other.url.encode()))
        assert Client.kept_recovery_keys(laptop.home)[0].server_url == other.url, pending
        made = await laptop.ok("signup", live_server.url, "gus")
    assert "that signup may have made its account" in flat(made.stderr)
    [kept] = Client.kept_recovery_keys(laptop.home)
    assert kept.name_made_at == ""
    refused = await laptop.tj("recovery-key", "forget-kept", "--yes")
    assert refused.exit_code == 1, refused.output
