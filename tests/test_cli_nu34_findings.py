"""Findings of the NU34 walkthrough, against a real server on loopback with real crypto (see
tests/test_cli.py for the set-up):

- #3: `tj forget ana/Personal` after ana ended the share said the owner's signed access
  "still grants it to you (the owner removed you, ...)", which reads as a contradiction;
- #6: `tj write --help` and `tj edit --help` named ~/.local/share/tj/drafts/, where no
  profile keeps its drafts;
- #4: a Windows "Unicode" file (UTF-16 with a byte order mark) on stdin was refused with a
  hint to convert it from Latin-1, which would have saved garbage;
- #5: `--title "$(printf 'T\\r')"` stored the title "T\\r" (shown as `T\\x0d`), and
  `tj write "$(cat win.txt)"` kept a trailing line break that stdin drops;
- #2: `tj share --safety-flags` said the therapist sees a flag after their next `tj sync`,
  `tj measure take` "the next time they open their caseload": both now say what happens;
- #10: ending a typed PHQ-9 at the difficulty question said "(skipped: every PHQ-9 item is
  answered, so it is saved)";
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, run_tj, succeeded  # noqa: F401
from tests.test_cli_import_foreign import FIXTURES
from tests.test_cli_insights import new_device
from tests.test_cli_role_flags import flags_for_drsmith


async def test_forget_after_the_client_ended_the_share_says_what_happened_and_what_to_run(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU34 #3: plain `tj forget` refuses in one line saying the copy is no longer served
    (usually the owner ended the share), why the device cannot be sure (the server could be
    withholding it), and the exact command to run; that command then discards the copy."""
    ana, drsmith = await flags_for_drsmith(live_server, tmp_path)
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    line = failed_with_one_line(await drsmith.tj("forget", "ana/Personal", "--yes"))
    # naming ana's account as the other commands do (NU49 leftover of F5), in the refusal's
    # words as in its command
    [copy] = [j for j in await drsmith.json("journal", "list") if j["name"] == "ana/Personal"]
    label = f"ana (account {copy['owner_id'][:8]})/Personal"
    assert f"{shlex.quote(label)} is no longer served to this device" in line, line
    assert "usually the owner ended the share" in line
    assert "could also be the server withholding it" in line
    assert "still grants" not in line and "removed you" not in line
    assert line.endswith(f"run `{drsmith.command} forget {shlex.quote(label)} --unlisted`"), line
    assert [s["owner"] for s in await drsmith.json("shared-with-me")] == ["ana"]
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert await drsmith.json("shared-with-me") == []


async def test_the_draft_example_in_help_is_the_drafts_folder_of_the_profile_in_use(
    tmp_path: Path,
) -> None:
    """NU34 #6: the `--draft` example of `tj write --help` and `tj edit --help` names the drafts
    folder of the profile the command would use: the default one under ~, `--home`, $TJ_HOME."""
    default = {"HOME": str(tmp_path), "XDG_DATA_HOME": None}
    for command in ("write", "edit"):
        shown = succeeded(await run_tj([command, "--help"], env=default)).stdout
        assert "--draft ~/.local/share/therapy-journal/drafts/entry-k2j4.md" in shown, shown
        assert "/tj/drafts" not in shown
    profile = tmp_path / "phone"
    shown = succeeded(await run_tj(["--home", str(profile), "write", "--help"])).stdout
    assert f"--draft {profile}/drafts/entry-k2j4.md" in shown, shown
    env: dict[str, str | None] = {"TJ_HOME": str(profile)}
    shown = succeeded(await run_tj(["edit", "--help"], env=env)).stdout
    assert f"--draft {profile}/drafts/entry-k2j4.md" in shown, shown
    assert not profile.exists()  # help alone creates no profile


async def test_utf16_with_a_byte_order_mark_is_read_as_text(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU34 #4: UTF-16 (little and big endian) with a byte order mark on stdin, in a --draft
    and in a file to import are read as text and made plain (CRLF a line break); Latin-1 is still
    refused, before anything is saved, with the hint for a Latin-1 file."""
    windows = "Unicode line one\r\nline two \u00e9\r\n"
    entry_id = (await laptop.ok("write", input=windows.encode("utf-16"))).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == "Unicode line one\nline two \u00e9"
    big = b"\xfe\xff" + "Big endian\r\n".encode("utf-16-be")
    entry_id = (await laptop.ok("write", input=big)).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"] == "Big endian"
    draft = tmp_path / "draft.md"
    draft.write_bytes("From a draft\r\n".encode("utf-16"))
    entry_id = (await laptop.ok("write", "--draft", str(draft))).stdout.strip()
    assert (await laptop.json("show", entry_id))["body"].rstrip("\n") == "From a draft"

    exported = (FIXTURES / "dayone-journal.json").read_text(encoding="utf-8")
    saved = tmp_path / "Journal.json"
    saved.write_bytes(exported.replace("\n", "\r\n").encode("utf-16"))  # "Unicode" JSON
    imported = await laptop.ok("import", str(saved))
    assert imported.stdout.strip() == "Imported 2 entries into 1 journal (new: 'Day One')."

    before = len(await laptop.json("list"))
    line = failed_with_one_line(await laptop.tj("write", input="caf\u00e9".encode("latin-1")))
    assert "stdin is not UTF-8 text (byte 4 is not)" in line, line
    assert "for a Latin-1 (Windows-1252) file" in line
    assert "`iconv -f latin1 -t utf-8 FILE | tj write`" in line, line  # this profile's tj
    assert len(await laptop.json("list")) == before


async def test_titles_tags_and_text_given_as_arguments_lose_a_windows_line_ending(
    laptop: Device,  # noqa: F811
) -> None:
    """NU34 #5: what `"$(cat file)"` gives from a Windows file (a last CR, the shell dropped
    the LF) is stored as stdin's text is: a title, a tag, a goal's title and why without it,
    and TEXT without the line break it became."""
    entry_id = (
        await laptop.ok(
            "write", "--title", "T\r", "--tag", "\ufeffsleep\r", "line one\r\nline two\r"
        )
    ).stdout.strip()
    shown = await laptop.json("show", entry_id)
    assert (shown["title"], shown["tags"], shown["body"]) == ("T", ["sleep"], "line one\nline two")
    assert "\\x0d" not in (await laptop.ok("list")).stdout
    await laptop.ok("edit", entry_id, "--title", "New\r\n", "--tag", "work\r", "--untag", "sleep\r")
    shown = await laptop.json("show", entry_id)
    assert (shown["title"], shown["tags"]) == ("New", ["work"])
    await laptop.ok("edit", entry_id, "--body", "Body\r\n")
    assert (await laptop.json("show", entry_id))["body"] == "Body"
    await laptop.ok("goal", "add", "Walk daily\r", "--why", "Sleep better\r")
    [goal] = await laptop.json("goal", "list")
    assert (goal["title"], goal["why"]) == ("Walk daily", "Sleep better"), goal


async def test_share_and_measure_say_the_same_about_when_a_flag_is_seen_and_sync_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU34 #2: the share's and the answer's words agree (the therapist's device sees a flag
    once it next syncs), and the therapist's `tj sync` does show it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    when = "once their device next syncs (`BARE tj sync`, `BARE tj caseload`)"  # theirs
    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--trust-on-first-use",
    )  # fmt: skip
    assert f"drsmith sees it {when} and can mark it read" in " ".join(shared.stderr.split())
    taken = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    said = " ".join(taken.stderr.split())
    assert f"a safety flag was made for drsmith; they see it {when}, not now." in said, said
    assert "open their caseload" not in said
    synced = await drsmith.ok("sync")
    assert "1 new safety flag from ana" in synced.stdout + synced.stderr


async def test_a_typed_phq9_ended_at_the_difficulty_question_says_plainly_it_is_saved(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU34 #10: input ending at the optional difficulty question saves the PHQ-9 and says so
    in plain words; skipped with Enter, nothing more is said. Both are saved without it."""
    ana = await new_device(live_server, tmp_path, "ana")
    ended = await ana.ok("measure", "take", "phq9", input="0\n" * 9)
    assert "(no answer to this one: your PHQ-9 is saved without it)" in ended.stderr
    assert "skipped: every" not in ended.stderr
    entered = await ana.ok("measure", "take", "phq9", input="0\n" * 9 + "\n")
    assert "no answer to this one" not in entered.stderr and "skipped" not in entered.stderr
    assert [r["unscored"] for r in await ana.json("measure", "list")] == [None, None]
