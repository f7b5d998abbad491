"""NU33 findings (a new user's walkthrough of the README), against a real server on loopback
with real crypto (see tests/test_cli.py for the set-up):

- #1: text from a Windows file (a byte order mark, CRLF line endings) was stored as read,
  shown with `\\x0d` on every line;
- #2: the README said a script cannot answer a question; a piped answer is read, and only
  empty stdin is refused, now in one line as the README says;
- #4: `tj brief` digested every journal owned, private ones too, without naming them;
- #5: sharing again after `tj unshare` spoke of a role or an end date nobody gave;
- #6: `tj devices revoke NAME` did not take the name `tj devices` shows;
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput, NotFound, plain_text
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, run_tj  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_no_terminal import tj as piped_tj

WINDOWS_TEXT = b"\xef\xbb\xbfBOM text\r\nsecond\r\nthird\rfourth\r\n"
"""A Windows file's bytes (UTF-8 with a byte order mark, CRLF), and one lone CR."""
PLAIN = "BOM text\nsecond\nthird\nfourth"


def test_plain_text_drops_one_leading_bom_and_reads_crlf_and_cr_as_line_breaks() -> None:
    assert plain_text("\ufeffBOM text\r\nsecond\r") == "BOM text\nsecond\n"
    assert plain_text("\ufeff\ufeffx") == "\ufeffx"  # one: the file's mark, not the text's
    assert plain_text("a\ufeffb\r\r\nc") == "a\ufeffb\n\nc"  # a BOM inside is text
    assert plain_text("no change\n") == "no change\n"


async def test_text_piped_from_a_windows_file_is_stored_plain(
    laptop: Device,  # noqa: F811
) -> None:
    """#1, the stdin path: `printf '\\xef\\xbb\\xbf...\\r\\n' | tj write`."""
    result = await run_tj(["--home", str(laptop.home), "write"], input=WINDOWS_TEXT)
    assert result.exit_code == 0, result.output
    entry_id = result.stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == PLAIN
    shown = (await laptop.ok("show", entry_id)).stdout
    assert "\\x0d" not in shown and "\ufeff" not in shown and "BOM text\nsecond" in shown
    assert "\ufeff" not in (await laptop.ok("list")).stdout


async def test_a_draft_saved_by_a_windows_editor_is_stored_plain(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """#1, the file path: `tj write --draft FILE` and `tj edit ID --draft FILE`."""
    draft = tmp_path / "windows.md"
    draft.write_bytes(WINDOWS_TEXT)
    entry_id = (await laptop.ok("write", "--draft", str(draft))).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == PLAIN
    draft.write_bytes(b"\xef\xbb\xbfChanged\r\nlines\r\n")
    await laptop.ok("edit", entry_id, "--draft", str(draft))
    assert (await laptop.json("show", entry_id))["body"] == "Changed\nlines"


@pytest.fixture
def stdin_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdin is a pipe; pretend it is a terminal, as when typing `tj write`."""
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)


def windows_editor(tmp_path: Path, text: bytes | None) -> dict[str, str | None]:
    """$EDITOR as a script that saves `text` (bytes, above the scissors line it keeps) in the
    draft, as a Windows editor would: a byte order mark and CRLF; None saves it as it is."""
    script = tmp_path / "editor.sh"
    saved = tmp_path / "saved.txt"
    if text is None:
        script.write_text("#!/bin/sh\nexit 0\n")
    else:
        saved.write_bytes(text)
        script.write_text(
            f'#!/bin/sh\n{{ cat "{saved}"; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n'
        )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"VISUAL": None, "EDITOR": str(script)}


async def test_text_from_a_windows_editor_is_stored_plain_and_an_old_crlf_entry_is_not_rewritten(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
    stdin_is_a_terminal: None,
) -> None:
    """#1, the $EDITOR path; and an entry written with CRLF before the fix (here through the
    SDK, which stores text as given), opened in the editor and closed unchanged, is not
    changed (its line endings are not rewritten), and `tj show` shows its CRLF as line
    breaks."""
    env = windows_editor(tmp_path, WINDOWS_TEXT)
    entry_id = (await laptop.ok("write", env=env)).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == PLAIN

    async with await Client.open(laptop.home) as client:  # the SDK stores text as given
        old = await client.entries.write(None, "Written\r\nbefore\r\n", mood=5)
    assert old.body == "Written\r\nbefore\r\n"
    unchanged = await laptop.ok("edit", old.id, env=windows_editor(tmp_path, None))
    assert "No change" in unchanged.stderr
    assert (await laptop.json("show", old.id))["body"] == "Written\r\nbefore\r\n"
    shown = (await laptop.ok("show", old.id)).stdout
    assert "Written\nbefore" in shown and "\\x0d" not in shown
    await laptop.ok("edit", old.id, env=windows_editor(tmp_path, b"Added\r\n"))
    assert (await laptop.json("show", old.id))["body"] == "Added\nWritten\nbefore"


async def test_an_answer_piped_on_stdin_answers_the_question(
    laptop: Device,  # noqa: F811
) -> None:
    """#2, as the README now says: `echo y | tj delete ID` and `echo NAME | tj journal delete
    NAME` are answered from the pipe (a real process, stdin a pipe); a "n" declines; empty
    stdin is refused in one line (tests/test_cli_no_terminal.py)."""
    entry = (await laptop.ok("write", "Scratch text.")).stdout.strip()
    await laptop.ok("journal", "create", "Scratch")
    status, stderr = await piped_tj(laptop.home, "delete", entry[:8], stdin=b"n\n")
    assert status == 1 and 'Not done: you answered no to "' in stderr, stderr  # NU35 #9
    assert [e["id"] for e in await laptop.json("list")] == [entry]
    status, stderr = await piped_tj(laptop.home, "delete", entry[:8], stdin=b"y\n")
    assert status == 0, stderr
    assert await laptop.json("list") == []
    status, stderr = await piped_tj(laptop.home, "journal", "delete", "Scratch", stdin=b"Scratch\n")
    assert status == 0, stderr
    assert "Scratch" not in [j["name"] for j in await laptop.json("journal", "list")]


async def test_a_brief_names_the_journals_it_covers_and_journal_limits_them(
    laptop: Device,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """#4: `tj brief drsmith` digested every journal of the account, a private one too,
    without saying so. The brief says which in its "Covers:" line: by default what is shared
    with the therapist (NU51 F5: Personal, not the private Night dreams); `--journal`
    (repeatable) names them instead; an unknown journal is one error line and shares
    nothing."""
    await new_device(live_server, tmp_path, "drsmith")  # an account: checked first (NU36 #10)
    await laptop.ok("journal", "create", "Night dreams")
    await laptop.ok("write", "--mood", "4", "Shared day.")
    await laptop.ok("write", "--journal", "Night dreams", "--mood", "2", "A private dream.")
    await laptop.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    shared = await laptop.tj("brief", "drsmith")  # a script without --yes: shown, not shared
    assert shared.exit_code == 1, shared.output
    lines = shared.stdout.splitlines()
    assert lines[1] == "Covers: 'Personal'" and "Entries: 1" in lines, lines
    assert "private dream" not in shared.stdout
    one = await laptop.tj("brief", "drsmith", "--journal", "Personal")
    lines = one.stdout.splitlines()
    assert lines[1] == "Covers: 'Personal'" and "Entries: 1" in lines, lines
    assert "Mood: mean 4.0/10" in one.stdout
    both = await laptop.tj("brief", "drsmith", "--journal", "Personal", "--journal", "Night dreams")
    assert both.stdout.splitlines()[1] == "Covers: 'Night dreams', 'Personal'"
    unknown = await laptop.tj("brief", "drsmith", "--journal", "Nope")
    assert unknown.exit_code == 1 and unknown.stdout == "", unknown.output
    [line] = unknown.stderr.strip().splitlines()
    assert "Nope" in line, line


async def test_briefs_prepare_takes_journal_names_or_ids_and_refuses_unknown_ones(
    laptop: Device,  # noqa: F811
) -> None:
    """#4 in the SDK: `prepare(journals=[...])` takes names or ids as other calls do; NotFound
    for an unknown one; InvalidInput for an empty list."""
    await laptop.ok("journal", "create", "Night dreams")
    await laptop.ok("write", "Shared day.")
    await laptop.ok("write", "--journal", "Night dreams", "A private dream.")
    async with await Client.open(laptop.home) as client:
        every = await client.briefs.prepare(journals=["Personal", "Night dreams"])
        assert (every.journals, every.entries) == (["Night dreams", "Personal"], 2)
        assert every.to_dict()["journals"] == ["Night dreams", "Personal"]
        [dreams] = [j for j in await client.journals.list() if j.name == "Night dreams"]
        by_id = await client.briefs.prepare(journals=[dreams.id])
        assert (by_id.journals, by_id.entries) == (["Night dreams"], 1)
        with pytest.raises(NotFound):
            await client.briefs.prepare(journals=["Personal", "Nope"])
        with pytest.raises(InvalidInput):
            await client.briefs.prepare(journals=[])


async def test_sharing_again_after_unshare_says_what_to_choose_not_a_role_or_an_end_date(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """#5: after `tj unshare`, `tj share Personal drsmith` said "a role or an end date alone
    never shares a whole journal", naming options the user had not given. Without them, it
    says they read it before and that what they are to read must be chosen (--full or
    --only); with a role, the old words stay true."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    refused = failed_with_one_line(await ana.tj("share", "Personal", "drsmith"))
    assert "a role or an end date" not in refused, refused
    assert "drsmith is not a member of 'Personal', so nothing was shared: they read it " in (
        refused
    )
    assert f"{ana.command} share Personal drsmith --full" in refused and "--only" in refused
    with_role = failed_with_one_line(await ana.tj("share", "Personal", "drsmith", "--role", "read"))
    assert "a role or an end date alone never shares a whole journal" in with_role
    await ana.ok("share", "Personal", "drsmith", "--full")
    assert [s["member"] for s in await ana.json("shares")] == ["drsmith"]


async def test_devices_revoke_takes_a_device_name_held_by_one_device(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """#6: `tj devices revoke tablet` said "no single device matches 'tablet'". A name one
    signed-in device has names it (ids still work); a name two have lists their ids."""
    for home in ("tablet1", "tablet2", "phone"):
        name = "phone" if home == "phone" else "tablet"
        result = await run_tj(
            ["--home", str(tmp_path / home), "login", laptop.url, "ana", "--device-name", name]
        )
        assert result.exit_code == 0, result.output
    listed = await laptop.json("devices")
    tablets = sorted(d["id"][:12] for d in listed if d["name"] == "tablet")
    several = failed_with_one_line(await laptop.tj("devices", "revoke", "tablet", "--yes"))
    assert "'tablet' matches several devices" in several
    assert all(t in several for t in tablets), several
    assert len(await laptop.json("devices")) == 4  # nothing signed out

    done = await laptop.ok("devices", "revoke", "phone", "--yes")
    assert "Signed out phone" in done.stderr
    assert sorted(d["name"] for d in await laptop.json("devices")) == [
        "laptop",
        "tablet",
        "tablet",
    ]
    await laptop.ok("devices", "revoke", tablets[0], "--yes")  # an id still works
    await laptop.ok("devices", "revoke", "TABLET", "--yes")  # one left: case aside
    assert [d["name"] for d in await laptop.json("devices")] == ["laptop"]
    unknown = failed_with_one_line(await laptop.tj("devices", "revoke", "tablet", "--yes"))
    assert "no device has the id or name 'tablet'" in unknown
