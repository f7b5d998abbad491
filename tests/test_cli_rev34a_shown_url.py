"""rev34a F1: `transport.shown_url` guessed a host where an address holding "@" reads two
ways. "https://j.smith:1987?Fall@clinic.example" (the user "j.smith" with the password
"1987?Fall") was shown as "https://j.smith:1987" (the user name and the start of the
password, as a host), and "https://ana:pa/ss@clinic.org#x@evil.example" as
"https://evil.example"; `tj login` advised "give 'https://j.smith:1987'", and a profile
edited to hold such an address printed it from `tj whoami` and `tj sync` and a
`tj login http://j.smith:1987 ana` that signs in elsewhere. Now no host is shown when more
than one may be the host, and the printed `tj login` names URL there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.transport import NOT_SHOWN, shown_url
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import run_tj
from tests.test_cli_rev33a_url_secret import edit_address

AMBIGUOUS = {
    # the host j.smith on port 1987, or the user j.smith, password "1987?Fall"
    "https://j.smith:1987?Fall@clinic.example": ("j.smith", "1987", "Fall", "clinic"),
    "https://ana.b:2580#x@clinic.org": ("ana.b", "2580", "clinic"),
    # a password holding "/" or "?", then an "@" in what would be the query or fragment
    "https://ana:pa/ss@clinic.org#x@evil.example": ("pa/ss", "clinic", "evil"),
    "https://ana:pa?ss@clinic.org/?next=x@evil.example": ("pa?ss", "clinic", "evil"),
}


@pytest.mark.parametrize("address", sorted(AMBIGUOUS))
def test_an_address_read_two_ways_shows_no_host(address: str) -> None:
    shown = shown_url(address)
    assert shown == NOT_SHOWN
    assert not any(part in shown for part in AMBIGUOUS[address])


@pytest.mark.parametrize(
    ("address", "host"),
    [  # one reading only: shown as before
        ("https://bob:s3cret@127.0.0.1:9/", "https://127.0.0.1:9"),
        ("https://journal.example.org/?email=ana@clinic.org", "https://journal.example.org"),
        ("https://bob:pa/ss@journal.example.org", "https://journal.example.org"),
        ("https://ana@clinic.org:pw@journal.example.org", "https://journal.example.org"),
    ],
)
def test_an_address_read_one_way_shows_its_host(address: str, host: str) -> None:
    assert shown_url(address) == host


@pytest.mark.parametrize("address", sorted(AMBIGUOUS))
async def test_login_at_an_address_read_two_ways_names_no_host(
    tmp_path: Path, address: str
) -> None:
    args = ["--home", str(tmp_path), "login", address, "ana"]
    result = await run_tj(args, input="", env={"TJ_PASSWORD": None})
    assert result.exit_code == 2, result.output
    assert not any(part in result.output for part in AMBIGUOUS[address]), result.output
    assert result.stderr.strip() == (
        'Error: the server address must not hold a user name or password (the part before "@"):'
        " give the address without it, and keep the password out of it"
    )
    assert not (tmp_path / "profile").exists()


async def test_a_profile_address_read_two_ways_prints_no_host_and_no_login_to_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    await client.close()
    edit_address(home, lambda url: url.replace("://", "://j.smith:1987?Fall@"))
    at = f"tj --home {home}"

    async def run(*args: str) -> Result:
        return await run_tj(["--home", str(home), *args], input="", env={"TJ_PASSWORD": PASSWORD})

    for args in (["whoami"], ["whoami", "--json"], ["sync"], ["sync", "--json"]):
        result = await run(*args)
        assert "j.smith" not in result.output and "1987" not in result.output, (args, result.output)
        assert "Fall" not in result.output, (args, result.output)
        if args == ["sync"]:
            assert result.exit_code == 1
            said = " ".join(result.stderr.split())
            assert "signing in again here as ana at the server's address fixes it" in said
            assert f"`{at} login URL ana`" in said, said
        if args == ["whoami"]:  # on s26: "Server:      http://j.smith:1987"
            said = " ".join(result.stdout.split())
            assert "Server: the address in this device's profile (not shown: it may hold a " in said
        if args == ["whoami", "--json"]:
            assert json.loads(result.stdout)["server_url"] in ("", None), result.stdout
