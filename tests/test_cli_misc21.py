"""Four small leftovers: `tj unshare` names the assignments of the copies it ends; `tj sync
--watch` says assignments that ended with their share as ended; this home's earlier session
is told from its own record before the server's device list; every JSON says a copy only
the server stopped serving the same way. Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

import json
import sqlite3
import types
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

import client_sdk.account as account
from cli.syncing import watch
from client_sdk import SyncReport
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone
from tests.test_cli_insights import new_device

__all__ = ["Device", "Outage", "laptop", "outage", "phone"]  # fixtures


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_unshare_names_the_assignments_of_the_copies_it_ends(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj unshare Personal drlee` ends drlee's copy of some fields of Personal too; the
    assignment drlee made in that copy ended with it, and the command named only the
    assignments of Personal itself."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok(
        "share",
        "Personal",
        "drlee",
        "--only",
        "mood,scores",
        "--role",
        "annotate",
        "--trust-on-first-use",
    )
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "phq9", "--every", "7")
    await ben.ok("sync")
    ended = await ben.ok("unshare", "Personal", "drlee", "--yes", input="")
    said = flat(ended.stderr + ended.stdout)
    assert "drlee's assignment in Personal (mood, scores) for drlee" in said, said
    assert "ended with this share" in said, said


async def test_a_second_unshare_names_only_the_assignments_it_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj unshare` twice within a minute: the second named the PHQ-9 assignment the first
    unshare had ended as "ended with this share" again, since it looked at the last minute,
    not at what ended from the moment it began (as `tj share --only` does)."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    share = ("share", "Personal", "drlee", "--only", "mood,scores", "--role", "annotate",
             "--trust-on-first-use")  # fmt: skip
    await ben.ok(*share)
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "phq9", "--every", "7")
    await ben.ok("sync")
    first = flat((await ben.ok("unshare", "Personal", "drlee", "--yes", input="")).stderr)
    assert "(PHQ-9 every 7 days) ended with this share" in first, first
    await ben.ok(*share)  # again: the kept copy is taken up
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "gad7", "--every", "7")
    await ben.ok("sync")
    second = await ben.ok("unshare", "Personal", "drlee", "--yes", input="")
    said = flat(second.stderr + second.stdout)
    assert "(GAD-7 every 7 days) ended with this share" in said, said
    assert "PHQ-9" not in said, said


async def test_a_watch_says_assignments_that_ended_with_their_share_as_ended(
    signup: ClientFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ben's quick sync fetched drlee's assignment in the copy of mood and scores; ben then
    widened the copy (`--only` with answers), which ended it. `tj sync` says it "ended
    since with the share it was made in"; `tj sync --watch`'s first line said "1 new
    assignment from drlee"."""
    ben, drlee = await signup("ben"), await signup("drlee")
    await share_with(ben, drlee, only=["mood", "scores"], role="annotate")
    await drlee.sync()
    copy = next(s for s in await drlee.shares.with_me() if s.owner == "ben")
    await drlee.assignments.assign(copy.journal_id, "measure", "phq9", every_days=7)
    await drlee.sync()
    await ben.sync()  # a quick sync: the assignment, kept as news
    assert [n.what for n in await ben.unseen_news() if n.kind == "assignment"] == ["new"]
    await share_with(ben, drlee, only=["mood", "scores", "answers"], role="annotate")

    async def no_changes(**_: object) -> AsyncIterator[SyncReport]:
        return
        yield  # an async generator that ends at once

    monkeypatch.setattr(ben, "watch", no_changes)
    await watch(ben, as_json=False)
    said = " ".join(capsys.readouterr().out.split())
    assert "1 assignment that ended since with the share it was made in" in said, said
    assert "new assignment" not in said, said
    assert await ben.unseen_news() == []  # said: marked seen


def _revoked(server: RunningServer) -> set[bytes]:
    with closing(sqlite3.connect(server.data_dir / "journal.db")) as db:
        return {bytes(r[0]) for r in db.execute("SELECT device_id FROM devices WHERE revoked")}


async def test_this_homes_earlier_session_is_named_so_whatever_name_the_server_lists(
    laptop: Device, live_server: RunningServer
) -> None:
    """A hostile server lists this home's session that a logout ended as a device signed
    in, under a name of its choosing: the news of what that session wrote, read at the
    next login here, named the server's "Mum's tablet" instead of this device's earlier id
    (the home's own record of it was read only for a device the list did not name)."""
    before = _revoked(live_server)
    await laptop.ok("write", "Written before the logout.")
    await laptop.ok("sync")
    await laptop.ok("logout", "--yes")
    ended = _revoked(live_server) - before
    assert ended  # this home's session, now ended (revoked on the server)
    with closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db:
        for device in ended:  # the server's word: signed in, named as it likes
            db.execute(
                "UPDATE devices SET revoked = 0, name = ? WHERE device_id = ?",
                ("Mum's tablet", device),
            )
        db.commit()
    said = flat((await laptop.ok("login", laptop.url, "ana")).raw_output)
    assert "1 new entry from a device of this account using this device's earlier id" in said, said
    assert "Mum's tablet" not in said, said


@pytest.mark.parametrize("again_first", [False, True], ids=["login-after", "login-before"])
async def test_a_new_sign_in_under_this_homes_ended_id_is_not_named_this_devices_earlier_id(
    laptop: Device,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    again_first: bool,
) -> None:
    """The device id of this home's ended session is freed (the server prunes its signed-out
    row; a hostile one frees it at once) and a new sign-in, "Other laptop", takes it (a
    client chooses its id) and writes: its entry was named "a device of this account using
    this device's earlier id" beside the notice of that new sign-in. Only what was written
    before this home's logout is its earlier session's."""
    before = _revoked(live_server)
    await laptop.ok("write", "Written before the logout.")
    await laptop.ok("sync")
    await laptop.ok("logout", "--yes")
    if again_first:  # this home signed in again before the id is reused
        await laptop.ok("login", laptop.url, "ana")
    [ended] = _revoked(live_server) - before
    with closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM devices WHERE device_id = ?", (ended,))  # pruned: the id free
        db.commit()
    real = account.crypto
    once = [ended]

    def random_bytes(n: int) -> bytes:  # the new session chooses the freed id
        return once.pop() if n == 16 and once else real.random_bytes(n)

    chosen = types.SimpleNamespace(
        **{name: getattr(real, name) for name in dir(real) if not name.startswith("__")}
    )
    chosen.random_bytes = random_bytes
    monkeypatch.setattr(account, "crypto", chosen)
    password = tmp_path / "password.txt"
    password.write_text(PASSWORD + "\n")
    other = Device(tmp_path / "other", live_server.url)
    await other.ok(
        "--password-file", str(password), "login", live_server.url, "ana",
        "--device-name", "Other laptop",
    )  # fmt: skip
    monkeypatch.setattr(account, "crypto", real)
    assert not once  # the new session took the freed id
    await other.ok("write", "Written by the new device.")
    await other.ok("sync")
    if again_first:
        said = flat((await laptop.ok("sync")).raw_output)
        assert "this device's earlier id" not in said, said
        assert "1 new entry from Other laptop" in said, said
    else:  # its own entry, written before the logout, is still its earlier session's
        said = flat((await laptop.ok("login", laptop.url, "ana")).raw_output)
        assert "on a device of this account using this device's earlier id: 1 new entry " in said
        assert "on your Other laptop: 1 new entry" in said, said


def test_an_ended_session_kept_without_its_logout_time_reads_as_before(tmp_path: Path) -> None:
    """A file of ended sessions written before their logout times were kept holds bare ids:
    each still reads (without a time: all its records are this home's earlier session's),
    and stays so when a later logout adds one with its time."""
    from client_sdk import devices

    old, new = "ab" * 16, "cd" * 16
    key = devices._name_key("https://example.org", "ana")
    (tmp_path / devices.SESSIONS_AFTER_LOGOUT_FILE).write_text(json.dumps({key: [old]}))
    devices.keep_session_after_logout(tmp_path, "https://example.org", "ana", new, 1234)
    kept = devices.sessions_after_logout(tmp_path, "https://example.org", "ana")
    assert kept == {bytes.fromhex(old): None, bytes.fromhex(new): 1234}
    written = json.loads((tmp_path / devices.SESSIONS_AFTER_LOGOUT_FILE).read_text())
    assert written == {key: [old, [new, 1234]]}
