"""Secrets read when stdin is not a terminal (a script, a pipe, /dev/null): the line is read
without Python's GetPassWarning (NU18 C13), and a stdin that ends says in one line how else to
give the secret, not a bare `Aborted!` (NU18 C10). A real `tj` process, since CliRunner
replaces getpass; real server on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401

TJ = str(Path(sys.executable).parent / "tj")
HANG = 60.0  # seconds after which the subprocess is hung, not slow
PASSPHRASE = "a long local passphrase"


async def tj(home: Path, *args: str, stdin: bytes) -> tuple[int, str]:
    """Run `tj --home HOME ARGS` with `stdin` piped in; its exit status and stderr."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TJ_") and key != "PYTHONWARNINGS"
    }
    env["TJ_INSECURE_TEST_KDF"] = "1"
    process = await asyncio.create_subprocess_exec(
        TJ, "--home", str(home), *args, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(stdin), HANG)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_secrets_from_a_pipe_are_read_without_a_python_warning(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "ana"
    typed_twice = f"{PASSWORD}\n{PASSWORD}\n".encode()
    status, stderr = await tj(home, "signup", live_server.url, "ana", stdin=typed_twice)
    assert status == 0, stderr
    assert "Account ana created" in stderr
    assert "Warning" not in stderr and "getpass" not in stderr

    new = b"brand new secret\nbrand new secret\n"
    status, stderr = await tj(home, "password", "change", stdin=PASSWORD.encode() + b"\n" + new)
    assert status == 0, stderr
    assert "Warning" not in stderr and "getpass" not in stderr

    status, stderr = await tj(home, "lock", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n".encode())
    assert status == 0, stderr
    assert "Warning" not in stderr and "getpass" not in stderr
    status, stderr = await tj(home, "list", "--json", stdin=f"{PASSPHRASE}\n".encode())
    assert status == 0, stderr
    assert "Warning" not in stderr and "getpass" not in stderr


async def test_a_locked_profile_with_no_passphrase_says_how_to_give_it_in_one_line(
    laptop: Device,  # noqa: F811
) -> None:
    await laptop.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    status, stderr = await tj(laptop.home, "list", stdin=b"")  # like </dev/null
    assert status == 1
    [line] = stderr.strip().splitlines()
    assert line == (
        "Error: this profile is locked: set TJ_PASSPHRASE to its passphrase, "
        "or run tj on a terminal to type it"
    )
    said = failed_with_one_line(await laptop.tj("list", input=""))  # through CliRunner too
    assert said == line
    assert "Aborted" not in said


async def test_a_password_missing_from_a_script_is_said_in_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    status, stderr = await tj(tmp_path / "ben", "signup", live_server.url, "ben", stdin=b"")
    assert status == 1
    [line] = stderr.strip().splitlines()
    assert "set TJ_PASSWORD" in line and "--password-file" in line
    assert not (tmp_path / "ben" / "profile").exists()


async def test_a_new_password_piped_once_says_that_a_second_line_confirms_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU32 #1: `echo PW | tj signup` said "no password given" although one was: signup reads
    a new password twice, the second line confirming it; the one line says so."""
    status, stderr = await tj(
        tmp_path / "quinn", "signup", live_server.url, "quinn", stdin=f"{PASSWORD}\n".encode()
    )
    assert status == 1
    [line] = stderr.strip().splitlines()
    assert line == (
        "Error: only one line on standard input: a new secret is read twice from it (the "
        "second line confirms the first); or pass --password-file or set TJ_PASSWORD"
    )
    assert not (tmp_path / "quinn" / "profile").exists()


async def test_a_question_left_unanswered_by_a_script_says_that_yes_skips_it(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """NU32 #5: `tj delete ID </dev/null` printed the question then a bare "Aborted!". One
    line says that it needs confirming and which flag skips it, naming the question (NU33
    #2: the question and the error were two lines, the README promises one); nothing is
    done. Same for `devices revoke`, and for the name `journal delete` asks to type."""
    entry = (await laptop.ok("write", "Kept.")).stdout.strip()
    await laptop.ok("journal", "create", "Diary")
    [phone_id] = [d["id"] for d in await laptop.json("devices") if d["name"] == "phone"]
    unanswered = (
        "Error: this needs confirming and standard input ended with no answer: pass --yes to "
        "skip the question. The question: "
    )
    for args, question in (
        (("delete", entry[:8]), "to the trash?"),
        (("devices", "revoke", phone_id[:8]), "Sign out 'phone' ("),
        (("journal", "delete", "Diary"), "Type its name as this device knows it, 'Diary'"),
    ):
        status, stderr = await tj(laptop.home, *args, stdin=b"")  # like </dev/null
        assert status == 1, stderr
        [line] = stderr.strip().splitlines()
        assert line.startswith(unanswered) and question in line, stderr
        assert "[y/N]" not in line and "Aborted" not in stderr
    assert [e["id"] for e in await laptop.json("list")] == [entry]
    assert "Diary" in [j["name"] for j in await laptop.json("journal", "list")]
    assert len(await laptop.json("devices")) == 2
    await phone.ok("sync")

    declined = await laptop.tj("delete", entry[:8], input="n\n")  # a "no": what was not done
    last = declined.stderr.strip().splitlines()[-1]
    assert declined.exit_code == 1 and last.startswith('Not done: you answered no to "Move ')
    assert last.endswith('to the trash?".'), declined.stderr
