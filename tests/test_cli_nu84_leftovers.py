"""nu84 leftovers (fix34b): F4, a therapist's own `tj leave` said in `tj safety flags` as
"you left this share", not as the client's end; the safety message laid out by rich's
wrapping at 80 and 60 columns, its text exact and its command whole on one line; and the
"share again" command after a member leaves a field-level copy (`tj share --only`) giving
the same share again: its fields, role, end date and the member's fingerprint. Real server on
loopback, real crypto, CliRunner."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

import cli.main  # noqa: F401  (the commands load in order)
from cli import output
from cli.safety import ended_legend, ended_words, laid_out, show_safety_message
from cli.terminal import command
from client_sdk import departures
from client_sdk.safety import SafetyFlag, texts
from client_sdk.sync import SyncReport
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device

AT = datetime(2026, 12, 6, 21, 17, tzinfo=UTC)


def flat(text: str) -> str:
    return " ".join(text.split())


# --- nu84 F4: a flag of a share the therapist left ------------------------------------------


async def test_safety_flags_after_ones_own_leave_say_you_left_this_share(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu84 F4: after drsmith's own `tj leave`, `tj safety flags` on drsmith's device marked
    ana's flag "(ended)": "ana's share with you ended, by their signed word or end date"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")
    listed = await drsmith.ok("safety", "flags", env={"COLUMNS": "120"})
    said = flat(listed.stdout)
    assert "ana (left)" in said and "(ended)" not in said, listed.stdout
    assert (
        "(left): you left this share (ana's share with you), on this device; these flags are "
        "read from the copy kept on this device." in said
    ), listed.stdout
    assert "by their signed word" not in said, listed.stdout
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["share_ended"] is True and flag["unlisted"] is False, flag  # as before


def flag(flag_id: str, owner: str, journal_id: str) -> SafetyFlag:
    return SafetyFlag(
        id=flag_id, journal=f"{owner}/Personal", journal_id=journal_id, owner=owner,
        result_id="cd" * 16, measure="phq9", item=9, answer=1, raised_at=AT, share_ended=True,
    )  # fmt: skip


def test_the_legend_says_a_share_left_apart_from_one_its_owner_ended() -> None:
    left, ended = flag("11" * 16, "ana", "aa" * 16), flag("22" * 16, "ben", "bb" * 16)
    assert ended_words(left, {"aa" * 16}) == " (left)"
    assert ended_words(ended, {"aa" * 16}) == " (ended)"
    assert ended_legend([left, ended], {"aa" * 16}) == [
        "(left): you left this share (ana's share with you), on this device; these flags are "
        "read from the copy kept on this device.",
        "(ended): share ended: ben's share with you ended, by their signed word or end date; "
        "these flags are read from the copy kept on this device.",
    ]
    both = flag("33" * 16, "ben", "bb" * 16)
    assert ended_legend([left, both], {"aa" * 16, "bb" * 16})[0].startswith(
        "(left): you left these shares (ana's and ben's share with you), on this device;"
    )


# --- the safety message's layout ---------------------------------------------------------------


def box_of(stderr: str) -> tuple[str, list[str]]:
    """The first safety message in `stderr`: its rule, and its lines between the rules."""
    lines = stderr.splitlines()
    start = next(n for n, line in enumerate(lines) if line and set(line) == {"="})
    end = next(n for n in range(start + 1, len(lines)) if lines[n] == lines[start])
    return lines[start], lines[start + 1 : end]


@pytest.mark.parametrize("width", [80, 60])
async def test_the_safety_message_fits_the_terminal_its_words_exact_its_command_whole(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    """The safety message went past its own rules (72 columns) at 80 columns, and at 60 its
    rules were wider than the terminal: each line now fits the rules, which fit the
    terminal; the one line longer is the plan's command, whole (copied as one)."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok(
        "measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2", env={"COLUMNS": str(width)}
    )
    rule, box = box_of(taken.raw_stderr)
    assert len(rule) == min(width, 72), rule
    plan = f"`{ana.printed} safety plan --journal Personal --text 'YOUR PLAN'`"
    [holding] = [line for line in box if plan in line]  # whole on one line
    assert holding.strip() == f"({plan}).", holding  # alone: only its own parentheses
    assert all(cell_len(line) <= len(rule) for line in box if line != holding), box
    assert all(line.startswith("  ") for line in box if line.strip() and line[0] == " ")
    data = texts()
    told = flat(" ".join(box))
    expected = [
        data["heading"],
        data["lines"][0].format(emergency=data["default_emergency"]),
        data["lines"][1].format(crisis_line=data["default_crisis_line"]),
        data["plan_missing"].format(how=f" ({plan})"),
        data["lines"][3],
    ]
    for text in expected:  # safety.json's words, exactly (line breaks as spaces)
        assert flat(text) in told, text
    paragraphs = [line for line in box if not line.startswith(" ")]
    assert [flat(p) for p in paragraphs] == [
        flat(text)[: len(flat(p))] for text, p in zip(expected, paragraphs, strict=True)
    ], box  # each paragraph starts a line; its later lines are indented under it


def test_a_crisis_line_of_wide_characters_is_laid_out_by_the_cells_it_takes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line is as wide as the cells a terminal draws (rich's measure): a crisis line in
    Japanese, two cells a character, kept under the rules, not 2x past them."""
    monkeypatch.setenv("COLUMNS", "60")
    line = "話を聞きます 電話 0120 783 556 毎日 午後四時から午後九時まで 相談は無料です " * 3
    show_safety_message([texts()["heading"], line.strip()])
    rule, box = box_of(capsys.readouterr().err)
    assert len(rule) == 60
    assert all(cell_len(row) <= 60 for row in box), box
    assert flat(" ".join(box)).endswith(flat(line)), box


def test_a_command_is_one_word_for_the_layout_never_broken_at_its_spaces() -> None:
    plan = command(["tj", "safety", "plan", "--journal", "Personal", "--text", "YOUR PLAN"])
    text = output.shown(f"You can make one with your therapist ({plan}).", ticks=False)
    lines = [output.ticked(line) for line in laid_out(text, 40)]
    assert lines == [
        "You can make one with your therapist",
        "  (`tj safety plan --journal Personal --text 'YOUR PLAN'`).",
    ], lines


# --- share again after a member leaves a field-level copy -------------------------------------


async def test_share_again_after_a_leave_of_a_copy_gives_the_same_share_as_printed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The command printed after drsmith left the copy of some fields (`--only`) was `tj share
    Personal drsmith --only mood,tags,scores`: run, it shared read-only, with no end date,
    where ana had given annotate until the end of June; now the same options as the owner's
    signed share held (and the fingerprint, as for a whole journal: nu84 F5)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    end = date(date.today().year + 1, 6, 30).isoformat()
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok(
        "share", "Personal", "drsmith", "--only", "mood,tags,scores", "--role", "annotate",
        "--until", end, "--fingerprint", fingerprint,
    )  # fmt: skip
    await ana.ok("write", "A calm day.", "--mood", "6")
    await drsmith.ok("sync")
    [copy] = await drsmith.json("shared-with-me")
    await drsmith.ok("leave", copy["journal"], "--yes")
    synced = await ana.ok("sync")
    [line] = [
        line for line in unwrapped(synced.stderr).splitlines() if "did not mean to leave" in line
    ]
    found = re.search(r"share again: `tj (share [^`]*)`", line)
    assert found, line
    words = shlex.split(found.group(1))
    assert words == [
        "share", "Personal", "drsmith", "--only", "mood,tags,scores", "--role", "annotate",
        "--until", end, "--fingerprint", fingerprint,
    ], line  # fmt: skip
    again = await ana.tj(*words, input="y\n")  # as printed; it asks of the entry it held
    assert again.exit_code == 0, again.output
    [share] = await ana.json("shares")
    assert share["fields"] == ["mood", "tags", "scores"] and share["role"] == "annotate", share
    assert not share["expired"], share
    expires = datetime.fromisoformat(share["expires_at"]).astimezone()
    assert expires.date().isoformat() > end and (expires.hour, expires.minute) == (0, 0), share


def test_share_again_of_single_items_names_the_fingerprint_in_each_command() -> None:
    """The journal of single items (`tj share-entry`, `tj measure share`): both commands take
    --fingerprint, and give it, so they run as printed on the owner's other devices; that
    journal is always read-only with no end, so no role nor end date is left out."""
    fingerprint = "12345 12345 12345 12345 12345 12345"
    report = SyncReport()
    report.departures.append(
        departures.Departure(
            "drsmith", "Shared with drsmith", "00" * 16, departures.LEFT, 1, items=True,
            items_held=("entry", "measure"), held_role="read", held_fingerprint=fingerprint,
        )
    )  # fmt: skip
    [_, again] = output.departure_lines(report)
    assert output.shown(again).endswith(
        f"share again: `tj share-entry ENTRY_ID drsmith --fingerprint '{fingerprint}'` (an "
        f"entry), `tj measure share RESULT_ID drsmith --fingerprint '{fingerprint}'` (a result)"
    ), again


async def test_new_terms_refused_after_a_leave_print_the_share_again_with_held_and_asked_terms(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj share J M --role read`, given before a sync saw drsmith leave, is refused ("To share
    it with them again: `tj share Personal drsmith --full`"): that command dropped the end
    date ana had given, and the fingerprint. Now it keeps the end date held and the role
    asked for, and runs as printed."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    end = date(date.today().year + 1, 6, 30).isoformat()
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", end,
        "--fingerprint", fingerprint,
    )  # fmt: skip
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")
    refused = await ana.tj("share", "Personal", "drsmith", "--role", "read")
    assert refused.exit_code == 1, refused.output
    found = re.search(r"To share it with them again: `tj (share [^`]*)`$", flat(refused.stderr))
    assert found, refused.stderr
    words = shlex.split(found.group(1))
    assert words == [
        "share", "Personal", "drsmith", "--full", "--until", end, "--fingerprint", fingerprint,
    ], words  # fmt: skip
    await ana.ok(*words, input="")
    [share] = await ana.json("shares")
    assert share["role"] == "read" and not share["expired"], share
    expires = datetime.fromisoformat(share["expires_at"]).astimezone()
    assert expires.date().isoformat() > end and (expires.hour, expires.minute) == (0, 0), share
