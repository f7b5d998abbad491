"""The `tj` command line against a real server on loopback, through click's CliRunner.

The server runs in the test's event loop and the CLI calls `asyncio.run` itself, so every CLI
call runs in a worker thread (`asyncio.to_thread`). No mocks: real server, SQLite and crypto.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shlex
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner, Result

from cli.main import cli
from server import create_app
from tests.conftest import PASSWORD, TEST_SETTINGS, RunningServer

ENTRY_KEYS = {
    "id", "journal", "journal_id", "title", "body", "mood", "tags", "created_at", "updated_at", "emotions",
    "prompt_id", "utc_offset", "trashed_at", "share_ended", "unlisted", "shared_fields",
}  # fmt: skip
OFFLINE_NOTE = "saved locally; will sync when the server is reachable"
BASE_ENV: dict[str, str | None] = {
    "TJ_PASSWORD": PASSWORD,
    "TJ_INSECURE_TEST_KDF": "1",
    "TJ_HOME": None,
    "TJ_NEW_PASSWORD": None,
    "TJ_RECOVERY_KEY": None,
}


EARLIER_CALL_WAIT_S = 60.0
"""How long a `run_tj` call waits for a call an earlier test left running (see `_invoke`)."""
_calls = threading.Condition()
_running: dict[int, str] = {}  # call number -> the test (pytest node id) that made it
_numbers = itertools.count()


def _invoke(
    test: str, args: list[str], input: str | bytes | None, env: dict[str, str | None]
) -> Result:
    """CliRunner's invoke, in this worker thread, once no call an EARLIER test made still
    runs. CliRunner sets `env` in the process's os.environ for the call and puts the old
    values back at its end: a call an earlier test left running in its thread (its awaiting
    task cancelled) put its COLUMNS back in the middle of a later test's call, which then
    wrapped its lines at 80 columns (ci-331's one failure). Calls of one test may run at once
    (a test holding a `tj logout` while it runs another command)."""
    number = next(_numbers)
    with _calls:
        if not _calls.wait_for(
            lambda: all(made_by == test for made_by in _running.values()), EARLIER_CALL_WAIT_S
        ):
            earlier = sorted(set(_running.values()) - {test})
            raise AssertionError(f"a tj call of an earlier test still runs: {earlier}")
        _running[number] = test
    try:
        return CliRunner().invoke(cli, args, input=input, env=env)
    finally:
        with _calls:
            del _running[number]
            _calls.notify_all()


async def run_tj(
    args: list[str], *, input: str | bytes | None = None, env: dict[str, str | None] | None = None
) -> Result:
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    return await asyncio.to_thread(_invoke, test, args, input, {**BASE_ENV, **(env or {})})


def succeeded(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def failed_with_one_line(result: Result, status: int = 1) -> str:
    """The single `Error: ...` line of a failed command (exit `status`, 1 by default; 2 for a
    value refused as given, NU35 #8), no traceback."""
    assert result.exit_code == status, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    return line


@dataclass
class Device:
    """One profile directory (`tj --home`), i.e. one device of one user."""

    home: Path
    url: str
    signup: dict[str, Any] = field(default_factory=dict)

    async def tj(
        self, *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Seen:
        """`tj --home HOME ARGS`, its output as `seen` shows it (and as printed)."""
        return seen(await run_tj(["--home", str(self.home), *args], input=input, env=env), self)

    @property
    def command(self) -> str:
        """How a command the CLI prints for this profile starts, as `Device.tj` shows it:
        "tj" (printed "tj --home HOME": `seen`)."""
        return "tj"

    @property
    def printed(self) -> str:
        """How a command the CLI prints for this profile starts, as printed (given with
        --home, not the default): "tj --home HOME"."""
        return shlex.join(["tj", "--home", str(self.home)])

    async def ok(self, *args: str, **options: Any) -> Seen:
        done = await self.tj(*args, **options)
        succeeded(done)
        return done

    async def json(self, *args: str, **options: Any) -> Any:
        """The command's JSON, a name in it as it is (never marked BARE: `seen`), each
        command printed for this profile as `tj ...`."""
        printed = (await self.ok(*args, "--json", **options)).raw_stdout
        return json.loads(printed.replace(f"`{self.printed} ", "`tj "))


BARE = "BARE "
"""Before a command span that starts with a bare `tj` in a command's output as `seen` shows
it: one that names no profile (another person's command, `output.their_command`; or, a bug,
one of this profile's printed without its --home)."""

_BARE_SPAN = re.compile(r"`tj(?= )(?! --home )")

_BARE_INSIDE = re.compile(r"(`[^`\n]*?(?:[|;&] |\$\())tj(?= )(?! --home )")
"""A bare `tj` command inside a command span, after a pipe, `&&`, `;` or `$(` (`iconv ... |
tj write`): BARE as one at a span's start."""


class Seen(Result):
    """A command's result as `seen` shows it, with its output as printed: `raw_stdout`,
    `raw_stderr`, `raw_output`."""

    raw_stdout: str
    raw_stderr: str
    raw_output: str


def seen(result: Result, device: Device) -> Seen:
    """`result` with each command span printed for `device`'s profile (`tj --home HOME ...`:
    every command printed names the profile, NU52 F1) shown as `tj ...`, so that a test
    names the command as the user reads it; each span starting with a bare `tj` (naming no
    profile), or holding one after a pipe, `&&`, `;` or `$(`, marked BARE instead, so that a
    test expecting one of this profile's commands
    fails on it. The output as printed is kept as `raw_stdout`, `raw_stderr`, `raw_output`
    (for text from elsewhere: an entry's or a name's backticks as written)."""
    own = re.compile("(`|`[^`\n]*?(?:[|;&] |\\$\\())" + re.escape(f"{device.printed} "))

    def bare(text: str) -> str:
        marked = _BARE_SPAN.sub(f"`{BARE}tj", text)
        while (
            again := _BARE_INSIDE.sub(lambda found: f"{found.group(1)}{BARE}tj", marked)
        ) != marked:
            marked = again
        return marked

    def shown(raw: str) -> bytes:
        marked = bare(raw)
        while (again := own.sub(lambda found: f"{found.group(1)}tj ", marked)) != marked:
            marked = again
        return marked.encode(result.runner.charset)

    out = Seen(
        result.runner,
        shown(result.stdout),
        shown(result.stderr),
        shown(result.output),
        result.return_value,
        result.exit_code,
        result.exception,
        result.exc_info,
    )
    out.raw_stdout, out.raw_stderr, out.raw_output = result.stdout, result.stderr, result.output
    return out


@pytest.fixture
async def laptop(live_server: RunningServer, tmp_path: Path) -> Device:
    """ana's first device, signed up through the CLI."""
    device = Device(tmp_path / "laptop", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana", "--device-name", "laptop")
    return device


@pytest.fixture
async def phone(live_server: RunningServer, laptop: Device, tmp_path: Path) -> Device:
    """ana's second device, logged in with the password from --password-file."""
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    device = Device(tmp_path / "phone", live_server.url)
    result = await run_tj(
        [
            "--home",
            str(device.home),
            "--password-file",
            str(password_file),
            "login",
            live_server.url,
            "ana",
            "--device-name",
            "phone",
        ],
        env={"TJ_PASSWORD": None},
    )
    succeeded(result)
    return device


class Outage:
    """Stops the live server, then starts it again on the same port with the same data.
    Meanwhile the port stays bound (a socket that does not listen: a connection is refused)
    so that no other test's server, in another worker, is given it and answers this test's
    clients in its place (a flaky "session not accepted" in ci-189)."""

    def __init__(self, live_server: RunningServer) -> None:
        self.live_server = live_server
        self.port: int | None = None
        self.restarted: list[TestServer] = []
        self.held: socket.socket | None = None

    async def begin(self) -> None:
        """Stop the server running now: the live one, or the one the last `end` started
        (an outage may begin again after it ended)."""
        running = self.restarted[-1] if self.restarted else self.live_server.server
        self.port = running.port
        await running.close()
        self.held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.held.bind(("127.0.0.1", self.port))  # bound, never listening: refused

    async def end(self) -> None:
        if self.held is not None:
            self.held.close()
            self.held = None
        live = self.live_server
        app = create_app(live.data_dir, settings=TEST_SETTINGS, clock=live.clock)
        server = TestServer(app, host="127.0.0.1", port=self.port)
        await server.start_server()
        self.restarted.append(server)


@pytest.fixture
async def outage(live_server: RunningServer) -> AsyncIterator[Outage]:
    stopper = Outage(live_server)
    yield stopper
    if stopper.held is not None:
        stopper.held.close()
    for server in stopper.restarted:
        await server.close()


# --- account --------------------------------------------------------------------------------


async def test_signup_prints_the_recovery_key_and_fingerprint_with_a_warning(
    live_server: RunningServer, tmp_path: Path
) -> None:
    device = Device(tmp_path / "ben", live_server.url)
    result = await device.ok(
        "signup",
        live_server.url,
        "ben",
        input="a fine password\na fine password\n",
        env={"TJ_PASSWORD": None},
    )
    assert re.search(r"^Recovery key: ([A-Z2-7]{4}-){13}[A-Z2-7]{4}$", result.stdout, re.M)
    fingerprint = re.search(r"^Fingerprint:  ((\d{5} ){5}\d{5})$", result.stdout, re.M)
    assert fingerprint
    assert "WARNING" in result.stderr and "recovery key" in result.stderr
    assert "a fine password" not in result.output
    assert (await device.json("fingerprint"))["fingerprint"] == fingerprint.group(1)


async def test_signup_json_has_the_recovery_key_and_the_same_fingerprint_as_tj_fingerprint(
    laptop: Device, phone: Device
) -> None:
    assert set(laptop.signup) == {"username", "created", "recovery_key", "fingerprint"}
    assert laptop.signup["username"] == "ana"
    assert laptop.signup["created"] is True  # a new signup made the account (NU21 C6)
    seen_from_phone = await phone.json("fingerprint", "ana")
    assert seen_from_phone == {"username": "ana", "fingerprint": laptop.signup["fingerprint"]}
    assert (await phone.ok("fingerprint")).stdout.strip() == laptop.signup["fingerprint"]


async def test_wrong_password_is_a_one_line_error_without_traceback(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    device = Device(tmp_path / "intruder", live_server.url)
    result = await device.tj(
        "login", live_server.url, "ana", env={"TJ_PASSWORD": "not the password"}
    )
    assert "password" in failed_with_one_line(result)
    assert not (device.home / "profile").exists()


async def test_commands_without_an_account_on_this_device_fail_with_one_line(
    tmp_path: Path,
) -> None:
    result = await run_tj(["list"], env={"XDG_DATA_HOME": str(tmp_path)})
    line = failed_with_one_line(result)
    assert str(tmp_path / "therapy-journal") in line
    assert line.endswith(
        "sign up or log in first: run `tj signup URL USERNAME` or `tj login URL USERNAME`"
    )


async def test_an_unknown_journal_gets_the_cli_hint_the_sdk_message_lacks(
    laptop: Device,
) -> None:
    line = failed_with_one_line(await laptop.tj("list", "--journal", "Dreams"))
    assert line == (
        f"Error: no journal named 'Dreams' on this device: see `{laptop.command} journal list` "
        f"(`{laptop.command} sync` first if it was just shared with you)"
    )


async def test_password_change_then_login_with_the_new_password(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    await laptop.ok("password", "change", input="brand new secret\nbrand new secret\n")
    tablet = Device(tmp_path / "tablet", live_server.url)
    failed_with_one_line(await tablet.tj("login", live_server.url, "ana"))
    await tablet.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": "brand new secret"})
    assert (await tablet.json("fingerprint"))["fingerprint"] == laptop.signup["fingerprint"]


async def test_a_too_short_password_at_signup_is_asked_again(
    live_server: RunningServer, tmp_path: Path
) -> None:
    device = Device(tmp_path / "ben", live_server.url)
    result = await device.ok(
        "signup",
        live_server.url,
        "ben",
        input="short\nshort\na fine password\na fine password\n",
        env={"TJ_PASSWORD": None},
    )
    assert "at least 8 characters; try again." in result.stderr
    assert "Account ben created" in result.stderr
    await device.ok("login", live_server.url, "ben", env={"TJ_PASSWORD": "a fine password"})


async def test_password_change_says_other_devices_stay_signed_in_and_can_sign_them_out(
    laptop: Device, phone: Device
) -> None:
    kept = await laptop.ok("password", "change", input="brand new secret\nbrand new secret\n")
    assert "Your other devices stay signed in: phone." in kept.stderr
    assert "tj devices revoke" in kept.stderr
    await phone.ok("sync")  # still signed in

    signed_out = await laptop.ok(
        "password", "change", "--sign-out-others", env={"TJ_PASSWORD": "brand new secret"},
        input="another new one\nanother new one\n",
    )  # fmt: skip
    assert "Signed out 1 other device: phone." in signed_out.stderr
    assert "stay signed in" not in signed_out.stderr  # one true message, not two
    assert [d["name"] for d in await laptop.json("devices")] == ["laptop"]
    failed_with_one_line(await phone.tj("sync"))


async def test_devices_rename_this_device_or_another_by_id_prefix(
    laptop: Device, phone: Device
) -> None:
    renamed = await laptop.ok("devices", "rename", "Work laptop")
    assert renamed.stderr.strip().endswith("to 'Work laptop'.")  # quoted as every name
    [phone_id] = [d["id"] for d in await laptop.json("devices") if d["name"] == "phone"]
    await laptop.ok("devices", "rename", phone_id[:8], "Old phone")
    names = {d["name"]: d["current"] for d in await phone.json("devices")}
    assert names == {"Work laptop": False, "Old phone": True}
    assert "1 to 100 characters" in failed_with_one_line(
        await laptop.tj("devices", "rename", "   "),
        2,  # a value out of its limits (NU62)
    )


async def test_a_device_renamed_on_the_laptop_is_named_so_in_the_phones_next_sync(
    laptop: Device, phone: Device
) -> None:
    # NU18 C8: the phone's report said the old name until `tj devices` ran on the phone.
    await laptop.ok("write", "Before the rename.")
    await laptop.ok("sync")
    assert "1 new entry from laptop" in (await phone.ok("sync")).stdout
    await laptop.ok("devices", "rename", "Work laptop")
    await laptop.ok("write", "After the rename.")
    await laptop.ok("sync")
    said = (await phone.ok("sync")).stdout
    assert "1 new entry from Work laptop" in said, said


async def test_recover_with_the_recovery_key_sets_a_new_password(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    entry_id = (await laptop.ok("write", "Before I forgot my password.")).stdout.strip()
    rescued = Device(tmp_path / "rescued", live_server.url)
    recovered = await rescued.ok(
        "recover",
        live_server.url,
        "ana",
        input=laptop.signup["recovery_key"] + "\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )
    assert "Synced: 1 new entry" in recovered.stderr  # fetched, like a login
    assert [e["id"] for e in await rescued.json("list")] == [entry_id]
    later = Device(tmp_path / "later", live_server.url)
    failed_with_one_line(await later.tj("login", live_server.url, "ana"))
    await later.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": "recovered secret"})


def new_recovery_key(result: Result) -> str:
    """The one new recovery key a command printed: on stdout, once, on its own line, with
    the warning on stderr; it appears nowhere else."""
    [key] = re.findall(r"^New recovery key: (\S+)$", result.stdout, flags=re.MULTILINE)
    assert result.output.count(key) == 1
    assert "WARNING" in result.stderr and "shown only this once" in result.stderr
    return str(key)


async def test_recover_shows_a_new_recovery_key_once_and_retires_the_one_used(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    """NU18 C5: a recovery key that was typed in (perhaps photographed, perhaps on a device
    since lost) is retired by the recovery, which shows a new one."""
    old_key = laptop.signup["recovery_key"]
    rescued = Device(tmp_path / "rescued", live_server.url)
    recovered = await rescued.ok(
        "recover", live_server.url, "ana", input=old_key + "\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )  # fmt: skip
    new_key = new_recovery_key(recovered)
    assert new_key != old_key
    assert "the recovery key you just used no longer works" in recovered.stderr
    assert "stays valid" not in recovered.output

    stale = Device(tmp_path / "stale", live_server.url)
    refused = failed_with_one_line(
        await stale.tj("recover", live_server.url, "ana", env={"TJ_RECOVERY_KEY": old_key})
    )
    assert "recovery key" in refused
    fresh = Device(tmp_path / "fresh", live_server.url)
    await fresh.ok(
        "recover", live_server.url, "ana",
        env={"TJ_RECOVERY_KEY": new_key, "TJ_PASSWORD": "second secret"},
    )  # fmt: skip


async def test_recovery_key_new_replaces_the_key_from_a_signed_in_device(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    old_key = laptop.signup["recovery_key"]
    wrong = failed_with_one_line(
        await laptop.tj("recovery-key", "new", env={"TJ_PASSWORD": "not the password"})
    )
    assert "the password is wrong; the recovery key was not replaced" in wrong
    assert "old one still works" in wrong

    replaced = await laptop.ok("recovery-key", "new")
    new_key = new_recovery_key(replaced)
    assert new_key != old_key
    assert "Recovery key replaced." in replaced.stderr
    assert "your old recovery key no longer works" in replaced.stderr
    await laptop.ok("sync")  # the device stays signed in, its password unchanged

    stale = Device(tmp_path / "stale", live_server.url)
    failed_with_one_line(
        await stale.tj("recover", live_server.url, "ana", env={"TJ_RECOVERY_KEY": old_key})
    )
    fresh = Device(tmp_path / "fresh", live_server.url)
    await fresh.ok(
        "recover", live_server.url, "ana",
        env={"TJ_RECOVERY_KEY": new_key, "TJ_PASSWORD": "second secret"},
    )  # fmt: skip


async def test_recovery_key_new_signs_out_what_the_copy_opened_and_offers_the_others(
    live_server: RunningServer, laptop: Device, phone: Device
) -> None:
    """R22 F6: a session opened with a copied recovery key alone ends when `tj recovery-key
    new` retires the key; the devices signed in with the password are named, stay signed
    in unless signed out, and --sign-out-others signs them out, as `tj password change`."""
    from client_sdk import account, keys, wire
    from client_sdk.errors import AuthError
    from client_sdk.transport import Transport

    copied = keys.parse_recovery_key(laptop.signup["recovery_key"])
    thief = Transport(live_server.url)
    try:
        session = await account.recover(thief, "ana", copied, "a phone")
    finally:
        await thief.close()
    assert len(await laptop.json("devices")) == 3  # the copy's session is listed

    kept = await laptop.ok("recovery-key", "new")
    new_recovery_key(kept)
    assert "devices that got in with it alone were signed out" in kept.stderr
    assert "Your other devices stay signed in: phone." in kept.stderr  # not the copy's
    assert "tj devices revoke" in kept.stderr
    assert "every copy of it" not in kept.output
    signed_in = Transport(live_server.url, session.reply.token)
    try:
        with pytest.raises(AuthError):
            await signed_in.call("/v1/journals/list", wire.ListRequest(b""), wire.JournalList)
    finally:
        await signed_in.close()
    await phone.ok("sync")  # still signed in, as said

    signed_out = await laptop.ok("recovery-key", "new", "--sign-out-others")
    new_recovery_key(signed_out)
    assert "Signed out 1 other device: phone." in signed_out.stderr
    assert "stay signed in: phone" not in signed_out.stderr
    assert [d["name"] for d in await laptop.json("devices")] == ["laptop"]
    failed_with_one_line(await phone.tj("sync"))

    third = await laptop.ok("recovery-key", "new", "--keep-others")
    new_recovery_key(third)
    assert "Signed out" not in third.stderr


async def test_recover_offers_to_sign_the_other_devices_out(
    live_server: RunningServer, laptop: Device, phone: Device, tmp_path: Path
) -> None:
    """NU18 C5: a forgotten password often follows a lost device; recovering says the others
    stay signed in and signs them out with --sign-out-others."""
    rescued = Device(tmp_path / "rescued", live_server.url)
    kept = await rescued.ok(
        "recover", live_server.url, "ana", input=laptop.signup["recovery_key"] + "\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )  # fmt: skip
    assert "the recovery key you just used no longer works" in kept.stderr
    [others] = [
        line.removeprefix("Your other devices stay signed in: ").removesuffix(".")
        for line in kept.stderr.splitlines()
        if line.startswith("Your other devices stay signed in: ")
    ]
    assert sorted(others.split(", ")) == ["laptop", "phone"]  # the order of equal times varies
    await phone.ok("sync")  # still signed in

    again = Device(tmp_path / "again", live_server.url)
    signed_out = await again.ok(
        "recover", live_server.url, "ana", "--sign-out-others",
        input=new_recovery_key(kept) + "\n", env={"TJ_PASSWORD": "second secret"},
    )  # fmt: skip
    assert "Signed out 3 other devices:" in signed_out.stderr
    assert len(await again.json("devices")) == 1
    failed_with_one_line(await phone.tj("sync"))
    failed_with_one_line(await laptop.tj("sync"))


async def test_recover_with_a_mistyped_key_fails_with_one_line(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    key = laptop.signup["recovery_key"]
    mistyped = ("B" if key[0] == "A" else "A") + key[1:]
    device = Device(tmp_path / "rescued", live_server.url)
    result = await device.tj(  # said before any new password is asked
        "recover", live_server.url, "ana", env={"TJ_RECOVERY_KEY": mistyped, "TJ_PASSWORD": None}
    )
    assert "recovery key has a typo" in failed_with_one_line(result)


async def test_logout_signs_out_and_forgets_the_profile(laptop: Device) -> None:
    await laptop.ok("write", "Synced before leaving.")
    await laptop.ok("logout")
    assert "no account" in failed_with_one_line(await laptop.tj("list"))


# --- entries --------------------------------------------------------------------------------


async def test_write_prints_only_the_new_entry_id_on_stdout(laptop: Device) -> None:
    result = await laptop.ok(
        "write", "--title", "Morning", "--mood", "7", "--tag", "sleep", "Slept better today."
    )
    assert re.fullmatch(r"[0-9a-f]{32}\n", result.stdout)
    assert result.stderr.strip() == f"Entry {result.stdout[:12]} ('Morning') saved; synced."
    entry = await laptop.json("show", result.stdout.strip())
    assert (entry["title"], entry["body"], entry["mood"], entry["tags"]) == (
        "Morning",
        "Slept better today.",
        7,
        ["sleep"],
    )


async def test_write_reads_the_text_from_stdin(laptop: Device) -> None:
    entry_id = (await laptop.ok("write", input="Written through a pipe.\n")).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == "Written through a pipe."


async def test_list_and_show_json_have_the_stable_entry_keys(laptop: Device) -> None:
    first = (await laptop.ok("write", "First")).stdout.strip()
    second = (await laptop.ok("write", "--tag", "a", "--tag", "b", "Second")).stdout.strip()
    listed = await laptop.json("list")
    assert [set(entry) for entry in listed] == [ENTRY_KEYS, ENTRY_KEYS]
    assert [entry["id"] for entry in listed] == [second, first]
    shown = await laptop.json("show", second[:6])
    assert shown == listed[0]
    assert (shown["journal"], shown["tags"], shown["mood"]) == ("Personal", ["a", "b"], None)


async def test_list_and_show_print_tables_and_text_for_people(laptop: Device) -> None:
    entry_id = (await laptop.ok("write", "--title", "Evening walk", "Calm.")).stdout.strip()
    table = (await laptop.ok("list")).stdout
    assert entry_id[:12] in table and "Evening walk" in table
    text = (await laptop.ok("show", entry_id[:8])).stdout
    assert f"id:       {entry_id}" in text and text.rstrip().endswith("Calm.")


async def test_edit_changes_only_the_given_fields_and_delete_removes_the_entry(
    laptop: Device,
) -> None:
    written = await laptop.ok("write", "--title", "Draft", "--mood", "3", "Slept badly.")
    entry_id = written.stdout.strip()
    edited = await laptop.ok(
        "edit", entry_id[:8], "--mood", "6", "--append", " Better now.", "--tag", "sleep"
    )
    assert edited.stdout.strip() == entry_id
    entry = await laptop.json("show", entry_id)
    assert (entry["title"], entry["mood"], entry["body"], entry["tags"]) == (
        "Draft",
        6,
        "Slept badly. Better now.",
        ["sleep"],
    )
    await laptop.ok("delete", entry_id[:8], "--yes")
    assert await laptop.json("list") == []
    assert "in the trash since" in (await laptop.ok("show", entry_id)).stdout
    assert "in the trash" in failed_with_one_line(await laptop.tj("edit", entry_id, "--mood", "2"))


async def test_usage_mistakes_exit_with_status_2(laptop: Device) -> None:
    assert (await laptop.tj("write", "--mood", "11", "Too happy")).exit_code == 2
    assert (await laptop.tj("edit")).exit_code == 2
    assert (await laptop.tj("delete")).exit_code == 2
    assert (await laptop.tj("write", input="")).exit_code == 2


async def test_unknown_entry_id_is_a_one_line_error(laptop: Device) -> None:
    line = failed_with_one_line(await laptop.tj("show", "abcdef"))
    # `tj show` synced first, so not "try `tj sync`" (NU33 #7): the CLI's hint
    assert line == "Error: no entry abcdef on this device (it synced just now): check the id"
    malformed = await laptop.tj("edit", "xyz", "--mood", "2")  # a bad value: 2 (NU35 #8)
    assert "not an entry id" in failed_with_one_line(malformed, 2)


# --- journals, sync, devices ----------------------------------------------------------------


async def test_journal_create_and_list(laptop: Device) -> None:
    await laptop.ok("journal", "create", "Dreams")
    journals = await laptop.json("journal", "list")
    assert {j["name"] for j in journals} == {"Personal", "Dreams"}
    assert all(
        set(j)
        == {
            "id",
            "name",
            "role",
            "access",
            "owner_id",
            "owner",
            "owner_verified",
            "read_only_copy",
            "share_ended",
            "archived",
            "helper",
            "kept_for",
            "kept_ended",
            "unlisted",
            "own",
        }  # fmt: skip
        for j in journals
    )
    await laptop.ok("write", "--journal", "Dreams", "Flying again.")
    [dream] = await laptop.json("list", "--journal", "Dreams")
    assert (dream["journal"], dream["body"]) == ("Dreams", "Flying again.")
    assert await laptop.json("list", "--journal", "Personal") == []
    assert "Dreams" in (await laptop.ok("journal", "list")).stdout
    assert "already exists" in failed_with_one_line(await laptop.tj("journal", "create", "dreams"))


async def test_journal_rename_keeps_the_entries_and_the_phone_sees_the_new_name(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok("write", "Kept across the rename.")
    renamed = await laptop.ok("journal", "rename", "Personal", "Diary")
    assert renamed.stderr.strip() == "Renamed journal Personal to Diary; synced."  # NU32 #12
    [entry] = await laptop.json("list", "--journal", "Diary")
    assert entry["body"] == "Kept across the rename."
    await phone.ok("sync")
    assert [j["name"] for j in await phone.json("journal", "list")] == ["Diary"]
    assert "no journal named 'Nope'" in failed_with_one_line(
        await laptop.tj("journal", "rename", "Nope", "Other")
    )
    await laptop.ok("journal", "archive", "Diary")
    assert "owner, archived" in (await laptop.ok("journal", "list")).stdout
    assert "unarchive" in failed_with_one_line(await laptop.tj("write", "--journal", "Diary", "x"))
    await laptop.ok("journal", "unarchive", "Diary")
    await laptop.ok("write", "--journal", "Diary", "Writing again.")
    refused = await laptop.tj("journal", "delete", "Diary", input="diary-not\n")
    asked = (  # NU48 #11
        "Type its name as this device knows it, 'Diary' (with or without the quotes), to confirm"
    )
    assert refused.exit_code == 1 and asked in " ".join(refused.stderr.split())
    assert "Error: the name did not match: nothing was deleted" in refused.stderr
    cased = await laptop.tj("journal", "delete", "Diary", input="diary\n")  # NU41 #13
    assert cased.exit_code == 1 and (
        "Error: the name did not match (type it as it is written, 'Diary': the case counts "
        "here): nothing was deleted"
    ) in " ".join(cased.stderr.split()), cased.stderr
    # typed as the question quotes it, the quotes included (NU52 F7)
    deleted = await laptop.ok("journal", "delete", "Diary", input="'Diary'\n")
    assert "Deleted journal Diary (id " in deleted.stderr
    assert await laptop.json("journal", "list") == []
    await phone.ok("sync")
    # its own journal gone from the server: a read-only copy, never a share said ended
    listed = await phone.json("journal", "list")
    assert [(j["name"], j["read_only_copy"], j["share_ended"]) for j in listed] == [
        ("Diary", True, False)
    ]
    assert "gone from the" in (await phone.ok("journal", "list")).stdout
    await phone.ok("journal", "delete", "Diary", "--yes")


async def test_writing_to_an_archived_journal_names_the_command_with_its_name(
    laptop: Device,
) -> None:
    """NU32 #12: the refusal said "`tj journal unarchive NAME`" though it knows the name: it
    gives the command to run, the name quoted for the shell, and that command works."""
    await laptop.ok("journal", "create", "Night dreams")
    await laptop.ok("journal", "archive", "Night dreams")
    said = failed_with_one_line(await laptop.tj("write", "--journal", "Night dreams", "x"))
    assert said == (
        "Error: journal 'Night dreams' is archived: unarchive it first: "
        f"`{laptop.command} journal unarchive 'Night dreams'`"
    )
    await laptop.ok("journal", "unarchive", "Night dreams")
    await laptop.ok("write", "--journal", "Night dreams", "Writing again.")


async def test_entries_written_on_one_home_appear_in_the_other_after_sync(
    laptop: Device, phone: Device
) -> None:
    entry_id = (
        await laptop.ok("write", "--journal", "Personal", "From the laptop.")
    ).stdout.strip()
    report = await phone.json("sync")
    assert report == {
        "pushed": 0,
        "pulled": 1,
        "merged": 1,
        "problems": [],
        "refused": 0,
        "incomplete": [],
        "set_aside": [],
        "unsent_flags": [],  # safety flags still on this device after it: none
        "withheld": [],
        "erased": [],
        "rollbacks": [],
        "refused_shares": [],
        "same_names": [],
        "update_needed": [],
        "news": [
            {
                "count": 1,
                "kind": "entry",
                "new": True,
                "withdrawn": False,
                "what": "new",
                "from": "laptop",
            },
        ],
        "upload_limit": None,
        "settled": [],
        "merged_texts": [],
        "overtaken": [],
        "held_back": [],
        "departures": [],
        "newer": [],
        "late_flags": [],
        "unflagged": [],  # item-9 answers an opt-in came too late for: none
        "undelivered_flags": [],  # flags sent after their share ended elsewhere: none
        "flags_sent": [],  # flags held here that left in this sync: none
        "new_devices": [],  # told once: none since this device's first look
        "credential_changes": [],
        "plan_not_loaded": False,  # the default journal (its safety plan) is on this device
        "earlier": [],  # what other commands' quick syncs fetched first (NU43 #4)
        "earlier_departures": [],  # and the share changes they told (NU44 F6)
        "earlier_new_devices": [],  # and the sign-ins and credential changes they told
        "earlier_credential_changes": [],
    }
    await phone.ok("edit", entry_id[:8], "--append", " And from the phone.")
    await phone.ok("goal", "add", "Walk daily")
    said = (await laptop.ok("sync")).stdout.strip()
    news, *earlier = said.splitlines()
    assert news == "1 new goal from phone, 1 updated entry from phone"
    # the phone signed in after the laptop's signup: told once, by the laptop's first look
    # (its `write`'s sync), said again here as fetched earlier (nu86 F6)
    assert [line.split(" (device ")[0].strip() for line in earlier] == [
        "Earlier, fetched by other commands since your last `tj sync` or sign-in:",
        "New sign-in on this account: 'phone'",
    ], said
    assert (await laptop.ok("sync")).stdout.strip() == "nothing new"
    assert (await laptop.json("show", entry_id))["body"] == "From the laptop. And from the phone."
    assert await laptop.json("list") == await phone.json("list")


async def test_devices_lists_every_device_and_revoke_signs_one_out(
    laptop: Device, phone: Device
) -> None:
    listed = await laptop.json("devices")
    assert {(d["name"], d["current"]) for d in listed} == {("laptop", True), ("phone", False)}
    assert all(
        set(d)
        == {"id", "name", "created_at", "last_seen_at", "expires_at", "current", "signed_in_at"}
        for d in listed
    )
    assert all(d["signed_in_at"] == d["created_at"] for d in listed)  # the sign-in log's
    assert "phone" in (await laptop.ok("devices")).stdout
    [phone_id] = [d["id"] for d in listed if d["name"] == "phone"]
    [laptop_id] = [d["id"] for d in listed if d["name"] == "laptop"]
    assert "use `tj logout`" in failed_with_one_line(
        await laptop.tj("devices", "revoke", laptop_id[:8], "--yes")
    )
    kept = await laptop.tj("devices", "revoke", phone_id[:8], input="n\n")
    assert kept.exit_code == 1 and "Sign out 'phone'" in kept.output
    assert len(await laptop.json("devices")) == 2
    said = await laptop.ok("devices", "revoke", phone_id[:8], input="y\n")
    assert f"Signed out phone ({phone_id[:12]})" in said.stderr
    assert [d["name"] for d in await laptop.json("devices")] == ["laptop"]
    failed_with_one_line(await phone.tj("sync"))


async def test_offline_write_is_saved_locally_and_synced_later(
    laptop: Device, phone: Device, outage: Outage
) -> None:
    await outage.begin()
    written = await laptop.ok("write", "--title", "On the train", "No network here.")
    entry_id = written.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", entry_id)
    assert written.stderr.strip() == f"Entry {entry_id[:12]} ('On the train') {OFFLINE_NOTE}."
    edited = await laptop.ok("edit", entry_id[:8], "--mood", "5")
    assert edited.stderr.strip() == f"Entry {entry_id[:12]} ('On the train') {OFFLINE_NOTE}."
    assert edited.stdout.strip() == entry_id
    assert [e["id"] for e in await laptop.json("list")] == [entry_id]
    assert "cannot reach the server" in failed_with_one_line(await laptop.tj("sync"))
    await outage.end()
    assert (await laptop.json("sync"))["pushed"] == 2
    await phone.ok("sync")
    seen = await phone.json("show", entry_id)
    assert (seen["title"], seen["mood"], seen["body"]) == ("On the train", 5, "No network here.")


async def test_a_journal_created_with_the_server_down_is_kept_and_synced_later(
    laptop: Device, phone: Device, outage: Outage
) -> None:
    await outage.begin()
    created = await laptop.ok("journal", "create", "Work")
    assert created.stderr.strip() == f"Created journal Work; {OFFLINE_NOTE}."
    await laptop.ok("write", "--journal", "Work", "Planning the week.")
    assert "Work" in {j["name"] for j in await laptop.json("journal", "list")}
    await outage.end()
    await laptop.ok("sync")
    await phone.ok("sync")
    [entry] = await phone.json("list", "--journal", "Work")
    assert entry["body"] == "Planning the week."


async def test_logout_asks_before_dropping_unsynced_changes(laptop: Device, outage: Outage) -> None:
    await outage.begin()
    await laptop.ok("write", "Never reached the server.")
    refused = await laptop.tj("logout", input="n\n")
    assert refused.exit_code == 1
    assert "Changes to 1 entry on this device" in refused.stderr  # by kind (nu76 F9)
    # NU14 finding 3: pending (not refused) changes are rescued by a sync or an export
    assert "run `tj sync` when the server can be reached" in refused.stderr
    assert "`tj export --out DIR`" in refused.stderr
    assert "set-aside" not in refused.stderr
    assert len(await laptop.json("list")) == 1
    await laptop.ok("logout", "--yes", "--discard-unsynced")  # --yes alone refuses (NU70 F16)
    assert not (laptop.home / "profile").exists()


async def test_an_offline_export_says_it_is_the_state_of_the_last_sync_not_that_it_will_sync(
    laptop: Device, outage: Outage, tmp_path: Path
) -> None:
    """NU14 finding 14: nothing "will sync" for an export; say which state was exported."""
    await laptop.ok("write", "Synced before the outage.")
    await outage.begin()
    await laptop.ok("write", "Written offline.")
    exported = await laptop.ok("export", "--out", str(tmp_path / "backup"))
    assert "will sync" not in exported.stderr
    assert "Not synced (the server cannot be reached): exporting" in exported.stderr
    assert "exporting what this device had at its last sync, " in exported.stderr
    data = json.loads(Path(exported.stdout.strip()).read_text(encoding="utf-8"))
    assert sorted(e["body"] for e in data["entries"]) == [
        "Synced before the outage.",
        "Written offline.",
    ]


# --- help -----------------------------------------------------------------------------------


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize(
    "command", all_commands(cli), ids=lambda command: " ".join(command) or "tj"
)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = succeeded(CliRunner().invoke(cli, [*command, "--help"]))
    assert "Example" in result.stdout
    assert "insecure" not in result.stdout.lower()
