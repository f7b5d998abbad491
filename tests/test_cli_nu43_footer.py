"""NU43 #7, #11, #19: a therapist with many clients at 80 columns, through the CLI (real
server on loopback, real crypto): one line for every client whose fingerprint was never
compared, the safety lines first below the caseload; `tj shared-with-me` by client;
`tj measure list --journal` as a trend, with each result's change."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli import Device
from tests.test_cli_insights import new_device

NARROW = {"COLUMNS": "80"}
CLIENTS = ("ana", "ben", "cyd", "dev", "eve", "fay", "gus", "zed")
FLAG_ANSWERS = "1,1,1,1,1,1,1,1,1"  # PHQ-9 item 9 answered 1: a safety flag, opted in


async def clients_sharing(server: RunningServer, tmp_path: Path, names: tuple[str, ...]) -> None:
    """Each of `names` signs up, writes an entry and shares Personal with drsmith, trusting
    drsmith's keys on first use (drsmith never compares theirs)."""
    for name in names:
        client = await new_device(server, tmp_path, name)
        await client.ok("write", "--mood", "6", f"{name}'s first entry.")
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")


async def raises_safety_flag(device: Device, *share: str) -> None:
    """The client opts drsmith in to safety flags (with `share`'s options too), then answers
    PHQ-9 item 9 above 0."""
    await device.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", *share)
    await device.ok("measure", "take", "phq9", "--answers", FLAG_ANSWERS)


async def test_caseload_of_many_unverified_clients_says_so_once_after_the_safety_lines(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #7: with eleven clients never verified, the caseload printed a wrapped warning
    before its table and a "NAME (?): fingerprint not verified" line each below it, burying
    "ana: safety flag (1 unacknowledged)". Now: no line each, one warning after the flags'
    lines naming six clients and counting the rest, and the safety lines first (zed's "share
    ends" line came between two safety flags)."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await clients_sharing(live_server, tmp_path, CLIENTS)
    ben = Device(tmp_path / "ben", live_server.url)
    zed = Device(tmp_path / "zed", live_server.url)
    await raises_safety_flag(ben)
    await raises_safety_flag(zed, "--until", "tomorrow")  # later: zed's row first
    await drsmith.ok("sync")  # its notices said

    shown = await drsmith.ok("caseload", env=NARROW)
    table = shown.stdout.split("\n\n")[0]
    named = column(table, "client")
    assert named[:2] == ["zed (?)", "ben (?)"], table  # the safety flags, the latest first
    assert sorted(named) == sorted(f"{name} (?)" for name in CLIENTS), table
    below = shown.stdout[len(table) :].strip().splitlines()
    assert below[:3] == [
        "zed: safety flag (1 unacknowledged)",
        "ben: safety flag (1 unacknowledged)",
        below[2],
    ], below
    assert below[2].startswith("zed: share ends ") and below[2].endswith(": zed/Personal")
    assert "fingerprint not verified" not in shown.stdout
    warned = " ".join(shown.stderr.split())
    assert warned == (
        "Warning: 8 clients' fingerprints not compared (?): ana, ben, cyd, dev, eve, fay and "
        "2 more, so the server could have made up their journals: in session, ask each to "
        "read out `BARE tj fingerprint`, then run `tj verify NAME FINGERPRINT`."
    ), shown.stderr
    assert all(len(line) <= 80 for line in shown.stderr.splitlines()), shown.stderr
    # said after the safety lines, where a reader of the terminal meets it
    output = shown.output
    assert output.index("ben: safety flag") < output.index("Warning: 8 clients'"), output

    rows = await drsmith.json("caseload")  # every client's flag, in full
    assert all("fingerprint not verified" in row["flags"] for row in rows), rows
    assert len(rows) == len(CLIENTS)


async def test_caseload_of_one_unverified_client_explains_the_mark_in_one_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The caseload's "(?)" is said in the same one line for one client, not as a flag's
    line ("ana (?): fingerprint not verified") among the safety lines."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await clients_sharing(live_server, tmp_path, ("ana",))
    await raises_safety_flag(Device(tmp_path / "ana", live_server.url))
    await drsmith.ok("sync")  # its notices said
    shown = await drsmith.ok("caseload", env=NARROW)
    assert shown.stdout.strip().splitlines()[-1] == "ana: safety flag (1 unacknowledged)"
    assert " ".join(shown.stderr.split()) == (
        "Warning: ana's fingerprint not compared (?), so the server could have made up ana's "
        "journals: in session, ask ana to read out `BARE tj fingerprint`, then run `tj verify ana "
        "FINGERPRINT`."
    ), shown.stderr


async def test_shared_with_me_lists_by_client_then_journal_marked_when_not_compared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #11: whole journals and copies of some fields, by client then journal, the
    JSON in the same order; NU43 #7: "(fingerprint not verified)" took each row's second
    line at 80 columns: the owner is marked "(?)", said once below the table."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    zoe = await new_device(live_server, tmp_path, "zoe")
    carla = await new_device(live_server, tmp_path, "carla")
    ben = await new_device(live_server, tmp_path, "ben")
    await zoe.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await carla.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await carla.ok("journal", "create", "Alpha")
    await carla.ok("share", "Alpha", "drsmith")
    await ben.ok("journal", "create", "Work")
    await ben.ok("share", "Work", "drsmith", "--trust-on-first-use")
    await ben.ok("share", "Personal", "drsmith", "--only", "mood,tags")
    expected = [
        "ben/Personal (mood, tags) for drsmith",
        "ben/Work",
        "carla/Alpha",
        "carla/Personal",
        "zoe/Personal",
    ]

    listed = await drsmith.json("shared-with-me")
    assert [row["journal"] for row in listed] == expected, listed
    assert not any(row["owner_verified"] for row in listed)
    shown = await drsmith.ok("shared-with-me", env=NARROW)
    # the journal names its owner, marked when not compared: no owner column (NU47 #14)
    assert column(shown.stdout, "journal") == [f"{name} (?)" for name in expected], shown.stdout
    assert len(shown.stdout.strip().splitlines()) == 2 + len(expected), shown.stdout  # a line each
    assert " ".join(shown.stderr.split()).endswith(
        "Warning: 3 accounts' fingerprints not compared (?): ben, carla and zoe, so the server "
        "could have made up their journals: in session, ask each to read out `BARE tj "
        "fingerprint`, then run `tj verify NAME FINGERPRINT`."
    ), shown.stderr

    for client in (ben, carla):  # compared in session: no mark
        fingerprint = (await client.ok("fingerprint")).stdout.strip()
        await drsmith.ok("verify", client.signup["username"], fingerprint)
    shown = await drsmith.ok("shared-with-me", env=NARROW)
    assert column(shown.stdout, "journal") == [*expected[:4], "zoe/Personal (?)"]
    assert "Warning: zoe's fingerprint not compared (?)" in " ".join(shown.stderr.split())


async def test_measure_list_of_one_journal_shows_each_change_and_no_journal_column(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #19: `tj measure list --journal ana` at 80 columns split "ana/" and "Personal"
    on every row, a column that named the one journal asked for, and had no change: each
    result's change from the one before of its measure in that journal, a plain difference
    (REV-CLIN F1: no "retake" mark); `--json` carries it, and the change since the first
    with reliable change, as `tj measure show --json` does."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await clients_sharing(live_server, tmp_path, ("ana",))
    ana = Device(tmp_path / "ana", live_server.url)
    taken = [  # (measure, answers, date): PHQ-9 9, 15, 13 (5 days later); GAD-7 5
        ("phq9", "1,1,1,1,1,1,1,1,1", "2026-10-01"),
        ("gad7", "1,1,1,1,1,0,0", "2026-10-02"),
        ("phq9", "2,2,2,2,2,2,1,1,1", "2026-10-20"),
        ("phq9", "2,2,2,2,1,1,1,1,1", "2026-10-25"),
    ]
    for measure, answers, day in taken:
        await ana.ok("measure", "take", measure, "--answers", answers, "--date", f"{day} 09:00")

    shown = await drsmith.ok("measure", "list", "--journal", "ana/Personal", env=NARROW)
    table = shown.stdout
    header = table.splitlines()[0].split()
    assert header == ["id", "date", "measure", "score", "change", "band"], table
    assert column(table, "score") == ["13", "15", "5", "9"], table
    assert column(table, "change") == ["-2", "+6", "", ""], table
    assert "ana/" not in table and "retake" not in table

    listed = await drsmith.json("measure", "list", "--journal", "ana/Personal")
    changes = [row["change"] for row in listed]
    assert [c and (c["earlier"], c["later"], c["difference"]) for c in changes] == [
        (15, 13, -2),
        (9, 15, 6),
        None,
        None,
    ], changes
    assert "reliable" not in listed[1]["change"]  # a plain difference (REV-CLIN F1)
    courses = [row["since_baseline"] for row in listed]  # from the first PHQ-9, 9
    assert [c and (c["earlier"], c["later"], c["reliable"]) for c in courses] == [
        (9, 13, "no reliable change"),
        (9, 15, "reliable deterioration"),
        None,
        None,
    ], courses
    # every journal: the journal column is there; at 80 columns the change goes below its
    # row before the band does (cli/measures.CHANGE: minor)
    every = (await drsmith.ok("measure", "list", env=NARROW)).stdout
    assert every.splitlines()[0].split() == ["id", "date", "measure", "journal", "score", "band"]
    assert below(every, "change") == ["-2", "+6"], every
    wide = (await drsmith.ok("measure", "list", env={"COLUMNS": "120"})).stdout
    assert column(wide, "change") == ["-2", "+6", "", ""], wide
