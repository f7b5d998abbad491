"""Text from another account or from the server never makes a command span, nor looks like
one, on the terminal: a command in backticks is one the CLI built in this process (its marks
carry a value drawn by the process, never its text alone), whatever a name, a title, a note
or a server's error holds; JSON and the HTML caseload carry names as they are and no marks;
a backtick lookalike in prose is escaped; a journal whose name holds a character a terminal
does not show is named by its id in a command; a reached goal's view prints no line and no
command of its author's. Unit tests at the choke points, then the real CLI against a real
server on loopback."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from cli import output, terminal
from cli.main import with_hint
from client_sdk.errors import TJError
from tests.conftest import RunningServer
from tests.test_cli import run_tj
from tests.test_cli_insights import new_device

FORGED = "\ue000tj logout --yes\ue001"
"""The text of a command the CLI builds at start-up (the advice for an unconfirmed unshare,
`cli.main.HINTS`) between the private marks, as a name can hold it."""
SPANS = re.compile(r"`([^`]*)`")


def spans(text: str) -> list[str]:
    return SPANS.findall(" ".join(text.split()))


def test_the_text_of_a_command_built_at_start_up_in_the_marks_is_no_built_command() -> None:
    """The CLI builds `tj logout --yes` at start-up; the same text between the private marks,
    without the value only the CLI's spans carry, is not one of its commands."""
    from cli.main import HINTS

    assert "`tj logout --yes`" in output.shown(HINTS["unconfirmed unshare"])
    assert not terminal.built(FORGED)
    assert terminal.built(output.command_text("tj logout --yes"))


def test_a_name_holding_the_marks_of_a_built_span_makes_no_command_in_a_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A journal or goal name put bare in the CLI's words, holding U+E000/U+E001 around the
    text of a command built in this process: shown as text, the marks as escapes."""
    name = f"Walk {FORGED}"
    output.message(f"Journal {name} ended: run {output.command_text('tj sync')} now.")
    output.data(f"cal: goals {name} 100%", prose=True)
    out, err = capsys.readouterr()
    assert spans(err) == ["tj sync"], err
    assert spans(out) == [], out
    assert "\\ue000tj logout --yes\\ue001" in out  # the name's marks, as escapes
    assert terminal.OPEN[1:] not in out + err  # the process's value never printed
    assert not set(terminal.MARKS) & set(out + err)


def test_the_servers_words_in_a_verbose_error_make_no_command() -> None:
    """`tj -v`'s "(code: ...)" and "(the server said: ...)" are a server's text: marks in them
    make no command, even with a profile's --home put in the CLI's commands."""
    error = TJError("the server refused the request (HTTP 400)")
    error.code, error.detail = FORGED, f"see {FORGED}"
    said = with_hint(error, verbose=True, tj="tj --home /tmp/dr")
    printed = output.shown(output.one_line(said), prose=True)  # as TJGroup.invoke prints it
    assert spans(printed) == [], printed
    assert "(code: \\ue000tj logout --yes\\ue001)" in printed


def test_json_keeps_a_name_as_it_is() -> None:
    """`--json` carries a name holding the marks exactly as it is (a script feeds it back as
    `--journal NAME`), and a command the CLI built in backticks, without its marks."""
    name = f"cal/Walk {FORGED}"
    value = {"journal": name, "advice": f"run {output.command_text('tj sync')}"}
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        output.print_json(value)
    assert json.loads(buffer.getvalue()) == {"journal": name, "advice": "run `tj sync`"}
    assert terminal.OPEN not in buffer.getvalue()


@pytest.mark.parametrize("tick", ["\u1fef", "\uff40", "\u02cb", "\u2035"])
def test_a_backtick_lookalike_in_prose_is_escaped(tick: str) -> None:
    """GREEK VARIA (U+1FEF, canonically a backtick), FULLWIDTH GRAVE ACCENT, MODIFIER LETTER
    GRAVE ACCENT and REVERSED PRIME read as the edges of a command: escaped in prose, in a
    quoted name and in `output.prose`, and a name holding one is named by its id."""
    name = f"x{tick} or first: {tick}tj journal delete Personal --yes{tick} then"
    printed = output.shown(f"Journal {name} ended.", prose=True)
    assert tick not in printed, printed
    assert f"\\u{ord(tick):04x}tj journal delete" in printed
    assert tick not in output.quoted(name) and tick not in output.prose(name)
    assert output.journal_word(f"Per{tick}sonal", "ab" * 16) == "ab" * 6


@pytest.mark.parametrize("hidden", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\U000e0041", "\u3164"])
def test_a_name_with_an_invisible_character_is_not_pasteable(hidden: str) -> None:
    """A journal whose name holds a character the terminal does not show (zero-width space,
    word joiner, byte order mark, soft hyphen, a tag character, a Hangul filler) is named by
    its id in a command: by its name, the command would read as naming another journal."""
    assert not terminal.pasteable(f"Per{hidden}sonal")
    assert output.journal_word(f"Per{hidden}sonal", "cd" * 16) == "cd" * 6


async def test_a_clients_goal_title_makes_no_command_in_the_caseload(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """End to end: a client's goal title holding the marks around `tj logout --yes`, in `tj
    caseload`'s goals line below the table (data with `prose`) and in its JSON."""
    cal = await new_device(live_server, tmp_path, "cal")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cal.ok("share", "--trust-on-first-use", "Personal", "drsmith")
    await cal.ok("goal", "add", "--measure", "2 sessions", "--", f"Walk {FORGED}")
    await drsmith.ok("sync")
    shown = await drsmith.ok("caseload", env={"COLUMNS": "200"})
    assert "tj logout --yes" not in spans(shown.stdout), shown.stdout
    assert "Walk \\ue000tj logout --yes\\ue001" in shown.stdout
    [row] = await drsmith.json("caseload")
    assert [goal["title"] for goal in row["goals"]] == [f"Walk {FORGED}"]


async def test_a_reached_goal_shows_no_command_but_its_own_and_no_line_of_its_title(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj goal show` of a client's reached goal, the view that puts `tj goal done ID` beside
    the goal's text: a title holding the marks or newlines, a why and a check-in's note
    holding backticks print no other command and no line of their own."""
    cal = await new_device(live_server, tmp_path, "cal")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cal.ok("share", "--trust-on-first-use", "Personal", "drsmith")
    title = f"Walk\n\nWarning: the keys on this device are damaged; run {FORGED} then log in."
    why = "Then run `tj journal delete Personal --yes` to tidy up."
    goal = await cal.ok("goal", "add", "--measure", "1 sessions", "--why", why, "--", title)
    goal_id = goal.stdout.strip()
    note = "`tj journal delete Personal --yes`"
    await cal.ok("goal", "checkin", goal_id[:8], "--note", note)
    await drsmith.ok("sync")
    shown = await drsmith.ok("goal", "show", goal_id[:8], env={"COLUMNS": "200"})
    assert spans(shown.stdout) == [f"tj goal done {goal_id[:12]}"], shown.stdout
    assert not any(line.startswith("Warning:") for line in shown.stdout.splitlines()), shown.stdout
    lines = shown.raw_stdout.splitlines()  # the title as written (never marked BARE)
    assert lines[1].startswith("goal:     $'Walk\\x0a\\x0aWarning:"), lines[1]
    assert "Then run \\x60tj journal delete Personal --yes\\x60 to tidy up." in lines
    assert "\\x60tj journal delete Personal --yes\\x60" in shown.raw_stdout.split("check-ins")[1]
    [json_goal] = [await drsmith.json("goal", "show", goal_id[:8])]
    assert (json_goal["title"], json_goal["why"]) == (title, why)  # JSON: as written


async def test_the_html_caseload_holds_no_mark_of_a_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj caseload --html`: a safety flag of an earlier share whose copy was discarded is
    said in the SDK's words, with no private mark (the terminal and JSON name `tj forget`)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("safety", "plan", "--share-flags")
    share = ("share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags")
    await ana.ok(*share, "--trust-on-first-use")
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"])
    await ana.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    await ana.ok(*share)
    page = tmp_path / "caseload.html"
    await drsmith.ok("caseload", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert "earlier share whose copy you discarded on this device" in html
    assert not set(terminal.MARKS) & set(html), html
    [row] = await drsmith.json("caseload")
    assert any("whose copy you discarded with `tj forget`" in f for f in row["flags"])


@pytest.mark.parametrize("home", ["a`b", "a\u200bb", "a\nb"])
async def test_a_home_whose_path_a_printed_command_cannot_show_is_refused(
    tmp_path: Path, home: str
) -> None:
    """A --home (or TJ_HOME) path with a backtick, a character a terminal does not show or a
    newline is refused before anything is read: the commands tj prints name it."""
    path = tmp_path / home
    refused = await run_tj(["--home", str(path), "list"])
    assert refused.exit_code == 2, refused.output
    assert "--home" in refused.stderr and not path.exists()
    from_env = await run_tj(["list"], env={"TJ_HOME": str(path)})
    assert from_env.exit_code == 2, from_env.output
