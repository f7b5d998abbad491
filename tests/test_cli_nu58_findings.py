"""Findings of a new user's review of `tj` (NU58), each through a real `tj` against a real
server on loopback: piped text in a home with no account, the examples of `--help`, the
command that saves a draft when the journal was refused, a sign-in over another account's
data, `tj account delete` with unsynced work, homework deleted while edited offline."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat

HEX = re.compile(r"[0-9a-f]{32}")


async def test_piped_text_in_a_home_with_no_account_is_printed_back(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`echo text | tj --home EMPTY write --mood 55` printed only click's error: the piped
    text was lost. Without the bad option it was printed back, with a 32-hex token where
    the backticks of `tj logout` belonged, as "signed out meanwhile" in a home never signed
    in. Both print it back and say there is no account here."""
    (tmp_path / "empty").mkdir()
    for home in (tmp_path / "empty", tmp_path / "never"):
        device = Device(home, live_server.url)
        for given in (("--mood", "55"), ("--bogus",), ()):
            words = f"Words piped in {' '.join(given)}"
            done = await device.tj("write", *given, input=words + "\n")
            assert done.exit_code == (1 if not given else 2), done.output
            lines = done.stderr.splitlines()
            said = flat(done.stderr)
            assert (
                "The text you piped in was not saved (no account on this device, so it is "
                "not kept on it); here it is, as given:" in said
            ), (given, said)
            assert words in lines, (given, lines)
            assert "signed out" not in said and not HEX.search(said), (given, said)
            assert not (home / "drafts").exists() or not list((home / "drafts").iterdir())
