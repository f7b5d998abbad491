"""fix32f: nu80's everyday findings (F1, F4, F5, F6, F7, F8, F9, F11, F12). Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli import editor
from client_sdk import Client
from client_sdk.errors import InvalidInput
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_fix30l_journal_words import said
from tests.test_cli_journal_features import NO_VISUAL
from tests.test_cli_nu24_delete_shared import client_and_therapist
from tests.test_cli_nu72_drafts import kept_draft
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


async def test_a_draft_kept_after_a_mistyped_journal_never_repeats_the_typo(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nu80 F1: text piped to `tj write --journal Dreams2` (no such journal; Dreams exists)
    was kept as a draft whose file, the next editor write's reminder and `tj logout` said
    `tj write --journal Dreams2 --draft FILE`, which could only fail again."""
    await ana.ok("journal", "create", "Dreams")
    refused = await ana.tj("write", "--journal", "Dreams2", input="typo journal\n")
    assert refused.exit_code == 1, refused.output
    text = said(refused.stderr)
    draft = kept_draft(text)
    # the one journal the refusal offered is the one the command names (nu81 F10)
    assert f"`tj write --journal Dreams --draft {draft}` saves it in 'Dreams'" in text, text

    # the draft's own command names no journal; the words refused are kept apart
    assert "Dreams2" not in (editor.saved_with(draft) or ""), draft.read_text()
    assert editor.written_for(draft) is None, draft.read_text()
    assert editor.refused_journal(draft) == "Dreams2"
    asked = await ana.tj("logout", input="n\n")
    assert f"`tj write --journal NAME --draft {draft}`" in said(asked.output), asked.output
    assert "--journal Dreams2 --draft" not in said(asked.output), asked.output
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    reminded = await ana.tj("write", env={**NO_VISUAL, "EDITOR": "true"})
    reminder = said(reminded.stderr)
    assert f"`tj write --journal NAME --draft {draft}` saves it into the journal you name" in (
        reminder
    ), reminder
    assert "its --journal Dreams2 was refused, as it named no journal" in reminder, reminder
    assert "--journal Dreams2 --draft" not in reminder, reminder

    # saved without --journal, it goes nowhere (never into the default journal by itself)
    plain = await ana.tj("write", "--draft", str(draft))
    assert plain.exit_code == 1, plain.output
    offered = said(plain.stderr)
    assert "was kept when its --journal Dreams2 was refused, as it named no journal" in offered
    assert f"`tj write --journal NAME --draft {draft}`" in offered, offered
    assert await ana.json("list", "--journal", "Personal") == []
    await ana.ok("write", "--journal", "Dreams", "--draft", str(draft))
    [entry] = await ana.json("list", "--journal", "Dreams")
    assert entry["body"] == "typo journal"
    assert not draft.exists()


async def test_an_emergency_number_no_one_could_dial_is_refused(
    ana: Device,  # noqa: F811
) -> None:
    """nu80 F4: `tj safety plan --emergency abc` was kept, and the safety message then said
    "call abc or go to the nearest emergency department"."""
    for given, why in (("abc", "it holds no digit"), ("99x", "it holds 'x'")):
        refused = await ana.tj("safety", "plan", "--emergency", given)
        assert refused.exit_code == 2, refused.output
        words = said(refused.stderr)
        assert f"'{given}' is not an emergency number: {why}" in words, words
        assert "an emergency number holds digits, and only spaces and + - . ( ) / * #" in words
        assert "nothing was changed" in words, words
        assert (await ana.json("safety", "plan"))["emergency_number"] is None
    for number in ("112", "+44 800 123 4567", "116 123", "(0)20-7946.0000", "*112#"):
        await ana.ok("safety", "plan", "--emergency", number)
        assert (await ana.json("safety", "plan"))["emergency_number"] == number
    async with await Client.open(ana.home) as client:
        with pytest.raises(InvalidInput, match="'abc' is not an emergency number"):
            await client.safety.set_plan(emergency_number="abc")
        assert (await client.safety.plan()).emergency_number == "*112#"
        # as an older tj wrote one, before it was checked
        await client.safety._write_plan(None, "abc", None, None, None, None, imported=False)

    shown = said((await ana.ok("safety", "plan")).stdout)
    assert (
        "emergency: abc (not a phone number: it holds no digit; the safety message names the "
        "local emergency number instead; `tj safety plan --emergency NUMBER --journal Personal` "
        "sets one)"
    ) in shown, shown
    answered = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    message = said(answered.stderr)
    assert "call your local emergency number (for example 112" in message, message
    assert "call abc" not in message, message
    assert (await ana.json("safety", "plan"))["safety_message"]["emergency_number"] is None


async def test_a_search_with_no_match_names_the_filters_that_left_every_match_out(
    ana: Device,  # noqa: F811
) -> None:
    """nu80 F7: `tj search sleep --since 2027-01-01` said "No entries match 'sleep'." while
    two entries held it, written before that day."""
    await ana.ok("write", "sleep was bad", "--date", "2026-03-01")
    await ana.ok("write", "sleep came early", "--date", "2026-03-02")
    assert len(await ana.json("search", "sleep")) == 2
    none = await ana.ok("search", "sleep", "--since", "2099-01-01")
    words = said(none.stderr)
    assert (
        "No entries match 'sleep' with --since 2099-01-01; 2 do without it: "
        "`tj search sleep` shows them."
    ) in words, words
    both = await ana.ok("search", "sleep", "--since", "2026-03-05", "--tag", "work")
    words = said(both.stderr)
    assert "No entries match 'sleep' with --since 2026-03-05 --tag work; 2 do without them" in words
    nowhere = await ana.ok("search", "walk", "--until", "2026-01-01")
    words = said(nowhere.stderr)
    assert "No entries match 'walk' with --until 2026-01-01, nor without it." in words, words
    plain = await ana.ok("search", "walk")
    assert "No entries match 'walk'." in said(plain.stderr), plain.output
    assert await ana.json("search", "sleep", "--since", "2099-01-01") == []
    tomorrow = await ana.ok("search", "sleep", "--since", "tomorrow")  # as README says
    assert "No entries match 'sleep' with --since " in said(tomorrow.stderr), tomorrow.output


async def test_an_export_into_a_folder_whose_parent_is_missing_is_refused(
    ana: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """nu80 F5: `tj export --out /nonexistent/dir/x` made the whole tree without a word,
    while `tj report --html /nope/dir/report.html` refused a missing folder."""
    await ana.ok("write", "one line")
    for file_format in ("json", "markdown"):
        typo = tmp_path / "bakcup" / "2026" / file_format
        refused = await ana.tj("export", "--format", file_format, "--out", str(typo))
        assert refused.exit_code == 1, refused.output
        words = said(refused.stderr)
        assert (
            f"cannot use {typo}: the folder {typo.parent} does not exist (tj export makes "
            f"{typo.name}, not the folders above it)"
        ) in words, words
        assert f"`mkdir -p {typo.parent}`" in words, words
        assert not (tmp_path / "bakcup").exists()
    made = tmp_path / "backup"  # a new folder in one that exists: made, as before
    await ana.ok("export", "--out", str(made))
    assert len(list(made.glob("therapy-journal-ana-*.json"))) == 1


async def test_ctrl_c_in_a_questionnaire_exits_130_as_every_command_stopped_so(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nu80 F6: Ctrl-C at the third PHQ-9 question said "Stopped: nothing was saved ..."
    with exit status 1, the status of a refusal; input that ends keeps 1."""
    given = ["0", "1"]

    def prompt(*_: object, **__: object) -> str:
        if given:
            return given.pop(0)
        try:  # as click.prompt turns Ctrl-C into Abort
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise click.Abort() from None

    monkeypatch.setattr("click.prompt", prompt)
    stopped = await ana.tj("measure", "take", "phq9")
    assert stopped.exit_code == 130, stopped.output
    assert "Stopped: nothing was saved of this PHQ-9 (2 of 9 answers" in said(stopped.stderr)
    monkeypatch.undo()
    ended = await ana.tj("measure", "take", "phq9", input="0\n1\n")
    assert ended.exit_code == 1, ended.output
    assert "Stopped: nothing was saved of this PHQ-9 (2 of 9 answers" in said(ended.stderr)
    assert await ana.json("measure", "list") == []


STOPPED_AS_IT_STARTS = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts tj
import cli  # what `tj` imports first
os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while it imports the rest
import cli.main
"""


def test_ctrl_c_as_tj_starts_says_one_line() -> None:
    """nu80 F6: `tj sync` stopped 0.2 to 0.6 s in (as it imported) printed nothing."""
    done = subprocess.run(
        [sys.executable, "-c", STOPPED_AS_IT_STARTS],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 130, done
    assert done.stderr.strip() == "Stopped as tj started: nothing was done.", done.stderr


async def test_an_export_stopped_says_what_became_of_its_files(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nu80 F6: an export stopped once its folder held the whole export said "what this
    device had saved is kept; `tj sync` sends what waits to be sent." and its run again was
    refused (the folder not empty): it says the files hold it whole; one stopped before
    says what to do."""
    await ana.ok("write", "one line")

    async def stopped(*_: object, **__: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.client.Client.waiting_for_update", stopped)
    whole = await ana.tj("export", "--format", "markdown", "--out", str(tmp_path / "md"))
    assert whole.exit_code == 130, whole.output
    line = said(whole.stderr).splitlines()[-1] if whole.stderr else ""
    assert line.endswith(
        f"Stopped after the export was written: the 1 Markdown file under {tmp_path / 'md'} "
        "hold it whole."
    ), whole.stderr
    assert "sync" not in line
    json_whole = await ana.tj("export", "--out", str(tmp_path / "js"))
    assert json_whole.exit_code == 130, json_whole.output
    [file] = (tmp_path / "js").glob("*.json")
    assert f"Stopped after the export was written: {file} holds it whole." in said(
        json_whole.stderr
    )
    monkeypatch.undo()
    monkeypatch.setattr("client_sdk.portability.Archives.export_markdown", stopped)
    part = await ana.tj("export", "--format", "markdown", "--out", str(tmp_path / "md2"))
    assert part.exit_code == 130, part.output
    words = said(part.stderr)
    assert f"Stopped before the export finished: {tmp_path / 'md2'} may hold part of it." in words
    again = f"`tj export --format markdown --out {tmp_path / 'md2'}` exports it again"
    assert again in words, words
    monkeypatch.setattr("client_sdk.portability.Archives.export_json", stopped)
    none = await ana.tj("export", "--out", str(tmp_path / "js2"))
    assert none.exit_code == 130, none.output
    assert "Stopped before the export was written: no file was written in" in said(none.stderr)
    assert list(tmp_path.glob("js2/*.json")) == []


async def test_a_mistyped_client_of_an_export_is_offered_the_name_it_may_be(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu80 F8: `tj export --client anna` said no account of that name shares a journal,
    with no "did you mean 'ana'?", as journal and username typos elsewhere have."""
    _ana, drsmith = await client_and_therapist(live_server, tmp_path)
    refused = await drsmith.tj("export", "--client", "anna", "--out", str(tmp_path / "x"))
    assert refused.exit_code == 1, refused.output
    words = said(refused.stderr)
    assert "no journal of 'anna' on this device" in words, words
    assert "(did you mean 'ana'?)" in words, words
    assert not (tmp_path / "x").exists()
    far = await drsmith.tj("export", "--client", "zed", "--out", str(tmp_path / "x"))
    assert far.exit_code == 1 and "did you mean" not in far.stderr, far.output


async def test_an_export_cut_short_is_said_to_be_cut_short(
    ana: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """nu80 F9: `head -c 3000 export.json > trunc.json; tj import trunc.json` said the file
    "is not JSON", when the likeliest cause is a copy cut short."""
    for number in range(8):
        await ana.ok("write", f"entry {number} " + "words " * 40)
    exported = Path((await ana.ok("export", "--out", str(tmp_path / "exp"))).stdout.strip())
    whole = exported.read_bytes()
    for size in (3000, len(whole) // 2, len(whole) - 3):
        cut = tmp_path / f"cut-{size}.json"
        cut.write_bytes(whole[:size])
        refused = await ana.tj("import", str(cut))
        assert refused.exit_code == 1, refused.output
        words = said(refused.stderr)
        assert f"{cut} is cut short: it ends before its JSON does" in words, words
        assert "copy it again whole" in words and "is not JSON" not in words, words
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert f"{empty} is empty" in said((await ana.tj("import", str(empty))).stderr)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "therapy-journal", oops}')
    assert f"{bad} is not JSON" in said((await ana.tj("import", str(bad))).stderr)


async def test_an_editor_that_fails_says_how_to_write_without_it(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nu80 F11: `EDITOR=nonexistent-editor tj write` (or `EDITOR=false`) said "Editing
    failed ..." and no way on: set $EDITOR, or give the text."""
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    [personal] = [j["id"][:12] for j in await ana.json("journal", "list")]
    write = f"tj write --journal {personal} --mood 5"  # the options given kept
    for editor_command in ("nonexistent-editor", "false"):
        env = {**NO_VISUAL, "EDITOR": editor_command}
        failed = await ana.tj("write", "--mood", "5", env=env)
        assert failed.exit_code == 1, failed.output
        words = said(failed.stderr)
        assert "nothing was written, so no draft was kept" in words, words
        assert (
            "set $EDITOR to an editor installed here (`export EDITOR=nano`, say; $VISUAL comes first when set), or give the "
            f"text: `{write} TEXT`, or pipe it in (`echo TEXT | {write}`)"
        ) in words, words
    [entry_id] = [(await ana.json("write", "Plain"))["id"]]
    failed = await ana.tj("edit", entry_id[:8], env={**NO_VISUAL, "EDITOR": "false"})
    words = said(failed.stderr)
    assert f"or give the text: `tj edit {entry_id[:8]} --body TEXT` (or --append TEXT)" in words, (
        words
    )
    assert [e["body"] for e in await ana.json("list")] == ["Plain"]


def test_the_readmes_type_check_step_says_how_to_install_mypy() -> None:
    """nu80 F12: README's `mypy --strict app.py` step needs mypy, which the `.venv` of the
    quick start (`.ci/serve`, no test extras) lacks: it says how to install it, and what
    it says is so (the test extras hold mypy)."""
    import tomllib

    root = Path(__file__).parents[1]
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    step = readme[readme.index("To type-check an app") :][:1200]
    assert "`.venv/bin/pip install mypy`" in step, step
    assert "`bash .ci/setup --test` (the test extras, mypy among them)" in step, step
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert any(need.startswith("mypy") for need in extras["optional-dependencies"]["test"])
    assert "--test" in (root / ".ci" / "setup").read_text()
