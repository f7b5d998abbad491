"""`tj` and the new-password rule (client_sdk/passwords.py): on a terminal the prompt states
the rule first; a refused password typed (or piped) is asked again with zxcvbn's reason; one
given by file or environment is one `Error:` line (as the 8-character rule always was), with
nothing changed. Real server on loopback, through click's CliRunner (tests/test_cli.py), and
a real `tj` process on a pseudo-terminal for the prompt."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from client_sdk.passwords import PASSWORD_RULE
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401

TJ = str(Path(sys.executable).parent / "tj")
HANG = 60.0  # seconds after which the subprocess is hung, not slow

STRONG = "plum ferry whistle lantern"


async def test_signup_states_the_rule_and_asks_again_for_a_guessable_password(
    live_server: RunningServer, tmp_path: Path
) -> None:
    device = Device(tmp_path / "ben", live_server.url)
    typed = ["qwertyuiop", "qwertyuiop", "ben2026!", "ben2026!", STRONG, STRONG]
    result = await device.ok(
        "signup", live_server.url, "ben", "--device-name", "laptop",
        input="".join(line + "\n" for line in typed), env={"TJ_PASSWORD": None},
    )  # fmt: skip
    assert PASSWORD_RULE not in result.stderr  # a pipe: nothing is asked (see the pty test)
    lines = result.stderr.splitlines()
    [common, username] = [line for line in lines if line.endswith("; try again.")]
    assert "This is a top-100 common password." in common
    assert "Add another word or two" in common
    assert "It contains your username or another detail you gave" in username
    assert "Account ben created" in result.stderr
    assert "qwertyuiop" not in result.output and "ben2026!" not in result.output
    assert "Traceback" not in result.output
    await device.ok("login", live_server.url, "ben", env={"TJ_PASSWORD": STRONG})


async def test_a_guessable_password_piped_twice_is_refused_and_the_end_of_input_said(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """From a pipe the new password is still read as a pair of lines, checked once both are
    read (NU33 #8 changed the terminal only): two lines of a guessable password get the
    reason, then the one-line error that stdin ended, and no account is made."""
    device = Device(tmp_path / "ben", live_server.url)
    result = await device.tj(
        "signup", live_server.url, "ben", input="password1\npassword1\n",
        env={"TJ_PASSWORD": None},
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    [refused] = [line for line in result.stderr.splitlines() if line.endswith("; try again.")]
    assert "too easy to guess" in refused
    assert result.stderr.splitlines()[-1] == (
        "Error: no password given: pass --password-file or set TJ_PASSWORD, or run tj on a "
        "terminal to type it"
    )
    assert "password1" not in result.output
    assert not (device.home / "profile").exists()


async def test_signup_with_a_guessable_password_from_the_environment_is_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    device = Device(tmp_path / "ben", live_server.url)
    result = await device.tj("signup", live_server.url, "ben", env={"TJ_PASSWORD": "12345678"})
    line = failed_with_one_line(result, 2)  # a value refused: exit 2
    assert "too easy to guess" in line and "This is a top-10 common password." in line
    assert "12345678" not in result.output
    assert not (device.home / "profile").exists()


async def test_password_change_to_a_guessable_password_changes_nothing(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    refused = await laptop.tj("password", "change", env={"TJ_NEW_PASSWORD": "ana12345"})
    assert "too easy to guess" in failed_with_one_line(refused, 2)
    assert "ana12345" not in refused.output
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")  # the old password (TJ_PASSWORD) still works


async def test_password_change_at_the_prompt_asks_again_counting_the_username(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    typed = ["ana2026!", "ana2026!", STRONG, STRONG]
    changed = await laptop.ok("password", "change", input="".join(t + "\n" for t in typed))
    assert "It contains your username" in changed.stderr and "; try again." in changed.stderr
    assert "Password changed." in changed.stderr
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": STRONG})


async def test_recover_with_a_guessable_password_changes_nothing(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    rescued = Device(tmp_path / "rescued", live_server.url)
    result = await rescued.tj(
        "recover", live_server.url, "ana",
        env={"TJ_RECOVERY_KEY": laptop.signup["recovery_key"], "TJ_PASSWORD": "password"},
    )  # fmt: skip
    assert "This is a top-10 common password." in failed_with_one_line(result, 2)
    assert not (rescued.home / "profile").exists()
    assert [d["name"] for d in await laptop.json("devices")] == ["laptop"]  # none signed in
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": PASSWORD})


async def test_on_a_terminal_signup_states_the_rule_before_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A real `tj signup` whose stdin is a pseudo-terminal (in a session of its own, so
    getpass reads the pty and writes its prompts to stderr): the rule comes before the first
    prompt, and a refused password is asked again with the reason right after it was typed
    once, before any confirmation (NU33 #8: it used to be refused only once typed twice)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    controller, terminal = os.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            TJ, "--home", str(tmp_path / "ben"), "signup", live_server.url, "ben", env=env,
            stdin=terminal, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        assert process.stderr is not None
        said = ""

        async def answer_after(prompt: str, line: str) -> None:
            """Wait for `prompt` (getpass has turned echo off and flushed input by then)."""
            nonlocal said
            assert process.stderr is not None
            while not said.endswith(prompt):
                chunk = await asyncio.wait_for(process.stderr.read(1), HANG)
                assert chunk, f"tj ended before asking {prompt!r}: {said}"
                said += chunk.decode()
            os.write(controller, line.encode() + b"\n")

        await answer_after("Choose a password: ", "12345678")
        await answer_after("; try again.\nChoose a password: ", STRONG)  # asked again at once
        await answer_after("Repeat for confirmation: ", STRONG)
        rest = await asyncio.wait_for(process.stderr.read(), HANG)
        said += rest.decode()
        assert await asyncio.wait_for(process.wait(), HANG) == 0, said
    finally:
        os.close(controller)
        os.close(terminal)
    assert said.index(PASSWORD_RULE) < said.index("Choose a password:")
    assert "This is a top-10 common password." in said and "; try again." in said
    assert said.count("Repeat for confirmation") == 1  # only for the password taken
    assert said.index("; try again.") < said.index("Repeat for confirmation")
    assert "Account ben created" in said
    assert "12345678" not in said and STRONG not in said
