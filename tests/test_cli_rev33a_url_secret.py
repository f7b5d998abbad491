"""rev33a F3: a token in a server address's query or fragment (`?token=...`,
`#access_token=...`) was repeated whole in the refusal (stderr and --json); a profile edited
by hand to hold such an address (or a user name and password) printed it from every command
and made every one fail, the offline export included, with no word that the address kept in
the profile was the cause. Now no message repeats a user name, password, query or fragment
of an address (`transport.shown_url`); `tj login`, `tj signup` and `tj recover` refuse such
an address before any question; a profile holding one opens for what works offline, every
request says the profile's address is the cause, and a login at the server's address fixes
it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest
from click.testing import Result

from client_sdk import INSECURE_TEST_COST, Client
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import run_tj

SECRET = "s3cretPW"


@pytest.mark.parametrize("command", ["login", "signup", "recover"])
@pytest.mark.parametrize(
    "address",
    [
        f"https://journal.example.org/?token={SECRET}",
        f"https://journal.example.org/#access_token={SECRET}",
        f"https://journal.example.org/v1?key={SECRET}",
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
async def test_an_address_holding_a_token_is_refused_before_any_question_never_repeated(
    tmp_path: Path, command: str, address: str, as_json: bool
) -> None:
    no_secret = {"TJ_PASSWORD": None}  # asked for, as on a terminal: refused before that
    args = ["--home", str(tmp_path), command, address, "bob", *(["--json"] if as_json else [])]
    result = await run_tj(args, input="", env=no_secret)
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
    assert "Password" not in result.output and "Recovery key" not in result.output
    said = (
        json.loads(result.stdout)["error"]["message"]
        if as_json
        else result.stderr.strip().removeprefix("Error: ")
    )
    assert said == (
        "give the server's address without a path to the API, a query or a fragment: "
        "'https://journal.example.org', and keep any token out of it"
    )
    assert not (tmp_path / "profile").exists()


@pytest.mark.parametrize(
    "address",
    [
        f"https://journal.example.org/?token=x@{SECRET}",
        f"https://journal.example.org/#access_token=a@{SECRET}",
        "https://journal.example.org/?email=ana@clinic.org",
        f"https://bob:pa/{SECRET}@journal.example.org",
        # "https://bob:pa@SECRET/x@journal.example.org": aiohttp reads the host SECRET there,
        # so no host is named (rev34b F1: tests/test_cli_rev34b_address.py)
    ],
)
async def test_an_at_sign_after_the_host_names_the_right_host_and_repeats_nothing(
    tmp_path: Path, address: str
) -> None:
    """rev33d F1: an "@" in a query or fragment was read as the end of a user name and
    password, so `tj login` answered "give 'https://S3CRETtoken'" (the token, as a server to
    go to) or "give 'https://clinic.org'" (another server). An "@" in the query or fragment
    of an address whose host reads as one names that host; a password typed with "/" (its
    "host" part no host) names the host after the last "@"."""
    args = ["--home", str(tmp_path), "login", address, "bob"]
    result = await run_tj(args, input="", env={"TJ_PASSWORD": None})
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output and "clinic.org" not in result.output
    assert "Password" not in result.output
    assert "give 'https://journal.example.org'" in result.stderr, result.stderr
    assert not (tmp_path / "profile").exists()


def edit_address(home: Path, change: Callable[[str], str]) -> None:
    """The profile's server address changed by hand (an unlocked profile: msgpack)."""
    document = msgpack.unpackb((home / "profile").read_bytes(), raw=False)
    fields = msgpack.unpackb(document["data"], raw=False)
    fields["server_url"] = change(fields["server_url"])
    document["data"] = msgpack.packb(fields, use_bin_type=True)
    (home / "profile").write_bytes(msgpack.packb(document, use_bin_type=True))


EDITS = {
    "query": lambda url: f"{url}/?token={SECRET}",
    "fragment": lambda url: f"{url}#access_token={SECRET}",
    "password": lambda url: url.replace("://", f"://bob:{SECRET}@"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
async def test_a_profile_address_edited_to_hold_a_secret_is_named_never_repeated(
    live_server: RunningServer, tmp_path: Path, edit: str
) -> None:
    home = tmp_path / "home"
    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    await client.entries.write(None, "Written before the edit.")
    await client.sync()
    await client.close()
    edit_address(home, EDITS[edit])
    env = {"TJ_PASSWORD": PASSWORD}
    at = f"tj --home {home}"

    async def run(*args: str) -> Result:
        return await run_tj(["--home", str(home), *args], input="", env=env)

    for args in (["sync"], ["sync", "--json"], ["devices"], ["logout"]):
        result = await run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert SECRET not in result.output, args
        words = json.loads(result.stdout)["error"]["message"] if "--json" in args else result.stderr
        assert f"the server address in this device's profile ({home / 'profile'})" in words
        assert f"signing in again here as ana at {live_server.url!r} fixes it" in words
        if "--json" in args:
            assert json.loads(result.stdout)["error"]["subject"] == "profile address"
        else:
            assert f"`{at} login {live_server.url} ana`" in words  # on s25: URL USERNAME
            assert f"`{at} export --out DIR`" in words

    # What works offline still works, and says nothing of the secret either.
    whoami = await run("whoami", "--json")
    assert whoami.exit_code == 0 and SECRET not in whoami.output, whoami.output
    assert json.loads(whoami.stdout)["server_url"] == live_server.url
    said = " ".join((await run("whoami")).stderr.split())
    # on s25: nothing said; the clean address shown as if it were the one kept (nu83 F4)
    assert f"Warning: the server address in this device's profile ({home / 'profile'})" in said
    assert f"Run `{at} login {live_server.url} ana`;" in said and SECRET not in said
    out = tmp_path / "export"
    exported = await run("export", "--out", str(out))
    assert exported.exit_code == 0 and SECRET not in exported.output, exported.output
    files = [out] if out.is_file() else [p for p in out.rglob("*") if p.is_file()]
    assert any("Written before the edit." in p.read_text(errors="replace") for p in files), files

    # The way out it names: a sign-in at the server's address, keeping what the device holds.
    login = await run("login", live_server.url, "ana")
    assert login.exit_code == 0 and SECRET not in login.output, login.output
    synced = await run("sync")
    assert synced.exit_code == 0, synced.output
    reopened = await Client.open(home)
    try:
        assert reopened.profile.server_url == live_server.url
        assert [e.body for e in await reopened.entries.list(None)] == ["Written before the edit."]
    finally:
        await reopened.close()
