"""`tj signup` that fails after the server created the account, then run again.

The first run fails with one line that says the signup did not finish and what to run; the
second finishes it and prints the recovery key (once); nothing under the home holds the key
in plaintext afterwards, and a third run says the home holds an account. The failures come
from the loopback proxy of tests/client/hostile.py in front of the real server.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from client_sdk import keys
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line

NOT_MSGPACK = b"\xc1"
KEY_LINE = re.compile(r"^(?:New r|R)ecovery key: ((?:[A-Z2-7]{4}-){13}[A-Z2-7]{4})$", re.M)


def assert_no_plaintext_key(home: Path, key: str) -> None:
    raw = keys.parse_recovery_key(key)
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for form in (key.encode(), key.replace("-", "").encode(), raw):
                assert form not in data, path


async def test_tj_signup_interrupted_after_the_server_created_the_account_then_again(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    device = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/journals/list"] = lambda request, reply: NOT_MSGPACK

    line = failed_with_one_line(await device.tj("signup", hostile.url, "ana"))
    assert "malformed reply" in line
    assert f"run `{device.command} signup {hostile.url} ana` again with the same password" in line
    assert "the account exists and this device is signed in" in line
    assert "recovery key was not shown" in line
    # commands work meanwhile (the device is signed in) and remind the user
    listed = await device.ok("journal", "list")
    assert "recovery key was not shown" in listed.stderr

    del hostile.replies["/v1/journals/list"]
    finished = await device.ok("signup", hostile.url, "ana")
    assert "Finished the signup of ana" in finished.stderr
    assert "did not have the account" not in finished.stderr  # it had it (NU21 C6)
    [key] = KEY_LINE.findall(finished.stdout)
    assert "WARNING" in finished.stderr
    assert_no_plaintext_key(device.home, key)

    shown_once = failed_with_one_line(await device.tj("signup", hostile.url, "ana"))
    assert f"{device.home} is signed in to ana already: nothing was asked or sent" in shown_once
    assert "recovery key" not in (await device.ok("journal", "list")).stderr
    recovered = Device(tmp_path / "phone", live_server.url)
    await recovered.ok(
        "recover",
        live_server.url,
        "ana",
        env={"TJ_RECOVERY_KEY": key, "TJ_PASSWORD": "a brand new password 42"},
        input="n\n",
    )


async def test_tj_signup_whose_reply_was_lost_then_tj_login_finishes_it(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    device = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    line = failed_with_one_line(await device.tj("signup", hostile.url, "ana"))
    assert "did not finish (the account may exist on the server" in line
    del hostile.replies["/v1/auth/signup"]

    other = failed_with_one_line(await device.tj("login", hostile.url, "ben"))
    assert "unfinished signup of ana" in other
    # rev33b F5: the signup's own address and name, not "URL USERNAME"
    assert f"`{device.command} signup {hostile.url} ana`" in other, other

    logged_in = await device.ok("login", hostile.url, "ana")
    assert "Finished the signup of ana" in logged_in.stderr
    [key] = KEY_LINE.findall(logged_in.stdout)
    assert_no_plaintext_key(device.home, key)
    again = await device.ok("login", hostile.url, "ana")
    assert not KEY_LINE.search(again.stdout)  # shown once


async def test_a_signup_whose_home_is_gone_gets_a_new_recovery_key_from_a_signed_in_device(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The reply was lost and the home with the sealed key was deleted: the account exists
    but nobody ever saw its recovery key. Logging in with the password and `tj recovery-key
    new` gives one that works (and says the old one no longer does)."""
    lost = Device(tmp_path / "lost", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    failed_with_one_line(await lost.tj("signup", hostile.url, "ana"))
    shutil.rmtree(lost.home)

    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("login", live_server.url, "ana")
    wrong = failed_with_one_line(
        await laptop.tj("recovery-key", "new", env={"TJ_PASSWORD": "not it at all 12"})
    )
    assert "Error:" in wrong
    made = await laptop.ok("recovery-key", "new")
    assert "old recovery key no longer works" in made.stderr and "WARNING" in made.stderr
    [key] = KEY_LINE.findall(made.stdout)
    assert_no_plaintext_key(laptop.home, key)
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok(
        "recover",
        live_server.url,
        "ana",
        env={"TJ_RECOVERY_KEY": key, "TJ_PASSWORD": "a brand new password 42"},
        input="n\n",
    )


async def test_finishing_a_signup_after_the_key_was_replaced_elsewhere_shows_no_key(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """R23 F2 through the CLI: the reply was lost; on the phone the user makes a recovery
    key; `tj login` and `tj signup` on the laptop finish the signup without printing the
    retired key, say why and what to do, and keep the sealed copy until `tj recovery-key
    new` here replaces the key."""
    laptop = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    failed_with_one_line(await laptop.tj("signup", hostile.url, "ana"))
    del hostile.replies["/v1/auth/signup"]
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await phone.ok("recovery-key", "new", input="n\n")

    logged_in = await laptop.ok("login", hostile.url, "ana")
    assert not KEY_LINE.search(logged_in.stdout) and "WARNING" not in logged_in.stderr
    assert "replaced on another device" in logged_in.stderr
    assert "tj recovery-key new" in logged_in.stderr
    signed_up = await laptop.ok("signup", hostile.url, "ana")  # the other way to finish
    assert not KEY_LINE.search(signed_up.stdout) and "WARNING" not in signed_up.stderr
    assert "replaced on another device" in signed_up.stderr

    made = await laptop.ok("recovery-key", "new", input="n\n")
    [key] = KEY_LINE.findall(made.stdout)
    again = await laptop.ok("login", hostile.url, "ana")
    assert "recovery key" not in again.stderr  # the kept copy went with the replacement
    assert_no_plaintext_key(laptop.home, key)
