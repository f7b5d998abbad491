"""rev34b F1 and F3: `transport.shown_url` and `normalize_url` against aiohttp's reading.

F1: an "@" in the path after a valid host dropped the host aiohttp reads:
"https://clinic.org:8443/journal@evil.example" was shown as "https://evil.example", and
`tj login` advised giving that, while aiohttp (and urlsplit) connect to clinic.org; a
profile edited so printed `tj login http://evil.example ana`. Now a host is shown only
when it is the one aiohttp reads and no other reading could hide a password.

F3: a full-width "@" (U+FF20, U+FE6B), which aiohttp's NFKC normalization reads as "@",
made the whole address (password included) printed, and `tj signup` kept it in its
pending copy on disk. Now an address holding a character no URL may hold is refused at
`tj login`/`tj signup` naming no part of it, and never stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput
from client_sdk.transport import NOT_SHOWN, normalize_url, shown_url
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import run_tj
from tests.test_cli_rev33a_url_secret import edit_address

SECRET = "s3cretPW"

TWO_READINGS = [  # aiohttp's host first, then the one after "@" (a password with "/")
    "https://clinic.org:8443/journal@evil.example",
    "https://evil.example:8443/@clinic.org",
    "https://[::1]:8080/@clinic.org",
    "https://localhost:1/x@clinic.org",
    f"https://bob:pa@{SECRET}/x@journal.example.org",  # aiohttp reads the host SECRET
]

NOT_A_URL = [  # a character no URL may hold
    f"https://ana:{SECRET}\uff20127.0.0.1:9",  # full-width "@"
    f"https://ana:{SECRET}\ufe6b127.0.0.1:9",  # small "@"
    f"https://ana:{SECRET}\uff20127.0.0.1:9?x",
    f"https://clinic.org:443 /@{SECRET}.example",  # a space
]


@pytest.mark.parametrize("address", TWO_READINGS + NOT_A_URL)
def test_no_host_is_shown_that_aiohttp_would_not_read(address: str) -> None:
    assert shown_url(address) == NOT_SHOWN
    with pytest.raises(InvalidInput) as refused:
        normalize_url(address)
    words = str(refused.value)
    assert refused.value.subject == "value"
    for part in ("evil", "clinic", SECRET, "journal", "8443", "::1", "localhost", "127.0.0.1"):
        assert part not in words, words


@pytest.mark.parametrize(
    ("address", "host"),
    [  # one reading, aiohttp's: shown as before
        ("https://ana:pw@clinic.org", "https://clinic.org"),
        ("https://ana:pw@[::1]:8080/x", "https://[::1]:8080"),
        ("https://clinic.org/x?email=ana@evil.org", "https://clinic.org"),
        ("https://clinic.org/journal@evil.example", "https://clinic.org"),  # no password
        ("https://bob:pa/ss@journal.example.org", "https://journal.example.org"),  # fix34e
    ],
)
def test_the_one_reading_aiohttp_shares_is_shown(address: str, host: str) -> None:
    assert shown_url(address) == host


@pytest.mark.parametrize("command", ["login", "signup"])
@pytest.mark.parametrize("address", NOT_A_URL + TWO_READINGS[:1])
async def test_login_and_signup_refuse_and_keep_nothing(
    tmp_path: Path, address: str, command: str
) -> None:
    args = ["--home", str(tmp_path), command, address, "ana"]
    result = await run_tj(args, input="", env={"TJ_PASSWORD": PASSWORD})
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output and "evil" not in result.output, result.output
    assert "network" not in result.output, result.output  # not an outage: refused as typed
    assert not (tmp_path / "profile").exists()
    for stored in tmp_path.rglob("*"):
        if stored.is_file():
            assert SECRET.encode() not in stored.read_bytes(), stored


async def test_a_profile_address_with_an_at_in_its_path_names_no_other_host(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    await client.close()
    edit_address(home, lambda url: url + "/x@evil.example")
    for args in (["whoami"], ["whoami", "--json"], ["sync"]):
        result = await run_tj(["--home", str(home), *args], input="", env={"TJ_PASSWORD": PASSWORD})
        assert "evil" not in result.output, (
            args,
            result.output,
        )  # s26: `login http://evil.example`
        if args == ["whoami", "--json"]:
            assert json.loads(result.stdout)["server_url"] in ("", None), result.stdout
