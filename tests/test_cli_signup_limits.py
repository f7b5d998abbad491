"""`tj signup` prints the server's per-address signup limit as one line a user can act on."""

from __future__ import annotations

import re
from pathlib import Path

from tests.server.servers import serving
from tests.test_cli import failed_with_one_line, run_tj


async def test_tj_signup_says_when_to_try_again_after_too_many_signups_from_one_address(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, signups_per_address_per_hour=1) as server:
        password = {"TJ_PASSWORD": "a long enough password"}
        first = ["--home", str(tmp_path / "ana"), "signup", server.url, "ana"]
        assert (await run_tj(first, env=password)).exit_code == 0
        second = ["--home", str(tmp_path / "ben"), "signup", server.url, "ben"]
        line = failed_with_one_line(await run_tj(second, env=password))
        assert not (tmp_path / "ben" / "pending_signup").exists()  # refused: nothing kept
        assert "signup_throttled" not in line  # plain words; the code is for --verbose
        assert "new accounts from one address" in line
        assert re.search(r"\(in \d+ s\)", line) and "try again after" in line
        verbose = failed_with_one_line(await run_tj(["--verbose", *second], env=password))
        assert "(code: signup_throttled)" in verbose
