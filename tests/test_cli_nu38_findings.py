"""Small CLI problems of the NU38 review: the real `tj` (CliRunner) against a real server on
loopback, real crypto."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from cli import progress
from cli.tables import cut_to
from client_sdk import SyncProgress
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.server.servers import serving
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_limits import RATE, written_past_the_limit
from tests.test_cli_signup_interrupted import NOT_MSGPACK

WIDE = {"COLUMNS": "200"}
ZWJ = "\u200d"
FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇩🇪"
THUMB = "👍🏽"  # a skin-tone modifier after the thumb
HEART = "❤️"  # a variation selector after the heart


async def test_the_sync_bar_shows_percentages_that_agree_with_its_counts_under_the_upload_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NU38 #1: with the server's upload limit holding back part of the changes, the bar read
    "pushed 500/520" beside 98% (half the bar for the push, half for the pull, which had
    ended): every row's percentage is now the share of its own counts."""
    monkeypatch.setattr(progress, "BAR_AFTER_S", 0.0)
    shown: list[tuple[str, float]] = []
    drawn = progress.ProgressBar.__call__

    def recorded(bar: progress.ProgressBar, state: SyncProgress) -> None:
        drawn(bar, state)
        if bar._progress is not None:
            shown.extend((t.description, t.percentage) for t in bar._progress.tasks if t.visible)

    monkeypatch.setattr(progress.ProgressBar, "__call__", recorded)
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        device = await written_past_the_limit(server, tmp_path)
        await device.ok("sync", "--max-wait", "0")
    pushes = [(d, p) for d, p in shown if "pushed" in d]
    assert any(f"pushed {RATE}/{RATE + 20}" in d for d, _ in pushes), shown
    for description, percentage in pushes:
        match = re.search(r"pushed (\d+)/(\d+)", description)
        assert match is not None, description
        assert round(percentage) == round(100 * int(match[1]) / int(match[2])), (
            description,
            percentage,
        )
    assert any(d.startswith("pulled") and p == 100 for d, p in shown), shown


async def test_verifying_a_member_again_says_they_were_already_verified(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU38 #2: a second `tj verify drsmith FP` printed "Verified drsmith's keys" again, as if
    something new had happened."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    first = await ana.ok("verify", "drsmith", fingerprint)
    assert first.stderr.startswith("Verified drsmith's keys")
    again = await ana.ok("verify", "drsmith", fingerprint)
    assert again.stderr.strip() == (
        "drsmith's keys were already verified on this device (they match the fingerprint you "
        "compared): nothing changed."
    )


async def test_a_json_export_says_what_it_holds_and_where(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU38 #3: `tj export` printed only the file's path; it says what was exported on stderr
    now (stdout keeps the path alone, for scripts), as the Markdown export says its files."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "First.")
    trashed = (await ana.ok("write", "Second.")).stdout.strip()
    await ana.ok("delete", trashed, "--yes")
    await ana.ok("goal", "add", "Walk")
    result = await ana.ok("export", "--out", str(tmp_path / "out"))
    path = result.stdout.strip()
    assert Path(path).is_file() and "\n" not in path
    assert result.stderr.strip().splitlines()[-1] == (
        f"Exported 2 entries (1 in the trash) and 1 goal from 1 journal to {path}."
    )


async def test_a_goal_that_reached_its_target_is_not_listed_as_due(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU38 #4: `tj goal list` showed a goal at 100 % as "due DATE" (and, past its target
    date, "overdue"); it is "reached" until marked done."""
    ana = await new_device(live_server, tmp_path, "ana")
    target = (date.today() + timedelta(days=30)).isoformat()
    goal = (
        await ana.ok("goal", "add", "Walk", "--measure", "2 sessions", "--target", target)
    ).stdout.strip()
    await ana.ok("goal", "add", "Read", "--measure", "4 sessions", "--target", target)
    await ana.ok("goal", "checkin", goal, "--progress", "2")
    listed = (await ana.ok("goal", "list", env=WIDE)).stdout.splitlines()
    rows = {
        title: next(line for line in listed if f" {title} " in line) for title in ("Walk", "Read")
    }
    assert rows["Walk"].rstrip().endswith(" reached"), rows["Walk"]
    assert "due" not in rows["Walk"]
    assert rows["Read"].rstrip().endswith(f"due {target}")  # not reached: due as before
    shown = (await ana.ok("goal", "show", goal[:6])).stdout
    assert f"status:   reached: `tj goal done {goal[:12]}` marks it done" in shown
    insights = (await ana.ok("insights", env=WIDE)).stdout.splitlines()
    assert "reached" in next(line for line in insights if " Walk " in line)


async def test_login_whose_first_sync_fails_says_so_and_exits_with_its_own_status(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU38 #5: `tj login` exited 0 when its first sync failed. The login stands (the device
    is signed in, its keys stored): exit status 6, not 1, and one line saying what to run."""
    await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", hostile.url)
    hostile.replies["/v1/sync"] = lambda request, reply: NOT_MSGPACK
    result = await phone.tj("login", hostile.url, "ana", "--device-name", "phone")
    assert result.exit_code == 6, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Signed in as ana on this device, but the first sync failed: ")
    assert last.endswith(
        f"your journals are not on this device yet: run `{phone.command} sync`."
    ), last
    del hostile.replies["/v1/sync"]
    assert (await phone.json("whoami"))["username"] == "ana"  # signed in, as said
    await phone.ok("sync")


def test_an_excerpt_is_cut_by_terminal_cells_never_inside_a_grapheme_cluster() -> None:
    """NU38 #6: excerpts were cut by code points: Chinese text took twice its width, and an
    emoji sequence could be cut after its joiner, modifier or half of a flag."""
    chinese = "我今天很累但是治疗很有帮助" * 10
    cut = cut_to(chinese, 21)
    assert cell_len(cut) <= 21 and cut.endswith("…")
    for emoji in (FAMILY, FLAG, THUMB, HEART):
        for width in range(2, 12):
            for lead in ("", "a"):
                cut = cut_to(lead + emoji * 10, width)
                assert cell_len(cut) <= width, (emoji, width)
                kept = cut.removesuffix("…").removeprefix(lead)
                assert kept == emoji * (len(kept) // len(emoji)), (emoji, width, kept)


async def test_tj_list_and_tj_delete_cut_excerpts_by_cells_and_whole_emoji(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    chinese = (await ana.ok("write", "我今天很累但是治疗很有帮助" * 10)).stdout.strip()
    await ana.ok("write", "x" + FAMILY * 60)
    await ana.ok("write", "x" + FLAG * 90)
    listed = (await ana.ok("list", env={"COLUMNS": "61"})).stdout
    for line in listed.splitlines():
        assert cell_len(line) <= 61, line
        assert f"{ZWJ}…" not in line, line
        flags = re.search("x([\U0001f1e6-\U0001f1ff]+)…", line)
        assert flags is None or len(flags[1]) % 2 == 0, line
    asked = (await ana.tj("delete", chinese, input="n\n")).stderr
    quotes = re.findall("'(.*?)'", asked)  # asked, then said not done
    assert quotes and all(cell_len(q) <= 60 and q.endswith("…") for q in quotes), quotes
