"""The programs in examples/ run, as an app developer would run them, against a real server:
a client's mood of the week (online, then offline), and a therapist's overview of every
journal shared with them."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client
from tests.conftest import ClientFactory, RunningServer

ROOT = Path(__file__).resolve().parents[2]
HANG = 120.0  # bounds a hang only


async def run_example(name: str, *args: str) -> str:
    """Run examples/<name>.py with this checkout on the path; its stdout (exit status 0)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "examples" / f"{name}.py"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 0, stderr.decode()[-3000:]
    return stdout.decode()


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12)).astimezone()


async def test_mood_of_the_week_charts_each_day_online_and_offline(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    today = date.today()
    laptop = await signup("ana")
    for days_ago, mood in [(1, 4), (1, 6), (3, 8), (10, 1)]:
        await laptop.entries.write(
            None, "A day.", mood=mood, created_at=noon(today - timedelta(days_ago))
        )
    await laptop.entries.write(None, "No mood today.")
    await laptop.sync()
    await laptop.close()

    lines = (await run_example("mood_of_the_week", "--home", str(laptop.home))).splitlines()
    day = [today - timedelta(days=6 - n) for n in range(7)]
    assert lines[0] == f"{day[0]:%a %Y-%m-%d}  ·           -"
    assert (
        lines[day.index(today - timedelta(1))]
        == f"{today - timedelta(1):%a %Y-%m-%d}  █████       5.0"
    )
    assert (
        lines[day.index(today - timedelta(3))]
        == f"{today - timedelta(3):%a %Y-%m-%d}  ████████    8.0"
    )
    assert lines[-1] == "week: 3 moods, average 6.0"
    assert len(lines) == 8

    await live_server.server.close()  # offline: the same chart, from the device alone
    offline = (await run_example("mood_of_the_week", "--home", str(laptop.home))).splitlines()
    assert offline[0] == "(offline: from what this device holds)"
    assert offline[1:] == lines


async def test_the_therapist_overview_covers_every_shared_journal_online_and_offline(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    ben = await signup("ben")
    tom = await signup("tom")
    yesterday = noon(date.today() - timedelta(days=1))
    await ana.entries.write(None, "Slept badly.", title="Rough night", mood=3, created_at=yesterday)
    walk = await ana.entries.write(None, "Better.", title="A walk", mood=7)
    taken = await ana.measures.take("phq9", [1, 1, 1, 1, 1, 0, 0, 0, 0])
    await ana.shares.grant("Personal", "tom", fingerprint=await tom.shares.fingerprint(), full=True)
    await ben.journals.create("Sleep")
    await ben.entries.write("Sleep", "Eight hours.", mood=8, created_at=noon(date(2020, 1, 1)))
    await ben.shares.grant("Sleep", "tom", role="annotate", trust_on_first_use=True, full=True)
    await tom.shares.verify("ben", await ben.shares.fingerprint())
    for client in (ana, ben):
        await client.sync()
    for client in (ana, ben, tom):
        await client.close()

    text = await run_example("therapist_overview", "--home", str(tom.home), "--days", "14")
    result = taken.result
    expected = [
        "ana/Personal (read)  [fingerprint not compared]",
        "  last 14 days: 2 entries, average mood 5.0",
        f"  latest entry: {walk.local_created_at:%Y-%m-%d} A walk",  # its day, as written
        f"  {result.name}: {result.score} ({result.band_label}), "
        f"{result.taken_at.astimezone():%Y-%m-%d}",
        "ben/Sleep (annotate)",
        "  last 14 days: 0 entries, average mood -",
        "  latest entry: 2020-01-01 Eight hours.",
    ]
    assert text.splitlines() == expected

    await live_server.server.close()  # offline: the same overview, from the device alone
    offline = await run_example("therapist_overview", "--home", str(tom.home), "--days", "14")
    assert offline.splitlines() == ["(offline: from what this device holds)", *expected]


async def test_the_therapist_overview_counts_what_a_copy_repeats_once_as_the_cli_does(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """NU25 C9: a client who shares a journal whole and as an `--only` copy had each entry
    and PHQ-9 counted twice (under both journals), while the README says the CLI counts them
    once; and an untitled entry's "latest entry: 2026-12-02 " ended with a blank."""
    ana = await signup("ana")
    tom = await signup("tom")
    code = await tom.shares.fingerprint()
    await ana.shares.grant("Personal", "tom", fingerprint=code, full=True)
    await ana.shares.grant("Personal", "tom", only=["mood", "scores"])
    await ana.shares.grant("Personal", "tom", full=True)
    await ana.entries.write(None, "A long walk.", title="Walk", mood=7)
    alone = await ana.entries.write(None, "", mood=4)  # a mood alone: no title, no text
    taken = await ana.measures.take("phq9", [2, 2, 2, 2, 1, 1, 1, 1, 0])
    await ana.sync()
    for client in (ana, tom):
        await client.close()

    text = await run_example("therapist_overview", "--home", str(tom.home), "--days", "14")
    result = taken.result
    today = f"{alone.local_created_at:%Y-%m-%d}"  # its day, as written
    assert text.splitlines() == [
        "ana/Personal (read)  [fingerprint not compared]",
        "  last 14 days: 2 entries, average mood 5.5",
        f"  latest entry: {today} (mood 4/10)",
        f"  PHQ-9: {result.score} ({result.band_label}), {result.taken_at.astimezone():%Y-%m-%d}",
        "ana/Personal (mood, scores) for tom (read)  [fingerprint not compared]",
        "  last 14 days: 0 entries, average mood -",
        "  (all it copies is counted in another journal of ana's)",
    ]
    assert not any(line.endswith(" ") for line in text.splitlines())


async def test_the_therapist_overview_words_an_ended_share_as_tj_shared_with_me_does(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """NU32 #6: for a share its owner ended, the overview said "ana/Personal (revoked)" while
    `tj shared-with-me` said "no longer served (read-only copy)". The device cannot know the
    owner ended it, only that the server no longer serves it: both now print the SDK's words
    (`Journal.access`, `SharedJournal.access`), and the sync's notice quotes the journal."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write(None, "Before the end.", title="Last one", mood=5)
    await ana.shares.grant("Personal", "tom", fingerprint=await tom.shares.fingerprint(), full=True)
    await ana.sync()
    await tom.sync()
    await ana.shares.revoke("Personal", "tom")
    report = await tom.sync()
    [told] = report.departures
    assert told.describe().startswith("the server no longer serves ana's 'Personal' to you (")
    [shared] = await tom.shares.with_me()
    [journal] = [j for j in await tom.journals.list() if j.owner == "ana"]
    assert shared.access == journal.access == "no longer served (read-only copy)"
    for client in (ana, tom):
        await client.close()

    text = await run_example("therapist_overview", "--home", str(tom.home), "--days", "14")
    lines = text.splitlines()
    assert lines[0] == "ana/Personal: no longer served (read-only copy)  [fingerprint not compared]"
    assert lines[1] == "  last 14 days: 1 entry, average mood 5.0"
    assert "revoked" not in text


async def test_the_therapist_overview_is_in_name_order_and_never_silent_on_item_9(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A new user's review: clients of ended shares came after the others although the
    docstring says name order; a GAD-7 band read "(severe)" beside "(Mild)"; nothing said
    of an item 9 above 0 with its flag unacknowledged, nor of a PHQ-9 shared without its
    answers."""
    ana = await signup("ana")
    carla = await signup("carla")
    bea = await signup("bea")
    tom = await signup("tom")
    code = await tom.shares.fingerprint()
    await ana.shares.grant("Personal", "tom", fingerprint=code, full=True, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    flagged = await ana.measures.take("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2])
    await ana.safety.respond(flagged.result)
    anxious = await ana.measures.take("gad7", [3, 3, 3, 3, 3, 3, 1])
    await carla.shares.grant("Personal", "tom", fingerprint=code, only=["mood", "scores"])
    unknown = await carla.measures.take("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 3])
    await bea.shares.grant("Personal", "tom", fingerprint=code, full=True)
    await bea.entries.write(None, "Before the end.", mood=5)
    for client in (ana, carla, bea):
        await client.sync()
    await tom.sync()
    await bea.shares.revoke("Personal", "tom")  # ended: listed last by journals.list()
    await tom.sync()
    for client in (ana, carla, bea, tom):
        await client.close()

    text = await run_example("therapist_overview", "--home", str(tom.home), "--days", "14")
    lines = text.splitlines()
    heads = [line for line in lines if not line.startswith(" ")]
    assert [h.split("/")[0] for h in heads] == ["ana", "bea", "carla"], text
    flag_line = lines[lines.index(heads[0]) + 1]
    assert flag_line.startswith("  SAFETY FLAG not acknowledged (1): item 9 answered 2, "), text
    day = f"{flagged.result.taken_at.astimezone():%Y-%m-%d}"
    assert f"  PHQ-9: 2 (None-minimal), {day}; item 9 answered above 0" in lines, text
    assert f"  GAD-7: {anxious.result.score} (Severe), {day}" in lines, text
    said = f"  PHQ-9: 3 (None-minimal), {day}; item 9 not shared"
    assert said in lines and unknown.result.safety_concern, text
    meaning = lines[lines.index(said) + 1]
    assert meaning.startswith("    item 9 not shared: the score comes without the answers, so "), (
        text
    )
    assert "whether item 9 was answered above 0 is not known to you, whatever the total" in text


def readme_sdk_program() -> str:
    """The Python block of the README's "Embedding the SDK" section."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Embedding the SDK") :]
    return section[section.index("```python\n") + len("```python\n") : section.index("\n```\n")]


async def test_the_readme_sdk_program_runs_against_a_real_server(
    live_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_sdk_program(), "README.md", "exec"), namespace)
    await asyncio.wait_for(namespace["main"](live_server.url, tmp_path), HANG)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("store this recovery key: ")
    yesterday = (datetime.now().astimezone() - timedelta(days=1)).date()
    assert printed[1] == f"['Slept badly.'] {yesterday}"
    assert printed[-1] == "arrived: A long walk." or printed[-1] == "arrived: Slept badly."
    # NU32 #8: each device named, so `tj devices` tells them apart (not the host's name twice)
    async with await Client.open(tmp_path / "laptop") as laptop:
        devices = await laptop.devices.list()
    assert sorted(d.name for d in devices) == ["laptop", "phone"]


async def test_the_readme_sdk_program_run_as_a_script_takes_the_server_from_tj_server(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU32 #8: the program hardcoded http://127.0.0.1:8765 while the quick start invites
    another port (`PORT=18931 bash .ci/serve`). Run as a script, it signs up on the server
    TJ_SERVER names, its devices named "laptop" and "phone"."""
    script = tmp_path / "app.py"
    script.write_text(readme_sdk_program())
    scratch = tmp_path / "scratch"  # where the program's tempfile.mkdtemp() makes its homes
    scratch.mkdir()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TJ_SERVER": live_server.url,
        "TMPDIR": str(scratch),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
        cwd=tmp_path,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 0, stderr.decode()[-3000:]
    printed = stdout.decode().splitlines()
    assert printed[0].startswith("store this recovery key: ")
    assert printed[-1].startswith("arrived: ")
    [(username,)] = await live_server.rows("SELECT username FROM accounts")
    assert username.startswith("ana-")
    named = await live_server.rows(
        "SELECT d.name FROM devices d JOIN accounts a ON a.account_id = d.account_id "
        "WHERE a.username = ? ORDER BY d.name",
        username,
    )
    assert named == [("laptop",), ("phone",)]


@pytest.mark.parametrize("name", ["mood_of_the_week", "therapist_overview"])
async def test_an_example_on_a_profile_with_no_account_says_so_in_one_line(
    name: str, tmp_path: Path
) -> None:
    """NU18 finding B2: the examples' --home defaults to tj's profile; a profile with no
    account is one line on stderr (no traceback) and exit status 1."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TJ_HOME": str(tmp_path / "none")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "examples" / f"{name}.py"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 1 and stdout == b""
    assert stderr.decode().splitlines() == [
        f"{name}.py: no account on this device ({tmp_path / 'none'}): sign up or log in first"
    ]
