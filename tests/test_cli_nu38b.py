"""NU38 (a new user's re-check) findings N2, N3, N8 and N9, each with the commands that
showed it (real server on loopback, CliRunner, real crypto); N6 is in
tests/client/test_sync_requests.py, N8's note and goal wordings in
tests/test_cli_note_withdraw.py and tests/test_cli_journal_features.py:

- N2: the questionnaire as it is taken (its questions, answer scales and the safety
  message) and `tj brief` fit the terminal's width, their words unchanged;
- N3: malformed ids and refused values of `tj goal`, `tj discuss`, `tj measure` and `tj
  homework` exit 2, and `tj goal checkin --help` shows --progress's upper bound;
- N8: `tj sync` whose changes all wait for the upload limit says so, not "nothing new";
- N9: `tj lock` given the passphrase it already has says that nothing changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk.goals import MAX_SESSIONS
from client_sdk.scoring import instrument
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.server.servers import serving
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device
from tests.test_cli_limits import RATE, written_past_the_limit

TOFU = "--trust-on-first-use"
LONG_NAME = "Evenings after the long walks by the river with the dog in the rain"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("width", [80, 120])
async def test_the_questionnaire_and_its_safety_message_fit_the_terminal_unchanged(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    safety = (await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1"))[
        "safety_message"
    ]["lines"]
    assert max(map(len, safety)) > 120  # the lines that were too wide
    env = {"COLUMNS": str(width)}
    taken = await ana.ok("measure", "take", "phq9", input="1\n2\n0\n3\n1\n0\n2\n1\n1\n2\n", env=env)
    lines = taken.stderr.splitlines()
    assert all(len(line) <= width for line in lines), taken.stderr
    told = flat(taken.stderr)
    phq9 = instrument("phq9")
    for text in [phq9.stem, *phq9.items, *safety]:  # every word, as its source has it
        assert flat(text) in told, text
    for option in phq9.options:  # an answer scale breaks between options only
        assert any(f"{option.value} = {option.label}" in line for line in lines), option
    item8 = [n for n, line in enumerate(lines) if line.startswith("8. ")][0]
    assert lines[item8 + 1].startswith("   ") and lines[item8 + 1].strip()  # under its text


async def test_a_brief_fits_the_terminal(live_server: RunningServer, tmp_path: Path) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    for n in range(3):
        await ana.ok("journal", "create", f"{LONG_NAME} {n}")
        await ana.ok("write", "--journal", f"{LONG_NAME} {n}", "--mood", "5", "A day.")
    chosen = [part for n in range(3) for part in ("--journal", f"{LONG_NAME} {n}")]
    brief = await ana.tj("brief", "drsmith", *chosen, TOFU, input="n\n", env={"COLUMNS": "80"})
    assert brief.exit_code == 0, brief.output
    assert all(len(line) <= 80 for line in brief.stdout.splitlines()), brief.stdout
    covers = [line for line in brief.stdout.splitlines() if line.startswith("Covers: ")]
    assert len(covers) == 1  # its later lines under its value, not at column 0 as a label
    for n in range(3):
        assert f"'{LONG_NAME} {n}'" in flat(brief.stdout)


async def test_malformed_ids_and_refused_values_exit_2(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    for args in (
        ("goal", "show", "zzzz"),
        ("goal", "checkin", "zzzz"),
        ("goal", "undo", "zzzz", "--yes"),
        ("goal", "delete", "zzzz", "--yes"),
        ("goal", "edit", "zzzz", "--title", "x"),
    ):
        said = failed_with_one_line(await ana.tj(*args), 2)
        assert said == (  # the command listing the ids named (nu85 F1)
            "Error: 'zzzz' is not a goal id (4 to 32 hex digits): `tj goal list` shows the ids"
        ), args
    assert "not an entry or note id" in failed_with_one_line(await ana.tj("discuss", "zzzz"), 2)
    for args in (("measure", "show", "zzzz"), ("measure", "share", "zzzz", "drsmith")):
        assert "not a questionnaire result id" in failed_with_one_line(await ana.tj(*args), 2)
    homework = await ana.tj("homework", "show", "zzzz")
    assert "not a homework id" in failed_with_one_line(homework, 2)
    unknown = failed_with_one_line(await ana.tj("measure", "take", "nosuch"), 2)
    assert "unknown measure 'nosuch'" in unknown
    books = await ana.tj("goal", "add", "Read 3 books", "--measure", "3 books")
    assert "a goal's measure is" in failed_with_one_line(books, 2)
    over = failed_with_one_line(await ana.tj("goal", "checkin", goal[:8], "--progress", "1002"), 2)
    assert "1002 is not a whole number from 0 to 1000" in over
    percent = (await ana.ok("goal", "add", "Read", "--measure", "percent")).stdout.strip()
    above = await ana.tj("goal", "checkin", percent[:8], "--progress", "101")
    assert "percentage from 0 to 100" in failed_with_one_line(above, 2)
    [walk, read] = sorted(await ana.json("goal", "list"), key=lambda g: g["title"] != "Walk")
    assert walk["checkins"] == [] and read["checkins"] == []  # nothing saved
    helped = flat((await ana.ok("goal", "checkin", "--help")).stdout)
    assert "0<=x<=1000" in helped
    from cli.goals import MAX_PROGRESS  # the bound the help shows is the SDK's

    assert MAX_PROGRESS == MAX_SESSIONS


async def test_a_sync_whose_changes_all_wait_for_the_upload_limit_says_so(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        device = await written_past_the_limit(server, tmp_path)
        await device.ok("sync", "--max-wait", "0")  # 500 sent, 20 wait
        held = await device.ok("sync", "--max-wait", "0")
        assert held.stdout.strip() == "nothing sent yet: 20 changes wait for the upload limit"
        assert "20 changes are waiting" in unwrapped(held.stderr)
        report = json.loads((await device.ok("sync", "--max-wait", "0", "--json")).stdout)
        assert (report["pushed"], report["upload_limit"]["waiting"]) == (0, 20)  # --json same
        server.clock.now += 60_000
        assert (await device.ok("sync")).stdout.strip() == "sent 20 changes"


async def test_lock_with_the_same_passphrase_says_nothing_changed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("lock", env={"TJ_NEW_PASSPHRASE": "p1 p2 p3 p4 z"})
    same = {"TJ_NEW_PASSPHRASE": "p1 p2 p3 p4 z", "TJ_PASSPHRASE": "p1 p2 p3 p4 z"}
    again = await ana.ok("lock", env=same)
    assert flat(again.stderr) == "That is already this device's passphrase; nothing changed."
    wrong = await ana.tj("lock", env={**same, "TJ_PASSPHRASE": "not it at all"})
    assert "wrong passphrase" in failed_with_one_line(wrong)  # checked, not taken as "same"
    changed = await ana.ok("lock", env={**same, "TJ_NEW_PASSPHRASE": "another one x"})
    assert "Changed this device's passphrase" in changed.stderr
    await ana.ok("unlock", env={"TJ_PASSPHRASE": "another one x"})
