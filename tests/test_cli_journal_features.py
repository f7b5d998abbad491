"""`tj` journal features against a real server through CliRunner: emotions, writing in
$EDITOR, search, goals and reflection prompts (see tests/test_cli.py for the set-up)."""

from __future__ import annotations

import shlex
import stat
from datetime import datetime
from pathlib import Path

import pytest

from client_sdk.prompts import LIBRARY
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, run_tj, succeeded

NO_VISUAL: dict[str, str | None] = {"VISUAL": None}


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "laptop", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana", "--device-name", "laptop")
    return device


@pytest.fixture
async def anas_phone(live_server: RunningServer, ana: Device, tmp_path: Path) -> Device:
    device = Device(tmp_path / "phone", live_server.url)
    succeeded(await run_tj(["--home", str(device.home), "login", live_server.url, "ana"]))
    return device


@pytest.fixture
def stdin_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdin is a pipe; pretend it is a terminal, as when typing `tj write`."""
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)


def editor_script(tmp_path: Path, body: str) -> dict[str, str | None]:
    """$EDITOR as a small script: it keeps a copy of the file it was given in `seen.md`,
    then writes `body` above the file's template."""
    script = tmp_path / "editor.sh"
    seen = tmp_path / "seen.md"
    script.write_text(
        "#!/bin/sh\n"
        f'cp "$1" "{seen}"\n'
        f'{{ printf \'%s\' \'{body}\'; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {**NO_VISUAL, "EDITOR": str(script)}


# --- entries: emotions, prompts, $EDITOR ------------------------------------------------------


async def test_write_keeps_named_emotions_and_the_prompt_it_answers(ana: Device) -> None:
    written = await ana.ok(
        "write", "--mood", "4", "--emotion", "Anxious", "--emotion", "tired",
        "--prompt", "trust-01", "It got easier once I said it out loud.",
    )  # fmt: skip
    entry = await ana.json("show", written.stdout.strip())
    assert (entry["emotions"], entry["prompt_id"], entry["mood"]) == (
        ["anxious", "tired"],
        "trust-01",
        4,
    )
    assert entry["title"] == LIBRARY[0].text
    text = (await ana.ok("show", entry["id"])).stdout
    assert "emotions: anxious, tired" in text and "prompt:   trust-01" in text
    edited = await ana.json("edit", entry["id"][:8], "--emotion", "relieved")
    assert edited["emotions"] == ["relieved"]


async def test_an_explicit_title_wins_over_the_prompt_text(ana: Device) -> None:
    entry_id = (
        await ana.ok("write", "--prompt", "coping-02", "--title", "My list", "Tea, a walk.")
    ).stdout.strip()
    assert (await ana.json("show", entry_id))["title"] == "My list"


async def test_unknown_emotions_and_prompts_are_refused_and_nothing_is_saved(
    ana: Device,
) -> None:
    assert (await ana.tj("write", "--emotion", "bored", "Meh.")).exit_code == 2
    result = await ana.tj("write", "--prompt", "trust-99", "An answer to nothing.")
    assert "no prompt 'trust-99'" in failed_with_one_line(result)
    assert await ana.json("list") == []


async def test_write_without_text_on_a_terminal_opens_the_editor_and_drops_comment_lines(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    env = editor_script(tmp_path, "Written in the editor.\nSecond line.\n")
    entry_id = (await ana.ok("write", "--mood", "6", env=env)).stdout.strip()
    entry = await ana.json("show", entry_id)
    assert (entry["body"], entry["mood"]) == ("Written in the editor.\nSecond line.", 6)
    assert "# Write your entry above" in (tmp_path / "seen.md").read_text()


async def test_the_editor_shows_the_prompt_being_answered(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    env = editor_script(tmp_path, "Three things.")
    entry_id = (await ana.ok("write", "--prompt", "gratitude-01", env=env)).stdout.strip()
    seen = (tmp_path / "seen.md").read_text()
    assert "# Prompt gratitude-01:" in seen and "Name three small things" in seen
    assert (await ana.json("show", entry_id))["prompt_id"] == "gratitude-01"


async def test_an_empty_editor_aborts_without_saving(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    result = await ana.tj("write", "--title", "Kept?", env=editor_script(tmp_path, ""))
    assert "empty" in failed_with_one_line(result)
    assert await ana.json("list") == []
    assert (await ana.json("sync"))["pushed"] == 0


async def test_write_edit_flag_opens_the_editor_even_from_a_pipe_starting_from_text(
    ana: Device, tmp_path: Path
) -> None:
    env = editor_script(tmp_path, "Added in the editor. ")
    entry_id = (await ana.ok("write", "-e", "Draft from the command line.", env=env)).stdout
    body = (await ana.json("show", entry_id.strip()))["body"]
    assert body == "Added in the editor. Draft from the command line."


# --- search -----------------------------------------------------------------------------------


async def test_search_ranks_title_matches_first_and_gives_snippets_and_scores(
    ana: Device,
) -> None:
    in_body = (await ana.ok("write", "Could not sleep before the session.")).stdout.strip()
    in_title = (await ana.ok("write", "--title", "Sleep", "Better night.")).stdout.strip()
    await ana.ok("write", "Nothing to do with it.")
    hits = await ana.json("search", "sleep")
    assert [hit["entry"]["id"] for hit in hits] == [in_title, in_body]
    assert hits[0]["relevance"] > hits[1]["relevance"] > 0
    snippet, [[start, end]] = hits[1]["snippet"], hits[1]["highlights"]
    assert snippet[start:end] == "sleep"


async def test_search_filters_by_journal_tag_and_date(ana: Device) -> None:
    await ana.ok("journal", "create", "Dreams")
    dream = (await ana.ok("write", "--journal", "Dreams", "Flying over water.")).stdout.strip()
    tagged = (await ana.ok("write", "--tag", "calm", "Water and quiet.")).stdout.strip()
    await ana.ok("write", "Water everywhere.")
    assert [h["entry"]["id"] for h in await ana.json("search", "water", "--journal", "Dreams")] == [
        dream
    ]
    assert [h["entry"]["id"] for h in await ana.json("search", "water", "--tag", "calm")] == [
        tagged
    ]
    assert await ana.json("search", "water", "--since", "2999-01-01") == []
    assert len(await ana.json("search", "water", "--since", "2000-01-01")) == 3


async def test_search_shows_a_table_with_text_that_looks_like_markup_as_typed(
    ana: Device,
) -> None:
    entry_id = (await ana.ok("write", "[bold]Panic[/bold] at the shop.")).stdout.strip()
    table = (await ana.ok("search", "panic")).stdout
    assert entry_id[:12] in table and "[bold]Panic[/bold]" in table
    assert "No entries match" in (await ana.ok("search", "zebra")).stderr


async def test_search_needs_a_word(ana: Device) -> None:
    assert "at least one word" in failed_with_one_line(await ana.tj("search", "?!"), 2)


# --- goals ------------------------------------------------------------------------------------


async def test_goal_add_checkin_show_and_done(ana: Device) -> None:
    goal_id = (
        await ana.ok(
            "goal", "add", "Walk three times a week", "--why", "It calms me.",
            "--target", "2027-03-01", "--measure", "4 sessions",
        )
    ).stdout.strip()  # fmt: skip
    await ana.ok("goal", "checkin", goal_id[:8], "--note", "By the river")
    checked = await ana.json("goal", "checkin", goal_id[:8], "--progress", "2")
    assert (checked["progress"], checked["fraction"]) == (3, 0.75)
    shown = await ana.json("goal", "show", goal_id)
    assert {k: shown[k] for k in ("title", "why", "target", "measure", "done")} == {
        "title": "Walk three times a week",
        "why": "It calms me.",
        "target": "2027-03-01",
        "measure": "4 sessions",
        "done": False,
    }
    assert [(c["note"], c["progress"]) for c in shown["checkins"]] == [
        ("By the river", 1),
        (None, 2),
    ]  # absent: null
    text = (await ana.ok("goal", "show", goal_id[:8])).stdout
    assert "3/4 sessions" in text and "By the river" in text and "It calms me." in text
    table = (await ana.ok("goal", "list")).stdout
    assert goal_id[:12] in table and "Walk" in table and "3/4 sessions" in table
    # more than the whole goal in one check-in asks first (NU42 #9): --yes does not
    over = await ana.ok("goal", "checkin", goal_id[:8], "--progress", "5", "--yes")
    said = "brings the goal to 8 of 4 sessions, more than its target; the check-in is kept"
    assert said in over.stderr, over.stderr  # the total, not this check-in (NU38 N8)
    done = await ana.ok("goal", "done", goal_id[:8])
    assert (
        f"Goal {goal_id[:12]} ('Walk three times a week') marked done (8/4 sessions" in done.stderr
    )
    [listed] = await ana.json("goal", "list")
    assert listed["done"] and listed["done_at"]
    assert "was already marked done" in (await ana.ok("goal", "done", goal_id[:8])).stderr
    late = await ana.ok("goal", "checkin", goal_id[:8])
    assert "already marked done; the check-in is kept" in late.stderr


async def test_goal_input_mistakes_are_reported(ana: Device) -> None:
    result = await ana.tj("goal", "add", "Rest", "--measure", "lots")
    assert "sessions" in failed_with_one_line(result, 2)  # a value refused as given (NU38 N3)
    assert (await ana.tj("goal", "add", "Rest", "--target", "soon")).exit_code == 2
    assert "no goal" in failed_with_one_line(await ana.tj("goal", "show", "abcdef"))
    entry_id = (await ana.ok("write", "Not a goal.")).stdout.strip()
    said = failed_with_one_line(await ana.tj("goal", "checkin", entry_id))  # NU36: says what
    shows = f"`{ana.command} show {entry_id[:12]}` shows it"
    assert f"{entry_id} is an entry, not a goal: {shows}" in said
    assert "No goals yet" in (await ana.ok("goal", "list")).stderr


async def test_a_goal_set_on_one_device_shows_on_the_other(ana: Device, anas_phone: Device) -> None:
    goal_id = (await ana.ok("goal", "add", "Sleep by eleven", "--measure", "percent")).stdout
    await anas_phone.ok("sync")
    await anas_phone.ok("goal", "checkin", goal_id.strip()[:8], "--progress", "40")
    await ana.ok("sync")
    [goal] = await ana.json("goal", "list")
    assert (goal["title"], goal["progress"], goal["fraction"]) == ("Sleep by eleven", 40, 0.4)
    assert "40%" in (await ana.ok("goal", "list")).stdout


# --- prompts ----------------------------------------------------------------------------------


async def test_prompt_suggests_one_and_answering_it_moves_to_another(ana: Device) -> None:
    first = await ana.json("prompt", "--category", "trust")
    assert first["category"] == "trust" and not first["from_therapist"]
    shown = await ana.ok("prompt", "--category", "trust")
    assert first["text"] in shown.stdout and f"tj write --prompt {first['id']}" in shown.stderr
    await ana.ok("write", "--prompt", first["id"], "An answer.")
    second = await ana.json("prompt", "--category", "trust")
    assert second["id"] != first["id"] and second["category"] == "trust"
    listed = await ana.json("prompt", "list", "--category", "trust")
    answered = [p for p in listed if p["last_answered"]]
    assert [p["id"] for p in answered] == [first["id"]]


async def test_prompt_list_shows_the_whole_library(ana: Device) -> None:
    listed = await ana.json("prompt", "list")
    assert len(listed) == len(LIBRARY) >= 40
    assert [p["id"] for p in listed] == [p.id for p in LIBRARY]
    table = (await ana.ok("prompt", "list", "--category", "coping")).stdout
    assert "coping-01" in table and "trust-01" not in table


async def test_a_therapists_prompt_comes_first_and_is_marked(
    live_server: RunningServer, ana: Device, tmp_path: Path
) -> None:
    therapist = Device(tmp_path / "therapist", live_server.url)
    await therapist.ok("signup", live_server.url, "drsmith")
    await ana.ok("journal", "create", "Therapy")
    await ana_shares_therapy_with_drsmith(ana)
    await therapist.ok("sync")
    note = await therapist_adds_prompt(therapist, "What would you tell your younger self?")
    await ana.ok("sync")
    suggested = await ana.json("prompt")
    assert (suggested["id"], suggested["from_therapist"], suggested["author"]) == (
        note,
        True,
        "drsmith",
    )
    assert "from your therapist drsmith" in (await ana.ok("prompt")).stdout
    entry_id = (await ana.ok("write", "--prompt", note[:8], "Be kinder to yourself.")).stdout
    answer = await ana.json("show", entry_id.strip())
    assert (answer["journal"], answer["prompt_id"]) == ("Therapy", note)
    assert not (await ana.json("prompt"))["from_therapist"]


async def ana_shares_therapy_with_drsmith(ana: Device) -> None:
    """Through the SDK: sharing commands are another part of the CLI."""
    from client_sdk import Client

    async with await Client.open(ana.home) as client:
        await client.shares.grant(
            "Therapy", "drsmith", role="annotate", trust_on_first_use=True, full=True
        )


async def therapist_adds_prompt(therapist: Device, text: str) -> str:
    from client_sdk import Client

    async with await Client.open(therapist.home) as client:
        await client.sync()
        note = await client.notes.add("ana/Therapy", text, kind="prompt")
        await client.sync()
        return note.id


async def test_a_failing_editor_keeps_the_draft_in_the_profile_and_says_where(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    script = tmp_path / "failing-editor.sh"
    script.write_text('#!/bin/sh\nprintf "Typed before the crash.\\n" > "$1"\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    options = ["--title", "Ana's night", "--mood", "4", "--tag", "late night", "--tag", "sleep"]
    failed = await ana.tj("write", *options, env={**NO_VISUAL, "EDITOR": str(script)})
    error = failed_with_one_line(failed)
    [draft] = list((ana.home / "drafts").iterdir())
    # NU18 C2: the command to save the draft keeps every option given, quoted for a shell
    # (a name with an apostrophe in double quotes, as messages quote it: NU62 F7)
    from cli.terminal import shell_join

    [default] = [
        j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"
    ]  # the journal it was written for
    saves = ["write", "--journal", default, *options, "--draft", str(draft)]
    command = f"{ana.printed} {shell_join(saves)}"
    assert '"Ana\'s night"' in command
    assert str(draft) in failed.raw_stderr and f"`{command}` saves it" in failed.raw_stderr
    assert draft.read_text() == "Typed before the crash.\n"
    assert stat.S_IMODE(draft.stat().st_mode) == 0o600
    assert stat.S_IMODE((ana.home / "drafts").stat().st_mode) == 0o700
    assert await ana.json("list") == []

    env = editor_script(tmp_path, "Next one.")
    reminded = await ana.ok("write", env=env)  # mentions the draft left behind, and keeps it
    assert str(draft) in reminded.stderr and draft.exists()
    saved = succeeded(await run_tj(shlex.split(command)[1:]))  # exactly as suggested
    assert not draft.exists()  # saved: the profile's draft is gone
    shown = await ana.json("show", saved.stdout.strip())
    assert (shown["body"], shown["mood"], shown["title"]) == (
        "Typed before the crash.",
        4,
        "Ana's night",
    )
    assert sorted(shown["tags"]) == ["late night", "sleep"]
    assert [e["body"] for e in await ana.json("list")] == ["Typed before the crash.", "Next one."]

    profile = {**NO_VISUAL, "EDITOR": str(script), "TJ_HOME": str(ana.home)}  # no --home
    options = ["--emotion", "calm", "--date", "2026-01-05 21:30"]
    error = failed_with_one_line(await run_tj(["write", *options], env=profile))
    [draft] = list((ana.home / "drafts").iterdir())
    saves = ["write", "--journal", default, *options, "--draft", str(draft)]
    command = f"{ana.printed} {shlex.join(saves)}"
    assert f"`{command}` saves it" in error  # $TJ_HOME named: pasted in any shell
    saved = succeeded(await run_tj(shlex.split(command)[1:], env={"TJ_HOME": str(ana.home)}))
    shown = await ana.json("show", saved.stdout.strip())
    assert shown["emotions"] == ["calm"]
    written = datetime.fromisoformat(shown["created_at"])
    assert written == datetime(2026, 1, 5, 21, 30).astimezone()  # in local time, as typed


async def test_a_draft_saved_with_draft_keeps_only_the_text_above_the_scissors_line(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    """A new entry's draft holds the guide (and a prompt) below the scissors line; an edit's
    draft is saved into that entry, not as a new one; a file outside the profile stays."""
    script = tmp_path / "failing-editor.sh"
    script.write_text(
        '#!/bin/sh\nprintf "Above the line.\\n" | cat - "$1" > "$1.new"\nmv "$1.new" "$1"\nexit 1\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {**NO_VISUAL, "EDITOR": str(script)}
    failed_with_one_line(await ana.tj("write", env=env))
    [draft] = list((ana.home / "drafts").iterdir())
    assert "# ------------------------ >8" in draft.read_text()  # the guide is in the file
    entry_id = (await ana.ok("write", "--draft", str(draft))).stdout.strip()
    assert (await ana.json("show", entry_id))["body"] == "Above the line."

    error = failed_with_one_line(await ana.tj("edit", entry_id, env=env))
    [edit_draft] = list((ana.home / "drafts").iterdir())
    # with its --home, as `tj write`'s hint (NU38 N5)
    assert f"`{ana.command} edit {entry_id} --draft {edit_draft}` saves it" in error
    await ana.ok("edit", entry_id, "--draft", str(edit_draft))
    assert not edit_draft.exists()
    body = (await ana.json("show", entry_id))["body"]
    assert body == "Above the line.\nAbove the line."
    assert len(await ana.json("list")) == 1

    outside = tmp_path / "mine.md"
    outside.write_text("My own file.\n")
    await ana.ok("write", "--draft", str(outside))
    assert outside.exists()  # not one of the profile's drafts: the user's own file stays
    refused = await ana.tj("write", "--draft", str(outside), "Some text")
    assert refused.exit_code == 2 and "give no TEXT" in refused.output


async def test_an_editor_that_fails_before_anything_is_written_leaves_no_draft_to_nag_about(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    """NU21 C8: an editor that fails (`EDITOR=false`) with nothing written above the scissors
    line keeps no draft (nothing to save); an empty draft left behind (by an older tj) is
    never reminded of, and `--draft` of it deletes it and says so, with status 0."""
    env = {**NO_VISUAL, "EDITOR": "false"}
    error = failed_with_one_line(await ana.tj("write", "--mood", "4", env=env))
    assert "nothing was written" in error and "--draft" not in error
    assert list((ana.home / "drafts").iterdir()) == []
    entry_id = (await ana.ok("write", "Kept.")).stdout.strip()
    error = failed_with_one_line(await ana.tj("edit", entry_id, env=env))
    assert "nothing was written" in error and "--draft" not in error
    assert list((ana.home / "drafts").iterdir()) == []

    from cli.editor import template

    empty = ana.home / "drafts" / "entry-older.md"
    empty.write_text(template(None))  # what an older tj kept after a failed editor
    written = await ana.ok("write", "--mood", "5", env=editor_script(tmp_path, "Next one."))
    assert "draft" not in written.stderr  # no reminder of a draft holding nothing
    discarded = await ana.ok("write", "--mood", "4", "--draft", str(empty))
    assert "no entry was written" in discarded.stderr and "deleted" in discarded.stderr
    assert "tj mood 4" in discarded.stderr  # the mood alone has its own command
    assert discarded.stdout == "" and not empty.exists()
    assert sorted(e["body"] for e in await ana.json("list")) == ["Kept.", "Next one."]


async def test_bytes_that_are_not_utf8_on_stdin_are_one_line_and_save_nothing(
    ana: Device,
) -> None:
    result = await run_tj(["--home", str(ana.home), "write"], input=b"caf\xe9 latin-1\n")
    line = failed_with_one_line(result)
    assert "stdin is not UTF-8 text" in line
    assert await ana.json("list") == []
    # the conversion it suggests, pasted, writes into this profile, not the default one
    pipeline = shlex.split(line.split("`")[1])
    assert pipeline[pipeline.index("|") + 1 :] == ["tj", "--home", str(ana.home), "write"]


async def test_hash_lines_are_the_users_text_in_the_editor_and_survive_an_edit(
    ana: Device, tmp_path: Path, stdin_is_a_terminal: None
) -> None:
    env = editor_script(tmp_path, "# Big day\nGot the job.\n## Why it matters\n#gratitude #win\n")
    written = (await ana.ok("write", env=env)).stdout.strip()
    kept = "# Big day\nGot the job.\n## Why it matters\n#gratitude #win"
    assert (await ana.json("show", written))["body"] == kept

    script = tmp_path / "fix-typo.sh"  # changes one line, leaves every other as it is
    script.write_text("#!/bin/sh\nsed -i 's/Got the job./Got the job!/' \"$1\"\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    await ana.ok("edit", written[:8], env={**NO_VISUAL, "EDITOR": str(script)})
    assert (await ana.json("show", written))["body"] == kept.replace("job.", "job!")
