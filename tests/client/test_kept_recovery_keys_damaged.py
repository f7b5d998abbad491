"""Kept recovery keys that do not read, and races on them (R29, the hostile review of
s8-signup: kept recovery keys set aside and put back, `login` that
never makes an account, `forget_kept_recovery_keys`). Each test is a finding; see
/work/R29-FINDINGS.md.

Real server on 127.0.0.1, real crypto; the damaged files are what a disk error, a bad
backup restore or anyone with write access to the home can leave.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_sdk import INSECURE_TEST_COST, Client, IntegrityError, InvalidInput, TJError, keys
from client_sdk.pending_signup import (
    PENDING_FILE,
    _encode,
    aside_path,
    load_pending,
    read_pending,
    save_pending,
)
from client_sdk.profile import create_private
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


# --- The whole kind (R29): every field type-checked, every entry that does not read listed
# as damaged, a put-back kept until shown and only for its own server and name, and a drop
# only of what was listed, unchanged.

MSGPACK_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=8,
)
FIELDS = ["v", "server_url", "request", "sealed_recovery_key", "finished", "other"]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document=st.fixed_dictionaries(
        {"v": st.just(1) | MSGPACK_VALUES},
        optional={name: MSGPACK_VALUES for name in FIELDS[1:]},
    ),
)
def test_any_msgpack_document_is_read_or_damaged_never_another_error(
    tmp_path: Path, document: dict[str, object]
) -> None:
    """F1's whole kind: whatever msgpack document the file holds (any type, any integer a
    uint64 or int64 takes, in any field), reading it gives a kept signup or IntegrityError,
    and listing gives it as damaged: nothing else escapes, nothing is converted."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    account_id = "0123456789abcdef0123456789abcdef"
    for path in (home / PENDING_FILE, home / f"{PENDING_FILE}.{account_id}"):
        path.write_bytes(msgpack.packb(document, use_bin_type=True))
    with pytest.raises(IntegrityError):
        load_pending(home)
    kept = Client.kept_recovery_keys(home)
    assert [(k.state, k.account_id) for k in kept] == [("damaged", None), ("damaged", account_id)]


async def test_every_field_of_a_real_kept_file_is_type_checked(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Each field of a real kept file replaced by a value of another type (an integer where
    bytes are, bytes where text is, a number where a flag is, an out-of-range cost in the
    second seal) makes the file damaged: never converted into something else."""
    home = tmp_path / "laptop"
    home.mkdir()
    pending = await _a_real_pending(live_server, tmp_path)
    good = msgpack.unpackb((pending / PENDING_FILE).read_bytes(), raw=False)
    good["other"] = [b"s" * 16, 1, 8192, b"sealed"]
    (home / PENDING_FILE).write_bytes(msgpack.packb(good, use_bin_type=True))
    assert load_pending(home) is not None  # the well-typed document reads
    wrong: list[tuple[str, object]] = [
        ("server_url", b"http://127.0.0.1:1"),
        ("request", 10**9),
        ("request", list(good["request"])),
        ("sealed_recovery_key", OUT_OF_RANGE),
        ("sealed_recovery_key", "text"),
        ("finished", 1),
        ("other", [b"s" * 16, 2**64 - 1, 8192, b"sealed"]),
        ("other", [b"s" * 16, 1, True, b"sealed"]),
        ("other", [b"short", 1, 8192, b"sealed"]),
    ]
    for field, value in wrong:
        (home / PENDING_FILE).write_bytes(msgpack.packb({**good, field: value}, use_bin_type=True))
        with pytest.raises(IntegrityError):
            load_pending(home)
        assert [k.state for k in Client.kept_recovery_keys(home)] == ["damaged"], field


async def _a_real_pending(live_server: RunningServer, tmp_path: Path) -> Path:
    """A home keeping a real signup's copy (ben's, its key never shown)."""
    home = tmp_path / "other"
    ben = await sign_up(live_server.url, home, "ben")
    await ben.close()
    return home


def test_an_unreadable_kept_file_is_listed_as_damaged(tmp_path: Path) -> None:
    """F2's whole kind: a kept file this process cannot read (mode 000) is listed as
    damaged, and refused as IntegrityError in place, never a bare PermissionError."""
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    home = tmp_path / "laptop"
    home.mkdir()
    account_id = "0123456789abcdef0123456789abcdef"
    for path in (home / PENDING_FILE, home / f"{PENDING_FILE}.{account_id}"):
        path.write_bytes(b"")
        path.chmod(0)
    with pytest.raises(IntegrityError):
        load_pending(home)
    kept = Client.kept_recovery_keys(home)
    assert [(k.state, k.account_id) for k in kept] == [("damaged", None), ("damaged", account_id)]
    assert Client.forget_kept_recovery_keys(home, listed=kept) == kept
    assert Client.kept_recovery_keys(home) == []


def test_forget_drops_nothing_changed_since_it_was_listed(tmp_path: Path) -> None:
    """F4 in the SDK: an app lists, asks, and passes what it listed; an entry written over
    since (another key, never shown to the user) makes the drop refuse, dropping none."""
    home = tmp_path / "laptop"
    home.mkdir()
    ids = ["a" * 32, "b" * 32]
    for account_id in ids:
        (home / f"{PENDING_FILE}.{account_id}").write_bytes(b"")
    listed = Client.kept_recovery_keys(home)
    (home / f"{PENDING_FILE}.{ids[1]}").write_bytes(b"another key, never listed")
    with pytest.raises(InvalidInput, match="changed since"):
        Client.forget_kept_recovery_keys(home, listed=listed)
    assert [k.account_id for k in Client.kept_recovery_keys(home)] == ids  # none dropped
    with pytest.raises(InvalidInput):
        Client.forget_kept_recovery_keys(home, ids[0], listed=listed[:1])  # one or the other
    with pytest.raises(InvalidInput, match="account id"):
        Client.kept_recovery_keys(home, " ")  # no id at all
    other_file = dataclasses.replace(listed[0], path=home / "profile")
    (home / "profile").write_bytes(b"")
    with pytest.raises(InvalidInput, match="not a kept recovery key"):
        Client.forget_kept_recovery_keys(home, listed=[other_file])  # only kept keys' files
    assert (home / "profile").exists()
    assert Client.forget_kept_recovery_keys(home, listed=listed[:1]) == listed[:1]


async def copy_set_aside(
    live_server: RunningServer, home: Path, server_url: str | None = None
) -> Path:
    """ana signed up on `home`, her key never shown; the copy then marked finished and set
    aside (as `signup` again over a refused login does), written for `server_url` if given."""
    ana = await sign_up(live_server.url, home)
    account_id = ana.profile.account_id
    await ana.logout()
    pending = load_pending(home)
    assert pending is not None
    if server_url is not None:
        pending = dataclasses.replace(pending, server_url=server_url)
    save_pending(home, dataclasses.replace(pending, finished=True))
    aside = aside_path(home, account_id)
    (home / PENDING_FILE).replace(aside)
    return aside


async def test_a_copy_put_back_by_a_plain_login_is_kept_until_shown(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """An app that logs in with the default `keep_until_shown=False` does not expect a
    recovery key from a login: a copy set aside and put back at that login is handed over
    (`recovery_key`) but kept until the app says it showed it, never dropped unseen."""
    home = tmp_path / "laptop"
    await copy_set_aside(live_server, home)
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert client.recovery_key is not None, client.recovery_key_not_shown
        assert [k.state for k in Client.kept_recovery_keys(home)] == ["unconfirmed"]  # kept
        client.recovery_key_shown()
        assert Client.kept_recovery_keys(home) == []
    finally:
        await client.close()


async def test_a_copy_set_aside_goes_back_at_another_address_only_holding_the_accounts_keys(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A copy set aside goes back when this home signs in to its account (its id and name),
    whatever the address it was signed up through (rev32d F4: a proxy's address, another
    host name of the server), only once the identity keys the password opened are the ones
    the copy holds: a copy naming the account's id with other keys (a server replaying the
    id, a file changed) stays set aside, offered to nobody, and the login says so."""
    home = tmp_path / "laptop"
    aside = await copy_set_aside(live_server, home, "http://127.0.0.1:1")
    genuine = aside.read_bytes()
    pending = read_pending(aside)
    assert pending is not None
    other = keys.AccountSecrets.generate()
    identity = dataclasses.replace(
        pending.request.identity,
        sign_public_key=other.sign_public_key,
        box_public_key=other.box_public_key,
    )
    request = dataclasses.replace(pending.request, identity=identity)
    aside.write_bytes(_encode(dataclasses.replace(pending, request=request)))
    forged = aside.read_bytes()
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert client.recovery_key is None
        assert client.recovery_key_not_shown is not None
        assert str(aside) in client.recovery_key_not_shown
    finally:
        await client.close()
    assert [(k.state, k.path) for k in Client.kept_recovery_keys(home)] == [("set aside", aside)]
    assert aside.read_bytes() == forged
    aside.write_bytes(genuine)
    client = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip
    try:
        assert client.recovery_key is not None, client.recovery_key_not_shown
        assert Client.unconfirmed_recovery_key(home) == (live_server.url, "ana")
    finally:
        await client.close()
    assert not aside.exists()


def test_a_put_back_never_replaces_a_file_written_meanwhile(tmp_path: Path) -> None:
    """F4 (put back): the copy goes in place by an exclusive create, so a signup's file
    written there between the check and the write is never replaced."""
    path = tmp_path / PENDING_FILE
    assert create_private(path, b"first")
    assert not create_private(path, b"second")
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [PENDING_FILE]  # no temporary left
