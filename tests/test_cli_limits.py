"""`tj` prints the server's limits as one line a user can act on."""

from __future__ import annotations

from pathlib import Path

from tests.server.servers import serving, signup
from tests.test_cli import failed_with_one_line, run_tj


async def test_tj_login_says_when_to_try_again_after_too_many_wrong_passwords(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, login_free_failures_per_user=2) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.close()
        wrong = {"TJ_PASSWORD": "not the password"}
        for attempt in range(2):
            home = str(tmp_path / f"phone{attempt}")
            line = failed_with_one_line(
                await run_tj(["--home", home, "login", server.url, "ana"], env=wrong)
            )
            assert "login_throttled" not in line
        home = str(tmp_path / "phone-last")
        line = failed_with_one_line(
            await run_tj(["--home", home, "login", server.url, "ana"], env=wrong)
        )
        assert "login_throttled" not in line  # plain words; the code is for --verbose
        assert "try again in 1 s" in line and "try again after" in line
        verbose = failed_with_one_line(
            await run_tj(["--verbose", "--home", home, "login", server.url, "ana"], env=wrong)
        )
        assert "(code: login_throttled)" in verbose and "try again after" in verbose
