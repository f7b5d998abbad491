"""rev32d F4, F5, as a user of `tj`: a signup the server stored behind a proxy's HTML error
page (a real server on loopback, the loopback proxy of tests/client/test_signup_proxy_page.py
in front), then `tj login` or `tj signup` at the server's own address, and `tj recovery-key
forget-kept` of a key whose account may exist."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from client_sdk.pending_signup import PENDING_FILE
from tests.client.test_signup_proxy_page import proxy_failing_signups
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_signup_interrupted import KEY_LINE


def flat(text: str) -> str:
    return " ".join(text.split())


async def signed_up_behind_a_page(live_server: RunningServer, home: Path) -> Device:
    laptop = Device(home, live_server.url)
    async with proxy_failing_signups(live_server.url, 500) as proxy:
        refused = await laptop.tj("signup", proxy, "ana")
    assert refused.exit_code == 1, refused.output
    assert "does not answer as a Therapy Journal server (HTTP 500)" in refused.stderr
    return laptop


async def test_tj_login_at_the_servers_own_address_finishes_the_signup_and_shows_its_key(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signed_up_behind_a_page(live_server, tmp_path / "laptop")
    direct = live_server.url + "/"
    login = await laptop.ok("login", direct, "ana")
    # on s25: "Signed in as ana; fetching your journals...", no word of the key
    assert "Finished the signup of ana; this device is signed in." in login.stderr
    assert KEY_LINE.findall(login.stdout), login.output
    assert "WARNING: store the recovery key" in login.stderr
    assert Client.kept_recovery_keys(laptop.home) == []  # shown: the copy goes


async def test_tj_signup_at_the_servers_own_address_says_its_own_signup_may_hold_the_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signed_up_behind_a_page(live_server, tmp_path / "laptop")
    refused = await laptop.tj("signup", live_server.url, "ana")
    assert refused.exit_code == 1, refused.output
    said = flat(refused.stderr)
    # on s25: "the username ana is taken: choose another one"
    assert said.startswith(
        f"Error: the username ana is taken at {live_server.url}, perhaps "
        "by this device's own signup of ana through "
    ), said
    assert f"If so, `tj login {live_server.url} ana` with the password you chose then" in said
    assert (laptop.home / PENDING_FILE).exists()
    login = await laptop.ok("login", live_server.url, "ana")  # as said
    assert KEY_LINE.findall(login.stdout), login.output


async def test_tj_forget_kept_never_drops_unasked_a_key_whose_account_may_exist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The copy set aside by a signup of another name at the server's own address: the signup
    says how to finish it (not that forget-kept drops it); `forget-kept --yes` refuses, and
    asked, the question says what is lost."""
    laptop = await signed_up_behind_a_page(live_server, tmp_path / "laptop")
    made = await laptop.ok("signup", live_server.url, "anaz")
    said = flat(made.stderr)
    assert "stays set aside in" in said and "that signup may have made its account" in said
    [kept] = Client.kept_recovery_keys(laptop.home)
    login = f"`tj login {kept.server_url} ana`"  # the address it was signed up through
    assert f"{login} with its password, at any address of that server" in said
    assert kept.state == "set aside" and kept.unanswered
    before = kept.path.read_bytes()
    refused = await laptop.tj("recovery-key", "forget-kept", "--yes", "--json")
    assert refused.exit_code == 1, refused.output  # on s25: dropped
    assert json.loads(refused.stdout)["error"]["subject"] == "kept key maybe live"
    assert kept.path.read_bytes() == before
    asked = await laptop.ok("recovery-key", "forget-kept", input="n\n")
    assert "no Therapy Journal server answered its signup" in flat(asked.stderr)
    assert "If its account exists, its recovery key is lost with it" in flat(asked.stderr)
    assert kept.path.read_bytes() == before
    dropped = await laptop.ok("recovery-key", "forget-kept", input="y\n")
    assert "Dropped 1 kept recovery key." in dropped.stderr
    assert not kept.path.exists()


async def test_tj_login_to_another_account_says_where_the_unanswered_signup_went(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A login to another account sets the signup's copy aside (it is not that account's):
    said, with how to finish that signup, not left silent."""
    await Device(tmp_path / "ben", live_server.url).ok("signup", live_server.url, "ben")
    laptop = await signed_up_behind_a_page(live_server, tmp_path / "laptop")
    login = await laptop.ok("login", live_server.url, "ben")
    said = flat(login.stderr)
    assert "stays set aside in" in said, said  # on s25: not a word of it
    [kept] = Client.kept_recovery_keys(laptop.home)
    finish = f"`tj login {kept.server_url} ana`"  # the address it was signed up through
    assert f"{finish} with its password, at any address of that server" in said
    assert "Finished the signup" not in said
    assert not KEY_LINE.findall(login.stdout)
    await laptop.ok("logout", "--yes")
    ana = await laptop.ok("login", live_server.url, "ana")  # as said: taken back, shown
    assert KEY_LINE.findall(ana.stdout), ana.output
