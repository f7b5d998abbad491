"""Findings of a new user's review of `tj` (NU56), each through a real `tj` against a real
server on loopback: what a first sync says of a change refused for good, a draft whose editor
is still open at logout, a signup on a home holding another account's data, a password file
with a byte order mark, and the commands and words of a few refusals."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import shlex
import shutil
import sqlite3
import sys
from pathlib import Path

from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_sync_watch import AS_FROM_A_TERMINAL, HANG
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    failed_with_one_line,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import stdin_is_a_terminal  # noqa: F401 (fixture)
from tests.test_cli_signup_interrupted import NOT_MSGPACK


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_first_sync_whose_change_was_refused_for_good_points_to_set_aside_list(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    live_server: RunningServer,
) -> None:
    """`tj login` whose first sync set a change aside (the phone wrote in Dreams offline; the
    laptop deleted Dreams and signed the phone out) ended "run `tj sync` again later", a
    sync that delivers nothing: it points to `tj set-aside list`, as `tj sync` does."""
    await laptop.ok("journal", "create", "Dreams")
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("write", "--journal", "Dreams", "A dream written offline.")
    await outage.end()
    await laptop.ok("journal", "delete", "Dreams", "--yes")
    phone_id = next(d["id"] for d in await laptop.json("devices") if d["name"] == "phone")
    await laptop.ok("devices", "revoke", phone_id[:12], "--yes")
    result = await phone.tj("login", live_server.url, "ana")
    assert result.exit_code == 4, result.output
    last = flat(result.stderr.strip().splitlines()[-1])
    assert last.startswith("Signed in as ana on this device, but its first sync could not"), last
    assert "again later" not in last, last
    assert last.endswith("kept on this device, see `tj set-aside list`."), last
    assert "no later sync sends" in last, last
    said = flat(result.stderr)  # Dreams is ana's own: never "shared with you"
    assert "Dreams is no longer on the server (deleted on another of your devices" in said
    assert "no longer shared with you" not in said, said


async def editor_waiting(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An $EDITOR that says it started (`started`), waits for `go`, then writes its text
    above the template, as an editor the user keeps open."""
    started, go = tmp_path / "started", tmp_path / "go"
    script = tmp_path / "slow-editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'touch "{started}"\n'
        f'while [ ! -e "{go}" ]; do sleep 0.05; done\n'
        '{ echo "Written in a slow editor"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n'
    )
    script.chmod(0o700)
    return script, started, go


async def until(path: Path) -> None:
    for _ in range(int(HANG / 0.02)):
        if path.exists():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


async def test_logout_and_account_delete_refuse_while_a_write_has_its_editor_open(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj logout --yes` (and `tj account delete --yes`) deleted the draft of a `tj write`
    whose editor was still open, and the write then said the text was kept in a file that no
    longer existed: while an editor is open on a draft, both refuse, --yes or not, and
    delete nothing; the write then saves its entry."""
    ana = await new_device(live_server, tmp_path, "ana")
    script, started, go = await editor_waiting(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env.update(TJ_INSECURE_TEST_KDF="1", EDITOR=str(script))
    env.pop("VISUAL", None)
    terminal, other_end = pty.openpty()  # `tj write` without TEXT opens the editor on a tty
    try:
        process = await asyncio.create_subprocess_exec(
            *AS_FROM_A_TERMINAL, "--home", str(ana.home), "write", "--mood", "5", env=env,
            stdin=other_end, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await until(started)
        for command in (("logout", "--yes"), ("account", "delete", "--yes")):
            refused = await ana.tj(*command)
            said = flat(refused.stderr)
            assert refused.exit_code == 1, refused.output
            assert "still being written in an editor on this device" in said, said
            assert f"then run `tj {' '.join(command[:-1])}` again; nothing was done" in said
        [draft] = (ana.home / "drafts").glob("*.md")
        go.touch()
        stdout, stderr = await asyncio.wait_for(process.communicate(), HANG)
    finally:
        os.close(terminal)
        os.close(other_end)
    assert process.returncode == 0, stderr.decode()
    assert not draft.exists()
    [entry] = await ana.json("list")
    assert entry["body"] == "Written in a slow editor" and entry["mood"] == 5
    assert (await ana.json("whoami"))["username"] == "ana"
    await ana.ok("logout", "--yes")  # the editor closed: nothing holds the logout now


async def test_a_draft_deleted_under_its_editor_is_said_to_be_gone_never_kept(
    live_server: RunningServer,
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
) -> None:
    """An editor that failed after its draft was deleted (by another program) made `tj
    write` say "what you wrote is kept in DRAFT", a file that no longer existed."""
    ana = await new_device(live_server, tmp_path, "ana")
    script = tmp_path / "failing-editor.sh"
    script.write_text('#!/bin/sh\nrm -f "$1"\nexit 1\n')
    script.chmod(0o700)
    failed = await ana.tj("write", env={"VISUAL": None, "EDITOR": str(script)})
    said = flat(failed.stderr)
    assert failed.exit_code == 1, failed.output
    assert "kept in" not in said and "--draft" not in said, said
    assert "was deleted while the editor was open (by another program), so what was" in said
    assert list((ana.home / "drafts").glob("*.md")) == []


async def test_signup_over_another_accounts_data_without_profile_changes_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj signup` on a home holding another account's data without its profile made the
    account on the server, then failed over that data, and its advice ("move the folder
    aside", "run signup again") looped or stranded the signup's recovery key: it is refused
    before anything is sent, the name stays free, and nothing of a signup is kept there."""
    tmp = await new_device(live_server, tmp_path, "tmp")
    await tmp.ok("write", "Never shown to another account.")
    other = Device(tmp_path / "other", live_server.url)
    shutil.copytree(tmp.home, other.home)
    (other.home / "profile").unlink()
    refused = await other.tj("signup", live_server.url, "newguy")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, refused.output
    assert "holds local data left without its profile" in said, said
    assert "another account's" in said and "nothing in it was changed" in said, said
    assert "did not finish" not in said and "run `tj signup" not in said, said
    assert not (other.home / "pending_signup").exists()
    listed = flat((await other.tj("list")).stderr)  # not a bare "log in", which it refuses
    assert "holds the local data of an account without its profile" in listed, listed
    assert "first move the files store.db, store.db-wal and store.db-shm" in listed, listed
    # nothing was made on the server: the name is free, and a signup elsewhere shows the key
    fresh = Device(tmp_path / "fresh", live_server.url)
    made = await fresh.json("signup", live_server.url, "newguy")
    assert made["created"] is True and made["recovery_key"], made


async def test_a_kept_signup_over_another_accounts_data_says_to_move_the_files_not_the_folder(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A home keeping an unfinished signup's recovery key (pending_signup) and another
    account's data without its profile: the advice was to move the folder aside, which took
    the key away from the signup. It says to move the store's files, and following it
    finishes the signup with its key shown."""
    tmp = await new_device(live_server, tmp_path, "tmp")
    await tmp.ok("write", "Never shown to another account.")
    half = Device(tmp_path / "half", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK  # reply lost
    assert "did not finish" in (await half.tj("signup", hostile.url, "newguy")).stderr
    del hostile.replies["/v1/auth/signup"]
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        if (tmp.home / name).exists():
            shutil.copy2(tmp.home / name, half.home / name)
    refused = await half.tj("signup", hostile.url, "newguy")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, refused.output
    assert "do not move the folder: move its files store.db, store.db-wal and" in said, said
    assert (half.home / "pending_signup").exists()
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        if (half.home / name).exists():
            (half.home / name).rename(aside / name)
    finished = await half.ok("signup", hostile.url, "newguy")
    assert "Recovery key: " in finished.stdout, finished.output


async def test_a_password_file_saved_with_a_byte_order_mark_signs_in(
    laptop: Device,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """A `--password-file` saved by Windows Notepad (a UTF-8 byte order mark, CRLF) gave
    "wrong username or password" while CRLF alone worked: one leading U+FEFF is dropped, as
    piped text's is; a UTF-16 file with its byte order mark is read too."""
    notepad = tmp_path / "pw.txt"
    notepad.write_bytes(b"\xef\xbb\xbf" + PASSWORD.encode() + b"\r\n")
    unicode = tmp_path / "pw16.txt"
    unicode.write_bytes((PASSWORD + "\r\n").encode("utf-16"))  # with its byte order mark
    for number, file in enumerate((notepad, unicode)):
        device = Device(tmp_path / f"device{number}", live_server.url)
        env: dict[str, str | None] = {"TJ_PASSWORD": None}
        await device.ok("--password-file", str(file), "login", live_server.url, "ana", env=env)
        assert (await device.json("whoami"))["username"] == "ana"


async def test_forget_of_an_active_share_prints_the_whole_leave_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj forget`'s refusal of a share still active said to leave it first with `tj leave`,
    which without its journal is refused ("Missing argument"): the command names it, and
    pasted as printed it leaves the share."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    said = failed_with_one_line(await drsmith.tj("forget", "ana/Personal"))
    [leave] = re.findall(r"`(tj leave [^`]*)`", said)
    assert leave == "tj leave ana/Personal", said
    await drsmith.ok(*shlex.split(leave)[1:], "--yes")
    await drsmith.ok("forget", "ana/Personal", "--yes")
    assert await drsmith.json("shared-with-me") == []


STORE_WAIT_S = 0.5
"""How long `tj_while_busy`'s process waits for the store's write lock
(client_sdk.database.WRITE_WAIT_S, 5 s), a test setting as the in-process store-busy tests'
0.2 s: the lock is held throughout, so each wait runs to its end whatever its length (a
logout meets two, 10 s at 5 s), and the outcome is the same."""

TJ_SHORT_STORE_WAIT = [
    sys.executable,
    "-c",
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "from client_sdk import database; database.WRITE_WAIT_S = float(sys.argv.pop(1)); "
    "from cli.main import main; main()",
    str(STORE_WAIT_S),
]
"""`tj` (`cli.main.main`, what the installed command runs) started as AS_FROM_A_TERMINAL
starts it, with the store's write wait set to STORE_WAIT_S."""


async def tj_while_busy(
    device: Device, *args: str, busy_from: tuple[HostileServer, str] | None = None
) -> tuple[int, str]:
    """`tj --home HOME ARGS` as a process of its own (TJ_SHORT_STORE_WAIT) while another
    program (a second SQLite connection) holds the store's write lock throughout
    (`busy_from`: from when the device's request of that path reaches that proxy on):
    (exit status, stderr)."""
    store = (device.home / STORE_FILE).resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env.update(TJ_INSECURE_TEST_KDF="1", TJ_PASSWORD=PASSWORD)
    other = sqlite3.connect(store, isolation_level=None)
    try:
        if busy_from is None:
            other.execute("BEGIN IMMEDIATE")  # another program writing
        else:
            proxy, path = busy_from

            async def busy() -> None:
                other.execute("BEGIN IMMEDIATE")

            proxy.holds[path] = busy
        process = await asyncio.create_subprocess_exec(
            *TJ_SHORT_STORE_WAIT, "--home", str(device.home), *args, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), HANG)
    finally:
        other.close()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_a_logout_refused_by_a_busy_store_closes_its_connection_quietly(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj logout` refused because another program kept the store busy printed aiohttp's
    "Unclosed client session" / "Unclosed connector" after its error: the HTTP session is
    closed on that path too."""
    ana = await new_device(live_server, tmp_path, "ana")
    status, said = await tj_while_busy(ana, "logout", "--yes")
    assert status == 1, said
    assert "kept it busy for too long: nothing was written" in flat(said), said
    assert "Unclosed" not in said and "aiohttp" not in said, said
    assert (await ana.json("whoami"))["username"] == "ana"  # still signed in, as said


async def test_a_device_whose_account_it_erased_never_says_login_signs_it_in_again(
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """After `tj account delete` could not delete the local data (another program kept the
    store busy), the device said it was "revoked from another device" and that `tj login`
    signs it in again, an account that no longer exists: it says the account was erased
    from this device and that `tj logout` deletes what is left, and the refusal itself
    names that `tj logout`. The store is busy from the erasure's request on: busy before,
    the sync that counts what members may not have received fails and nothing is erased."""
    tmp = Device(tmp_path / "tmp", hostile.url)
    tmp.signup = await tmp.json("signup", hostile.url, "tmp")
    status, said = await tj_while_busy(
        tmp, "account", "delete", "--yes", busy_from=(hostile, "/v1/account/delete")
    )
    assert status == 1, said
    said = flat(said)
    assert "the account tmp was deleted, but another program" in said, said
    assert f"once that program is done, `{tmp.printed} logout` deletes it" in said, said
    assert "Unclosed" not in said, said
    whoami = await tmp.ok("whoami")
    assert "erased from this device" in flat(whoami.stdout), whoami.output
    assert "login" not in whoami.output and "revoked" not in whoami.output, whoami.output
    assert (await tmp.json("whoami"))["account_erased"] is True
    listed = await tmp.tj("list")
    assert "login" not in listed.output, listed.output
    assert "the account tmp was erased from this device" in flat(listed.stderr), listed.output
    assert "`tj logout` deletes what is left of it here" in flat(listed.stderr), listed.output
    await tmp.ok("logout", "--yes")
    assert not (tmp.home / "account_erased").exists()
    assert not (tmp.home / "profile").exists() and not (tmp.home / STORE_FILE).exists()


async def test_an_empty_copy_of_your_own_journal_gone_from_the_server_is_told_as_yours(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj list --journal` of your own journal deleted on another device (no entry of it on
    this one) said "what ana shares shows after `tj sync`" to ana: it says the journal is no
    longer on the server, and the command that removes the copy."""
    await laptop.ok("journal", "create", "Work Stuff")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Work Stuff", "--yes")
    await phone.ok("sync")
    listed = await phone.ok("list", "--journal", "Work Stuff")
    said = flat(listed.output)
    assert "what ana shares" not in said, said
    assert "No entries in 'Work Stuff': it is no longer on the server" in said, said
    [command] = re.findall(r"`(tj journal delete [^`]*)`", said)
    await phone.ok(*shlex.split(command)[1:], "--yes")
    assert "Work Stuff" not in {j["name"] for j in await phone.json("journal", "list")}


CODER = "\U0001f9d1\U0001f3fd\u200d\U0001f4bb"  # 🧑🏽‍💻: one cluster, 4 code points
SWISS, FRENCH = "\U0001f1e8\U0001f1ed", "\U0001f1eb\U0001f1f7"  # 🇨🇭, 🇫🇷
HEARD = "\U0001f1ed\U0001f1eb"  # 🇭🇫: the second half of 🇨🇭, then the first of 🇫🇷
REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]+")


async def test_search_shows_emoji_whole_and_matches_flags_as_flags(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj search 💻` on "... 🧑🏽‍💻 coding" showed "… 🧑🏽‍💻 codi" (a highlight inside the
    cluster, measured as two characters, cut the row's end); a long run of flags wrapped
    between the two halves of a flag, which a terminal shows as other flags; `tj search 🇭🇫`
    found "🇨🇭🇫🇷", where it is only the halves of two flags."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", f"Phone entry offline {CODER} coding")
    await ana.ok("write", "--title", "flags", "needle2" + (SWISS + FRENCH) * 30)
    await ana.ok("write", f"Trip {SWISS}{FRENCH} was long")
    found = await ana.ok("search", "\U0001f4bb", env={"COLUMNS": "120"})
    assert f"{CODER} coding" in found.stdout, found.stdout
    folded = await ana.ok("search", "needle2", env={"COLUMNS": "80"})
    runs = [run for line in folded.stdout.splitlines() for run in REGIONAL.findall(line)]
    assert len(runs) > 1, folded.stdout  # wrapped, as the test means
    for run in runs:  # each line holds whole flags
        pairs = {run[i : i + 2] for i in range(0, len(run), 2)}
        assert len(run) % 2 == 0 and pairs <= {SWISS, FRENCH}, folded.stdout
    assert await ana.json("search", HEARD) == []
    assert len(await ana.json("search", SWISS)) == 2
    assert len(await ana.json("search", FRENCH)) == 2
