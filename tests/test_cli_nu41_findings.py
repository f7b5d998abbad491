"""NU41 (a new user's walkthrough of the README), fixed: Ctrl-C during `tj login`'s first
sync said click's "Aborted!" (exit 1) though the device was signed in (#5); Ctrl-C while the
editor was open kept the draft without naming it, and the command to save it lost the
options given (#3)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import (  # noqa: F401  (fixtures)
    ana,
    stdin_is_a_terminal,
)
from tests.test_cli_nu38a_findings import drafts, kept_command, said


async def test_ctrl_c_during_the_first_sync_of_a_login_says_the_device_is_signed_in(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.main.sync_told", stopped)
    result = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert result.exit_code == 130, result.output  # stopped, not failed (NU62 F8: 6 before)
    assert "Aborted" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "Signed in as ana on this device, but the first sync was stopped; your journals are "
        f"not on this device yet: run `{phone.command} sync`."
    ), last
    monkeypatch.undo()
    assert (await phone.json("whoami"))["username"] == "ana"  # signed in, as said
    await phone.ok("sync")


def editor_stopped(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """The editor writes `text` above the scissors line, then Ctrl-C stops `tj` (and it)."""

    def stopped(filename: str, **_: object) -> None:
        path = Path(filename)
        path.write_text(text + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.editor.click.edit", stopped)


async def test_ctrl_c_in_the_editor_names_the_draft_and_the_command_keeps_the_options(
    ana: Device,  # noqa: F811
    stdin_is_a_terminal: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NU41 #3: Ctrl-C while the editor was open said only "Aborted!": the draft was kept but
    not named, and the next command's reminder said `tj write --draft FILE`, which saved the
    entry without the mood, tags and title given. Now the draft is named with the command
    that saves it, options included, and the reminder names that command too."""
    editor_stopped(monkeypatch, "Couldn't sleep again.")
    stopped = await ana.tj("write", "--mood", "2", "--tag", "sleep", "--title", "Night")
    assert stopped.exit_code != 0
    [draft] = drafts(ana)
    assert f"What you wrote is kept in {draft}" in said(stopped.stderr), stopped.stderr
    # the default journal it was written for, by its id
    [default] = [j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    words = ["tj", "write", "--journal", default, "--title", "Night", "--mood", "2"]
    _, command = kept_command(stopped.stderr)
    assert command[: len(words)] == words and "--tag" in command, command
    assert command[-2:] == ["--draft", str(draft)], command

    editor_stopped(monkeypatch, "Another one.")  # the next command's reminder, then stopped
    again = await ana.tj("write")
    reminder = said(again.stderr)
    assert f"Note: 1 earlier draft was never saved, e.g. {draft}: `" in reminder, reminder
    assert shlex.join(command) in reminder, reminder
    monkeypatch.undo()
    saved = await ana.tj(*command[1:])  # saves the first draft, with its options
    assert saved.exit_code == 0, saved.output
    [entry] = await ana.json("list")
    assert (entry["body"], entry["mood"], entry["tags"], entry["title"]) == (
        "Couldn't sleep again.",
        2,
        ["sleep"],
        "Night",
    )


async def test_a_server_name_that_cannot_be_found_is_said_so(tmp_path: Path) -> None:
    """NU41 #10: `tj login http://example.invalid ana` said "nothing answers at that address
    (is it down, or are you offline?)"; a name that does not resolve (".invalid" never does,
    RFC 2606) is a mistyped address, said so."""
    phone = Device(tmp_path / "phone", "http://example.invalid")
    result = await phone.tj("login", "http://example.invalid", "ana")
    assert result.exit_code == 1, result.output
    assert "its name cannot be found (check the address" in said(result.stderr), result.stderr
    assert "nothing answers" not in result.stderr


async def test_a_search_that_starts_with_a_word_to_leave_out_is_a_search(
    ana: Device,  # noqa: F811
) -> None:
    """NU41 #13: `tj search "-work"` said "No such option '-w'" (click read it as options):
    a search's TEXT may start with -word."""
    await ana.ok("write", "Slept well.")
    await ana.ok("write", "Work was long; slept badly.")
    found = await ana.json("search", "slept -work")
    assert [hit["entry"]["body"] for hit in found] == ["Slept well."], found
    alone = await ana.tj("search", "-work")
    assert "No such option" not in alone.output, alone.output
    assert "leave out" in said(alone.output) and alone.exit_code == 2, alone.output


async def test_a_mistyped_journal_name_is_offered_the_close_one(
    ana: Device,  # noqa: F811
) -> None:
    """NU41 #13: `tj list --journal Personl` said only "no journal named 'Personl'"."""
    typo = await ana.tj("list", "--journal", "Personl")
    assert typo.exit_code == 1
    assert "no journal named 'Personl' on this device (did you mean 'Personal'?)" in said(
        typo.stderr
    ), typo.stderr
    far = await ana.tj("list", "--journal", "Groceries")
    assert "did you mean" not in far.stderr, far.stderr


async def test_private_notes_of_an_unknown_client_say_so(ana: Device) -> None:  # noqa: F811
    """NU41 #13: `tj private-notes --client nobody` said "No private notes." (exit 0)."""
    unknown = await ana.tj("private-notes", "--client", "nobody")
    assert unknown.exit_code == 1, unknown.output
    assert "no client 'nobody' shares a journal with you" in said(unknown.stderr)
    assert (await ana.tj("private-notes")).exit_code == 0  # none at all: no error


async def test_a_value_out_of_its_limits_exits_2_as_a_title_does(
    ana: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU41 #6: an over-long title or tag exited 2 ("a value refused as given", README), an
    over-long text, goal reason or private note, an empty one, or a malformed username 1."""
    assert (await ana.tj("write", "--title", "t" * 201, "words")).exit_code == 2
    assert (await ana.tj("write", "x" * 100_001)).exit_code == 2
    assert (await ana.tj("goal", "add", "Sleep", "--why", "w" * 10_001)).exit_code == 2
    newcomer = Device(tmp_path / "newcomer", ana.url)
    for name in ("ana smith", "a", "ána"):
        refused = await newcomer.tj("signup", ana.url, name)
        assert refused.exit_code == 2, (name, refused.output)
        assert "a username is 3 to 64 characters" in refused.stderr
