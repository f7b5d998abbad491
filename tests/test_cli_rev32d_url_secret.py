"""rev32d F1: `tj login` recorded its own command (to name it if stopped: nu81 F3) before
the password prompt, with the address as typed: Ctrl-C at the prompt printed a password
held in the address ("https://bob:s3cret@host"). `tj login`, `tj signup` and `tj recover`
now refuse such an address first, before any question, in words that never repeat it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run_tj

SECRET = "s3cretPW"


@pytest.mark.parametrize("command", ["login", "signup", "recover"])
async def test_an_address_holding_a_password_is_refused_before_any_question(
    tmp_path: Path, command: str
) -> None:
    url = f"https://bob:{SECRET}@127.0.0.1:9/"
    no_secret = {"TJ_PASSWORD": None}  # asked for, as on a terminal: refused before that
    result = await run_tj(["--home", str(tmp_path), command, url, "bob"], input="", env=no_secret)
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
    assert "Password" not in result.output and "Recovery key" not in result.output
    assert result.output.strip().splitlines() == [
        'Error: the server address must not hold a user name or password (the part before "@"):'
        " give 'https://127.0.0.1:9', and keep the password out of it"
    ]
    assert not (tmp_path / "profile").exists()
