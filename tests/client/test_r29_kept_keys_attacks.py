"""R29 (hostile review of s8-signup: kept recovery keys set aside and put back, `login` that
never makes an account, `forget_kept_recovery_keys`). Each test is a finding; see
/work/R29-FINDINGS.md.

Real server on 127.0.0.1, real crypto; the damaged files are what a disk error, a bad
backup restore or anyone with write access to the home can leave.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, Client, IntegrityError, TJError
from client_sdk.pending_signup import PENDING_FILE, aside_path, load_pending, save_pending
from tests.client.test_signup_failures import sign_up
from tests.conftest import PASSWORD, RunningServer

OUT_OF_RANGE = 2**64 - 1
"""A msgpack uint64 where the file holds bytes: `bytes(n)` raises OverflowError, which the
reader (pending_signup.read_pending) does not catch."""


def damaged_copy(path: Path) -> None:
    """A kept-copy file that decodes as msgpack but whose `request` is a huge integer."""
    document = {
        "v": 1,
        "server_url": "http://127.0.0.1:1",
        "request": OUT_OF_RANGE,
        "sealed_recovery_key": b"",
    }
    path.write_bytes(msgpack.packb(document, use_bin_type=True))


def test_a_kept_file_with_an_out_of_range_length_is_listed_as_damaged(tmp_path: Path) -> None:
    """F1: `kept_recovery_keys` promises a file that does not read is listed as "damaged";
    one whose `request` field is a huge integer raises OverflowError instead (so does
    `forget_kept_recovery_keys`: the damaged file cannot be dropped, nor anything else)."""
    home = tmp_path / "laptop"
    home.mkdir()
    account_id = "0123456789abcdef0123456789abcdef"
    damaged_copy(home / f"{PENDING_FILE}.{account_id}")
    kept = Client.kept_recovery_keys(home)  # on s8-signup: OverflowError
    assert [(k.state, k.account_id) for k in kept] == [("damaged", account_id)]
    assert Client.forget_kept_recovery_keys(home, account_id) == kept
    assert not (home / f"{PENDING_FILE}.{account_id}").exists()


def test_a_kept_file_in_place_with_an_out_of_range_length_is_an_integrity_error(
    tmp_path: Path,
) -> None:
    """F1: `load_pending` (every `signup`/`login`) must raise IntegrityError for a damaged
    file, as documented; an out-of-range length raises OverflowError."""
    home = tmp_path / "laptop"
    home.mkdir()
    damaged_copy(home / PENDING_FILE)
    with pytest.raises(IntegrityError):
        Client.unfinished_signup(home)  # on s8-signup: OverflowError


@pytest.mark.parametrize("damage", ["out of range", "a directory"])
async def test_a_damaged_copy_aside_never_blocks_the_login_of_its_account(
    live_server: RunningServer, tmp_path: Path, damage: str
) -> None:
    """F2: restore_aside ("a damaged copy aside stays where it is") runs after the profile is
    saved, on every login and recovery of the account; a copy aside that does not read in a
    way other than IntegrityError (OverflowError; an OSError such as a directory or an
    unreadable file) fails the login every time, after the session was opened and the
    profile written. The login must succeed and leave the damaged copy for the user."""
    home = tmp_path / "laptop"
    ana = await sign_up(live_server.url, home)
    account_id = ana.profile.account_id
    ana.recovery_key_shown()
    await ana.logout()
    aside = aside_path(home, account_id)
    if damage == "a directory":
        aside.mkdir()
    else:
        damaged_copy(aside)

    client = await Client.login(  # on s8-signup: OverflowError / IsADirectoryError
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert client.recovery_key is None
    finally:
        await client.close()
    assert aside.exists()  # left for the user


async def test_a_crash_between_putting_a_copy_back_and_removing_it_leaves_no_key_twice(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: restore_aside writes the copy in place, then removes the one aside. A crash in
    between leaves both (the same copy). On the next login the copy in place is confirmed,
    shown and dropped, but the one aside stays: the key just shown is still listed as "set
    aside", and the following login puts it back and offers it again as "never shown" (or,
    once the key was replaced, tells the user at every login to make a new one). Once the
    copy in place is of the same account, the one aside is that copy: it must go too."""
    home = tmp_path / "laptop"
    ana = await sign_up(live_server.url, home)
    account_id = ana.profile.account_id
    await ana.logout()  # the copy stays, kept until shown: mark it finished, set it aside
    [kept] = Client.kept_recovery_keys(home)
    assert kept.state == "unfinished" or kept.state == "unconfirmed"
    pending = load_pending(home)
    assert pending is not None
    save_pending(home, dataclasses.replace(pending, finished=True))
    aside = aside_path(home, account_id)
    (home / PENDING_FILE).replace(aside)
    # The crash: restore_aside wrote the copy in place and died before unlinking it aside.
    shutil.copyfile(aside, home / PENDING_FILE)

    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert client.recovery_key is not None, client.recovery_key_not_shown
    finally:
        client.recovery_key_shown()
        await client.logout()
    # on s8-signup: [KeptRecoveryKey(state="set aside", account_id=<ana's>)]
    assert Client.kept_recovery_keys(home) == []

    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert again.recovery_key is None  # shown once already
    finally:
        await again.close()


def test_forget_kept_recovery_keys_raises_a_tj_error_for_a_damaged_home_entry(
    tmp_path: Path,
) -> None:
    """F2 (listing): an entry aside that is not a file (a directory) makes
    `kept_recovery_keys` raise a bare IsADirectoryError: it is listed as damaged instead,
    or refused with a TJError naming it."""
    home = tmp_path / "laptop"
    home.mkdir()
    account_id = "0123456789abcdef0123456789abcdef"
    (home / f"{PENDING_FILE}.{account_id}").mkdir()
    try:
        kept = Client.kept_recovery_keys(home)
    except TJError:
        return
    assert [(k.state, k.account_id) for k in kept] == [("damaged", account_id)]
