"""Only a command the CLI built shows in backticks (REV-S11B S11B-1, S11B-2, the rest): a
journal, goal or account name put bare into a message, an error or a question has its
backticks written \\x60, so no name reads as a command the user is told to run; every
literal command span is one the CLI marked (`output.command`, `output.command_text`), kept
exactly (a --home path with two spaces too); and an error that gives a journal's id names
the journal by it in its command, never by the placeholder JOURNAL. Unit tests of the
printing choke points, then real servers on loopback through the real CLI."""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path

import pytest

from cli import output
from cli.main import with_hint
from cli.safety import CLI_HINTS
from client_sdk.errors import InvalidInput, JournalArchived, ScopeNeeded, StillShared, TJError
from tests.conftest import RunningServer, product_tree
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device

FORGED = "x` or first: `tj journal delete Personal --yes` then `"
FORGED_ID = "ab" * 16
SPANS = re.compile(r"`([^`]*)`")
HOME = "/tmp/dr  home"  # two spaces: a path a collapsed span would name wrongly


def spans(text: str) -> list[str]:
    """Every span in backticks in `text`, as printed (a span is never broken by a wrap)."""
    return SPANS.findall(text)


def printed(text: str) -> str:
    """`text` as an error line prints it (`TJGroup.invoke`: one line, `shown` with prose)."""
    return output.shown(output.one_line(text), prose=True)


def test_a_name_put_bare_in_a_message_makes_no_command_span(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name interpolated as it is (not `quoted`) into a message, a line of data said in
    the CLI's words, or a question: only the CLI's span is in backticks, wrapped or not."""
    monkeypatch.setenv("COLUMNS", "40")
    said = f"Journal {FORGED} ended: run {output.command_text('tj sync')} now."
    output.message(said)
    output.message(said, wrap=True)
    output.data(said, prose=True)
    output.data(said, wrap=True, prose=True)
    out, err = capsys.readouterr()
    for text in (out, err):
        assert spans(text) == ["tj sync", "tj sync"], text
        assert "\\x60tj journal delete Personal --yes\\x60" in unwrapped(text), text


def test_data_as_it_is_keeps_its_backticks(capsys: pytest.CaptureFixture[str]) -> None:
    """An entry's text (data, not the CLI's words) is printed as written: Markdown's
    backticks stay."""
    output.data("Tried `git stash` today.")
    assert capsys.readouterr().out == "Tried `git stash` today.\n"


def test_a_question_with_a_bare_name_makes_no_command_span(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script's stdin, ended
    with pytest.raises(Exception) as raised:
        output.confirm(f"Discard the copy of {FORGED} from this device for good?", err=True)
    said = printed(str(getattr(raised.value, "message", raised.value)))
    assert spans(said) == [], said
    assert "\\x60tj journal delete Personal --yes\\x60" in said, said


def test_an_archived_journal_is_named_by_its_id_when_its_name_would_not_paste() -> None:
    """JournalArchived gives its id: the unarchive command names the journal by it, not
    JOURNAL, and the name's backticks in the error's words make no span."""
    said = printed(with_hint(JournalArchived(FORGED, FORGED_ID)))
    assert spans(said) == [f"tj journal unarchive {FORGED_ID[:12]}"], said
    assert spans(printed(with_hint(JournalArchived("Dreams", FORGED_ID)))) == [
        "tj journal unarchive Dreams"
    ]


def test_a_share_scope_names_its_journal_or_source_by_id() -> None:
    """ScopeNeeded (a whole journal, or a copy's source with its fields): by id, not
    JOURNAL, for a name that would not paste back."""
    whole = ScopeNeeded("x", journal=FORGED, member="drsmith", journal_id=FORGED_ID)
    fields = ScopeNeeded(
        "x", journal=FORGED, member="drsmith", fields=("mood",), journal_id=FORGED_ID
    )
    short = FORGED_ID[:12]
    assert spans(printed(with_hint(whole))) == [
        f"tj share {short} drsmith --only FIELDS",
        f"tj share {short} drsmith --full",
    ]
    assert spans(printed(with_hint(fields))) == [
        f"tj share {short} drsmith --only mood",
        f"tj share {short} drsmith --full",
    ]


def test_a_journal_still_shared_is_named_by_its_id_in_its_unshare_command() -> None:
    """StillShared gives the ids of the journals the member still reads: the unshare
    command names one whose name would not paste back by its id, not JOURNAL."""
    error = StillShared(
        "x",
        member="drsmith",
        reading=(FORGED,),
        unsure=("Mood log",),
        journal_ids=(FORGED_ID, "cd" * 16),
    )
    assert spans(printed(with_hint(error))) == [
        f"tj unshare {FORGED_ID[:12]} drsmith",
        "tj unshare 'Mood log' drsmith",
    ]


@pytest.mark.parametrize(
    ("subject", "names", "wanted"),
    [
        ("share still served", {}, "tj forget {id} --unlisted"),
        ("share ended elsewhere", {"member": "drsmith"}, "tj share {id} drsmith --full"),
        (
            "unsent copy",
            {
                "unlisted": "",
                "waiting": "1",
                "set aside count": "0",
                "set aside documents": "0",
                "set aside": "",
            },
            "tj forget {id}",
        ),
        ("therapist's note", {"note": "3f2a9c8d"}, "tj note {id} 'About note 3f2a9c8d: ...'"),
    ],
)
def test_a_forget_share_or_note_advice_names_the_journal_by_its_id(
    subject: str, names: dict[str, str], wanted: str
) -> None:
    """The errors that give a journal's name and id: the command names it by its id when
    its name would not paste back (never JOURNAL), and the name makes no span."""
    error = InvalidInput(
        "x", subject=subject, names={"journal": FORGED, "journal id": FORGED_ID, **names}
    )
    said = printed(with_hint(error))
    assert wanted.format(id=FORGED_ID[:12]) in spans(said), said
    assert not any("journal delete" in span for span in spans(said)), said


def test_a_home_with_two_spaces_stays_exact_in_the_advice_that_saves_a_copy(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session-ended advice names the profile in each command (NU50 F4): its --home
    path's two spaces are kept, printed on one line or wrapped at 40 columns."""
    monkeypatch.setenv("COLUMNS", "40")
    tj = shlex.join(["tj", "--home", HOME])
    said = with_hint(TJError("signed out", subject="session ended"), tj=tj)
    output.message(said)
    output.message(said, wrap=True)
    found = spans(capsys.readouterr().err)
    assert len(found) == 6, found
    for span in found:
        assert shlex.split(span)[:3] == ["tj", "--home", HOME], span


def test_a_command_in_json_is_in_backticks_and_a_name_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    output.print_json({"advice": f"{FORGED}: {output.command_text('tj sync')}"})
    assert json.loads(capsys.readouterr().out) == {"advice": f"{FORGED}: `tj sync`"}


def test_the_safety_messages_share_commands_are_built_spans() -> None:
    """The SDK fills the CLI's templates in (`SafetyHints.flags_again`): each a command
    span, a journal whose name would not paste back as JOURNAL, never a span of the name."""
    again = CLI_HINTS.flags_again.format(journal="Mood log", member="drsmith")
    assert output.shown(again) == "`tj share 'Mood log' drsmith --role annotate --safety-flags`"
    forged = output.shown(CLI_HINTS.annotate_again.format(journal=FORGED, member="drsmith"))
    assert spans(forged) == ["tj share JOURNAL drsmith --role annotate"], forged


def test_no_literal_backtick_span_is_left_in_the_clis_messages() -> None:
    """Every command span in the CLI's own words is marked (`output.command`, `command_text`):
    no string of the CLI but a docstring, a help text or a pattern holds a pair of
    backticks."""
    import ast

    cli = Path(__file__).resolve().parents[1] / "cli"
    left = []
    for path in sorted(cli.glob("*.py")):
        tree = product_tree(path)
        skipped = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            for child in body if isinstance(body, list) else []:
                if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant):
                    skipped.add(id(child.value))  # a docstring
            if isinstance(node, ast.keyword) and node.arg == "help":
                skipped |= {id(sub) for sub in ast.walk(node.value)}
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile":
                skipped |= {id(sub) for sub in ast.walk(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.count("`") >= 2
                and id(node) not in skipped
            ):
                left.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert left == [], left


async def test_an_archived_journals_refusal_names_it_by_id_and_the_paste_unarchives_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """End to end: a journal named with backticks and a command, archived; writing to it is
    refused with one span, the unarchive command by the journal's id, which pasted works."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "--", FORGED)
    [ident] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == FORGED]
    await ana.ok("journal", "archive", ident[:12])
    refused = await ana.tj("write", "--journal", ident[:12], "Hello")
    assert refused.exit_code == 1, refused.output
    assert spans(refused.stderr) == [f"{ana.command} journal unarchive {ident[:12]}"]
    pasted = shlex.split(spans(refused.raw_stderr)[0])  # as printed
    assert pasted[:3] == ["tj", "--home", str(ana.home)]
    await ana.ok(*pasted[3:])
    await ana.ok("write", "--journal", ident[:12], "Hello")


async def test_a_reached_goals_title_makes_no_span_beside_its_done_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj goal show` of a reached goal titled with backticks and a command: the one span is
    `tj goal done ID`."""
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (await ana.ok("goal", "add", "--measure", "1 sessions", "--", FORGED)).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8])
    shown = await ana.ok("goal", "show", goal[:8])
    assert spans(shown.stdout) == [f"tj goal done {goal[:12]}"], shown.stdout
