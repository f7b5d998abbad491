"""nu80's sign-in findings, against a real server on loopback with real crypto (see
tests/test_cli.py for the set-up): a `tj login` stopped by Ctrl-C after the server opened its
session (F10), a server address where another web server answers (F3), a forgotten `tj lock`
passphrase (F2) and a signup on a home that holds an account (F13)."""

from __future__ import annotations

import contextlib
import re
import shlex
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_ctrl_c_while_login_reads_its_journal_list_leaves_the_home_signed_out(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F10: Ctrl-C after the server opened the login's session, while its journal list is
    read (the profile saved): the SDK ends that session, so the home keeps no profile, and
    the stop line names `tj login` again (not `tj sync`, which could only fail as "signed
    out"); that command then signs the device in."""
    await Device(tmp_path / "laptop", live_server.url).ok("signup", live_server.url, "ana")
    phone = Device(tmp_path / "phone", live_server.url)

    async def ctrl_c(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.replica.Replica.refresh_journals", ctrl_c)
    stopped = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert stopped.exit_code == 130, stopped.output
    login = f"`tj login {live_server.url} ana --device-name phone`"
    assert stopped.stderr.strip() == (
        f"Stopped: this device is not signed in to an account; {login} signs it in."
    ), stopped.stderr
    monkeypatch.undo()
    synced = await phone.tj("sync")
    assert synced.exit_code != 0 and "signed out" not in synced.output, synced.output
    assert "no account on this device" in flat(synced.stderr), synced.stderr
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("sync")


@contextlib.asynccontextmanager
async def another_web_server(status: int) -> AsyncIterator[str]:
    """A web server on loopback that is not a Therapy Journal server: every request gets an
    HTML page with `status` (501: `python3 -m http.server` refusing a POST); its URL."""

    async def page(request: web.Request) -> web.Response:
        html = f"<html><body><h1>Error response</h1><p>Error code: {status}</p></body></html>"
        return web.Response(status=status, text=html, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.mark.parametrize("status", [501, 404, 500])
async def test_another_web_server_at_the_address_is_said_so_and_keeps_no_signup(
    live_server: RunningServer, tmp_path: Path, status: int
) -> None:
    """F3: a mistyped port where another web server answers: `tj login` and `tj signup` say
    the address does not answer as a Therapy Journal server (no "try again later"); the
    signup is kept (rev32c F3: a proxy's own error page says nothing of whether the server
    behind it made the account), said with how to finish it and how it gives way; signing
    up at the right address then works at once, the earlier key set aside, not lost."""
    await Device(tmp_path / "laptop", live_server.url).ok("signup", live_server.url, "ana")
    home = Device(tmp_path / "w7", live_server.url)
    async with another_web_server(status) as wrong:
        said = (
            f"the server at {wrong} does not answer as a Therapy Journal server "
            f"(HTTP {status}): check the address"
        )
        login = await home.tj("login", wrong, "ana")
        assert login.exit_code == 1, login.output
        assert flat(login.stderr) == f"Error: {said}", login.stderr
        json = await home.tj("login", wrong, "ana", "--json")
        assert '"subject": "not a journal server"' in json.stdout, json.stdout
        signup = await home.tj("signup", wrong, "anaz")
        assert signup.exit_code == 1, signup.output
        kept = (
            "if it is the right address (a proxy in front of the server may have failed "
            f"after the account was made), run `tj signup {wrong} anaz` again with the same "
            "password to finish the signup: its recovery key is kept on this device until "
            f"then; a signup at another address sets it aside, kept (`tj login {wrong} anaz` with "
            "that password, at any address of the server, finishes it and shows its key; `tj "
            "recovery-key forget-kept` drops it, once you know no such account exists)"
        )
        assert flat(signup.stderr) == f"Error: {said}; {kept}", signup.stderr
        assert (tmp_path / "w7" / "pending_signup").exists()
    made = await home.ok("signup", live_server.url, "anaz")
    assert "Account anaz created" in made.stderr, made.stderr
    assert "interrupted signup" not in made.stderr
    assert "stays set aside in" in flat(made.stderr), made.stderr
    assert not (tmp_path / "w7" / "pending_signup").exists()
    assert len(list((tmp_path / "w7").glob("pending_signup.*"))) == 1


async def test_a_forgotten_passphrase_is_given_a_way_on_that_loses_nothing_the_server_holds(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """F2: a wrong passphrase's refusal says what to do when it is forgotten: the `mv` it
    prints sets the locked folder aside whole, the `tj login` it prints signs in again in
    its place and fetches the journals; what was written here and never synced stays in the
    folder set aside, and its `tj --home ... sync` sends it once the passphrase comes back.
    The lock is not weakened: the folder set aside still opens with its passphrase only."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana")
    await laptop.ok("write", "Synced before the lock.")
    tablet = Device(tmp_path / "tab", live_server.url)
    await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")
    await tablet.ok("lock", env={"TJ_NEW_PASSPHRASE": "tablet pass 1"})
    await outage.begin()
    await tablet.ok("write", "Never synced.", env={"TJ_PASSPHRASE": "tablet pass 1"})
    await outage.end()

    wrong = await tablet.tj("list", env={"TJ_PASSPHRASE": "forgotten"})
    assert wrong.exit_code == 1, wrong.output
    said = flat(wrong.stderr)
    assert said.startswith("Error: wrong passphrase for this profile: try it again;"), said
    assert "nothing the server holds is lost" in said, said
    spans = re.findall(r"`([^`]*)`", said)
    aside = tmp_path / "tab.locked"
    move = f"mv {tmp_path / 'tab'} {aside}"
    assert spans[:2] == [move, "tj login URL USERNAME"], spans  # `tj` shown for this --home
    assert spans[2] == f"tj --home {aside} sync", spans
    subprocess.run(shlex.split(move), check=True)
    again = shlex.split(spans[1].replace("URL", live_server.url).replace("USERNAME", "ana"))
    await tablet.ok(*again[1:])
    listed = (await tablet.ok("list")).stdout
    assert "Synced before the lock." in listed and "Never synced." not in listed, listed

    set_aside = Device(aside, live_server.url)
    still = await set_aside.tj("list", env={"TJ_PASSPHRASE": "forgotten"})
    assert "wrong passphrase" in still.stderr, still.output  # the lock stands
    await set_aside.ok("sync", env={"TJ_PASSPHRASE": "tablet pass 1"})  # remembered
    await tablet.ok("sync")
    assert "Never synced." in (await tablet.ok("list")).stdout


async def test_signup_on_a_home_signed_in_names_home_and_tj_home(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F13: `tj signup` on a home signed in to an account says, before any password is asked
    or judged, how to sign up in another home: `tj --home NEW_DIR signup ...` or $TJ_HOME
    (not "choose another home directory", read as one's $HOME); the command works."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana")
    refused = await laptop.tj("signup", live_server.url, "anaother", env={"TJ_PASSWORD": "x"})
    assert refused.exit_code == 1, refused.output
    said = flat(refused.stderr)
    other = f"`tj --home NEW_DIR signup {live_server.url} anaother`"
    assert said.startswith(
        f"Error: {tmp_path / 'laptop'} is signed in to the account ana: nothing was asked or "
        f"sent. Sign anaother up in another home: {other} (NEW_DIR a new folder of its own;"
    ), said
    assert "`--home NEW_DIR` before its name, or set TJ_HOME=NEW_DIR" in said, said
    assert "choose another home directory" not in said and "weak" not in said, said
    again = await laptop.tj("signup", live_server.url, "ana")
    assert f"{tmp_path / 'laptop'} is signed in to ana already" in flat(again.stderr)
    new_dir = str(tmp_path / "other")
    await Device(Path(new_dir), live_server.url).ok("signup", live_server.url, "anaother")
