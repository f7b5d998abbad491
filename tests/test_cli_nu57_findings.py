"""Findings of a new user's review of `tj` (NU57), each through a real `tj` against a real
server on loopback: an editor opened while `tj logout` or `tj account delete` asked their
question, a therapist's second device and a safety flag acknowledged on the first, a search
for a quoted emoji, and the words of a few refusals and notes."""

from __future__ import annotations

import asyncio
import os
import pty
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_sync_watch import AS_FROM_A_TERMINAL, HANG, TJ
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import editor_waiting, flat, until


async def asked(process: asyncio.subprocess.Process, question: str) -> str:
    """What `process` wrote on stderr up to and including `question`: the words said before
    a question (asked once its answer is piped), after the first look for an open editor."""
    assert process.stderr is not None
    said = b""
    while question.encode() not in said:
        chunk = await asyncio.wait_for(process.stderr.read(4096), HANG)
        assert chunk, said.decode()
        said += chunk
    return said.decode()


async def test_an_editor_opened_while_logout_or_account_delete_asked_stops_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj logout` and `tj account delete` looked for an open `tj write` editor only before
    their question: one opened while the question waited was not seen, and the answer then
    deleted the device's data (and the account) under it. They look again once answered,
    under the lock the editor takes, and refuse with nothing deleted."""
    ana = await new_device(live_server, tmp_path, "ana")
    drafts = ana.home / "drafts"
    drafts.mkdir(mode=0o700, exist_ok=True)
    (drafts / "entry-old.md").write_text("An old draft never saved\n")  # logout asks, then
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env.update(TJ_INSECURE_TEST_KDF="1", TJ_PASSWORD=PASSWORD)
    env.pop("VISUAL", None)
    cases = [
        (("logout",), "entry-old.md`).", "y\n"),  # its own path (NU72 F10)
        (("account", "delete"), "nothing is erased).", "ana\n"),
    ]
    for number, (command, before_question, answer) in enumerate(cases):
        folder = tmp_path / f"editor-{number}"
        folder.mkdir()
        script, started, go = await editor_waiting(folder)
        asking = await asyncio.create_subprocess_exec(
            TJ, "--home", str(ana.home), *command, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        before = await asked(asking, before_question)
        assert "still being written" not in before, before
        terminal, other_end = pty.openpty()  # `tj write` without TEXT opens the editor
        try:
            writing = await asyncio.create_subprocess_exec(
                *AS_FROM_A_TERMINAL, "--home", str(ana.home), "write", "--mood", "5",
                env={**env, "EDITOR": str(script)}, stdin=other_end,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            await until(started)  # the editor is open while the question waits
            _, stderr = await asyncio.wait_for(asking.communicate(answer.encode()), HANG)
            said = flat(stderr.decode())
            assert asking.returncode == 1, said
            assert "still being written in an editor on this device" in said, said
            again = f"`tj --home {ana.home} {' '.join(command)}` again; nothing was done"
            assert f"then run {again}" in said, said  # the whole command, --home kept
            assert "Deleted" not in said and "erased" not in said, said
            assert (ana.home / "profile").exists()
            go.touch()
            _, wrote = await asyncio.wait_for(writing.communicate(), HANG)
        finally:
            os.close(terminal)
            os.close(other_end)
        assert writing.returncode == 0, wrote.decode()
    bodies = [entry["body"] for entry in await ana.json("list")]
    assert bodies == ["Written in a slow editor"] * 2, bodies
    assert (await ana.json("whoami"))["username"] == "ana"  # the account is still there


async def test_a_flag_before_a_read_share_is_marked_so_and_never_told_to_be_acknowledged(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A therapist's second device, added after the client shared again with the read role:
    the flag acknowledged on the first device in the earlier share was shown "NOT YET (you
    only read now ...)" with no "before this share" mark (the JSON said before_share), and
    the note below told them to mark it read with `tj safety ack ID`, which is refused for
    read access. The row is marked, and the note says to tell the client instead."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"])
    await ana.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "read")

    second = Device(tmp_path / "drsmith-2", live_server.url)
    await second.ok("login", live_server.url, "drsmith", "--device-name", "second")
    await second.ok("verify", "ana", ana.signup["fingerprint"])
    await second.ok("sync")
    [seen] = (await second.json("safety", "flags"))["flags"]
    assert seen["id"] == flag["id"] and seen["acknowledged"] == [], seen
    assert seen["before_share"] is True and seen["read_only_member"] is True, seen
    table = await second.ok("safety", "flags")
    text = flat(table.stdout + table.stderr)
    assert "NOT YET (before this share; you only read now: you cannot mark it read)" in text
    assert "Flags marked 'before this share' were raised" in text, text
    assert "safety ack" not in text, text  # refused for read access: never suggested
    assert "tell ana yourself that you saw them (you only read now" in text, text
    refused = await second.tj("safety", "ack", flag["id"][:12])
    assert refused.exit_code == 1 and "Tell ana yourself" in flat(refused.stderr), refused.output


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧
WOMAN = "\U0001f469"
GRIN = "\U0001f600"
FLAGS = "\U0001f1e8\U0001f1ed\U0001f1eb\U0001f1f7"  # 🇨🇭🇫🇷


async def test_a_quoted_emoji_is_searched_for_and_json_highlights_whole_clusters(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj search '"😀"'` (a phrase of emoji alone) was refused as holding nothing to search
    for; and `tj search 👩 --json` gave the range of 👩 alone inside 👨‍👩‍👧, where the table
    highlights the whole sequence."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "--title", f"Trip {FLAGS}", f"A day with the family {FAMILY} {GRIN}")
    await ana.ok("write", "Nothing to see here.")
    for query in (f'"{GRIN}"', f'"{FLAGS}"', f'"{GRIN}" day'):
        [hit] = await ana.json("search", query)
        assert hit["entry"]["body"].endswith(GRIN), (query, hit)
    [hit] = await ana.json("search", WOMAN)
    snippet = hit["snippet"]
    [[start, end]] = hit["highlights"]
    assert snippet[start:end] == FAMILY, (snippet, hit["highlights"])
    [hit] = await ana.json("search", "\U0001f1eb\U0001f1f7")  # 🇫🇷 of the title's flags
    [[start, end]] = hit["title_highlights"]
    assert hit["entry"]["title"][start:end] == "\U0001f1eb\U0001f1f7", hit


async def test_a_note_refused_as_the_share_ended_never_suggests_a_retry(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A note refused because the client ended the share said "`tj set-aside retry` sends it
    again", a retry that never sends it: it says to keep its words and drop it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    refused = await drsmith.tj("note", "ana/Personal", "A note after the end")
    said = flat(refused.stderr)
    assert refused.exit_code == 4, refused.output
    assert "is no longer served to you" in said, said
    assert "set-aside retry" not in said, said
    assert "keep its words with `tj set-aside list --json > refused.json`, then" in said, said
    [change] = await drsmith.json("set-aside", "list")
    drop = f"`tj set-aside drop {(change['doc_id'] or change['record_id'])[:12]}` forgets it"
    assert drop in said, said


async def test_paths_and_usernames_are_printed_exactly_and_password_files_said_wrong(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj export --out` into a folder whose name holds a CR/LF printed, on stdout, a path
    broken over two lines and, on stderr, one without its CR; `tj verify "drsmith\\r\\n"`
    said "drsmith 's keys"; an empty password file, or a UTF-16 one without its byte order
    mark, was sent and told as a wrong password."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Kept.")
    out = tmp_path / "\ufeffodd dir\r 'q' $x" / "\ufeffexp\r\n"
    out.parent.mkdir()  # a missing parent is refused (nu80 F5); the export makes `out`
    exported = await ana.ok("export", "--out", str(out))
    [file] = out.glob("*.json")
    [line] = exported.stdout.splitlines()  # one line, the whole path
    said = exported.stderr.strip()
    for printed in (line, said.split(" to ", 1)[1].removesuffix(".")):
        assert printed.startswith("$'") and printed.endswith("'"), printed
        # what bash reads of it is the file's real path
        bash = await asyncio.create_subprocess_exec(
            "bash", "-c", f"printf %s {printed}", stdout=asyncio.subprocess.PIPE
        )
        real, _ = await bash.communicate()
        assert os.fsdecode(real) == str(file), (printed, real)

    said = flat((await ana.ok("verify", "drsmith\r\n", drsmith.signup["fingerprint"])).stderr)
    assert "drsmith's keys" in said, said

    empty, utf16 = tmp_path / "empty", tmp_path / "utf16"
    empty.write_bytes(b"\xef\xbb\xbf\n")
    utf16.write_bytes(PASSWORD.encode("utf-16-le"))
    for path, words in ((empty, "holds no password on its first line"), (utf16, "not UTF-8")):
        other = Device(tmp_path / f"login-{path.name}", live_server.url)
        refused = await other.tj("login", live_server.url, "ana", "--password-file", str(path))
        told = flat(refused.stderr)
        assert refused.exit_code == 1 and words in told, told
        assert "wrong username or password" not in told, told


async def test_a_home_with_another_accounts_data_gives_one_advice_in_every_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A home holding another account's data without its profile: `tj signup` and `tj login`
    said to move the folder aside, `tj whoami` and `tj list` to move the store's files. Every
    command says to move the files."""
    bob = await new_device(live_server, tmp_path, "bob")
    await new_device(live_server, tmp_path, "dave")
    await bob.ok("write", "Bob's own words.")
    other = Device(tmp_path / "other", live_server.url)
    shutil.copytree(bob.home, other.home)
    (other.home / "profile").unlink()
    files = "move its files store.db, store.db-wal and store.db-shm (those there) together"
    for command in (
        ("signup", live_server.url, "carl"),
        ("login", live_server.url, "dave"),
        ("whoami",),
        ("list",),
    ):
        refused = await other.tj(*command)
        said = flat(refused.stderr)
        assert refused.exit_code == 1, (command, refused.output)
        assert "move the files store.db" in said or files in said, (command, said)
        assert "Move the folder" not in said, (command, said)


def test_a_homework_yes_no_value_reads_yes_or_no_in_its_history_and_settled_line() -> None:
    """`tj homework history` showed a yes/no field as "on", where `tj homework show` says
    "yes"; the safety-flag opt-in stays "on"/"off"."""
    from datetime import UTC, datetime

    from cli.histories import value_words
    from client_sdk.settling import Settled

    assert (value_words("values.done", True), value_words("values.done", False)) == ("yes", "no")
    assert value_words("share_flags", True) == "on"
    at = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    line = Settled("9a" * 16, "Log", "values.done", False, True, at, kind="homework").line()
    assert "the value 'done' is 'yes' everywhere now. This device had 'no'" in line, line


async def test_a_write_waiting_while_the_data_is_deleted_never_opens_its_editor(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """From their last look for an open editor until the device's data is deleted, `tj
    logout` and `tj account delete` hold the drafts' lock: a `tj write` reaching its editor
    meanwhile waits, then finds the device signed out and opens no editor, keeping nothing."""
    from cli import editor

    if not Path("/proc/locks").exists():  # pragma: no cover (not Linux)
        return
    ana = await new_device(live_server, tmp_path, "ana")
    script, started, _ = await editor_waiting(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env.update(TJ_INSECURE_TEST_KDF="1", EDITOR=str(script))
    env.pop("VISUAL", None)
    terminal, other_end = pty.openpty()
    try:
        with editor.closed_to_editors(ana.home, "`tj logout`"):  # as a logout holds it
            gate = os.stat(ana.home / "drafts" / editor.GATE).st_ino
            writing = await asyncio.create_subprocess_exec(
                *AS_FROM_A_TERMINAL, "--home", str(ana.home), "write", "--mood", "5",
                env=env, stdin=other_end,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            for _ in range(int(HANG / 0.02)):  # until the write waits on the lock
                if any(
                    "->" in line and f":{gate} " in line
                    for line in Path("/proc/locks").read_text().splitlines()
                ):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the write never waited for the drafts' lock")
            shutil.rmtree(ana.home / "drafts")  # the logout deletes the device's data
            (ana.home / "profile").unlink()
        _, stderr = await asyncio.wait_for(writing.communicate(), HANG)
    finally:
        os.close(terminal)
        os.close(other_end)
    said = flat(stderr.decode())
    assert writing.returncode == 1, said
    assert "this device was signed out" in said and "the editor was not opened" in said, said
    assert not started.exists()
    assert list((ana.home / "drafts").glob("*.md")) == []


def test_words_kept_without_an_editor_wait_for_a_logout_and_are_never_said_kept_in_a_deleted_file(
    tmp_path: Path,
) -> None:
    """The text of a failed `tj write TEXT` or piped write, and words a sync found gone with
    their entry, are kept as drafts under the same lock the editor's drafts are made under:
    made while a logout or account deletion holds it, they wait, then find the device
    signed out and make no draft (SignedOut), so no message names a file the deletion
    removed."""
    import fcntl
    import threading

    from cli import editor

    home = tmp_path / "home"
    home.mkdir()
    (home / "profile").write_text("{}")
    folder = editor.drafts_folder(home)
    folder.mkdir()
    results: dict[int, object] = {}

    def keep(index: int, make: Callable[[], Path]) -> None:
        try:
            results[index] = make()
        except editor.SignedOut as error:
            results[index] = error

    gate = os.open(folder / editor.GATE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(gate, fcntl.LOCK_EX)  # what closed_to_editors holds during the deletion
    try:
        threads = [
            threading.Thread(target=keep, args=(index, make))
            for index, make in enumerate(
                [
                    lambda: editor.kept_as_draft(home, "words of a write that failed"),
                    lambda: editor.kept_with_command(home, "words gone", ["tj", "write"]),
                ]
            )
        ]
        for thread in threads:
            thread.start()
        (home / "profile").unlink()  # the logout deletes the data, then its drafts
        editor.remove_drafts(home)
    finally:
        os.close(gate)
    for thread in threads:
        thread.join(HANG)
    assert len(results) == 2, results
    assert all(isinstance(r, editor.SignedOut) for r in results.values()), results
    assert not folder.exists() or list(folder.glob("*.md")) == []


def test_piped_words_not_saved_after_a_logout_are_shown_not_said_kept(
    tmp_path: Path, capsys: object
) -> None:
    """A piped write whose save failed because the device was signed out meanwhile says
    so, and shows the words, as no draft holds them."""
    from types import SimpleNamespace

    import pytest

    from cli import entries

    home = tmp_path / "home"
    home.mkdir()
    said = entries.kept_unsaved(
        SimpleNamespace(path=home),  # type: ignore[arg-type]
        "line one\nline two",
        ["tj", "write", "--draft"],
        "The text you piped in",
    )
    assert said is None
    assert isinstance(capsys, pytest.CaptureFixture)
    err = flat(capsys.readouterr().err)
    assert "signed out" in err and "not kept on this device" in err, err
    assert "line one" in err and "line two" in err and "drafts" not in err, err
    assert not editor_folder_has_drafts(home)


def editor_folder_has_drafts(home: Path) -> bool:
    from cli import editor

    folder = editor.drafts_folder(home)
    return folder.exists() and any(folder.glob("*.md"))


async def test_share_and_unshare_name_the_account_used_not_the_text_typed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A username is read as the server reads it (lower case, whitespace around it
    dropped, a Unicode line separator included): `tj share` and `tj unshare` name the
    account used in every line, never the text as typed."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Kept.")
    shared = await ana.ok(
        "share", "Personal", "DRSMITH\u2028", "--full", "--role", "read", "--trust-on-first-use"
    )
    said_share = shared.stderr + shared.stdout
    assert "DRSMITH" not in said_share and "\u2028" not in said_share, repr(said_share)
    assert "with drsmith" in flat(said_share), said_share
    gone = await ana.ok("unshare", "Personal", " DrSmith\u2028", "--yes")
    said = gone.stderr + gone.stdout
    assert "\u2028" not in said and "DrSmith" not in said, repr(said)
    assert "with drsmith" in flat(said), said
