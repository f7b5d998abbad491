"""`tj signup URL ANA` answered "that username is taken" without saying it was read as "ana",
and "Ana Smith" got only the general rule, not what in it a username cannot hold (NU66 F9;
README: "messages name the username used"). Real server, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_a_taken_username_is_named_as_the_server_read_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    await new_device(live_server, tmp_path, "ana")
    other = Device(tmp_path / "other", live_server.url)
    refused = await other.tj("signup", live_server.url, "ANA")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0, refused.output
    assert "the username ana is taken ('ANA' is read in lower case, as ana)" in said, said
    plain = await other.tj("signup", live_server.url, "ana")
    assert "the username ana is taken: choose another one" in " ".join(plain.stderr.split())


async def test_a_malformed_username_names_what_it_cannot_hold(
    live_server: RunningServer, tmp_path: Path
) -> None:
    newcomer = Device(tmp_path / "newcomer", live_server.url)
    for typed, fault in [
        ("Ana Smith", "'ana smith' holds a space"),
        ("ab", "'ab' has 2 characters"),
        ("_ana", "'_ana' starts with '_'"),
        ("ána", "'ána' holds 'á'"),
    ]:
        refused = await newcomer.tj("signup", live_server.url, typed)
        said = " ".join(refused.stderr.split())
        assert refused.exit_code == 2 and fault in said, (typed, said)
