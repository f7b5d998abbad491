"""nu78 F5: lines printed on one line of 83 to 300 characters beside notices wrapped to the
terminal: the footer of `tj safety flags` (results whose item 9 was answered above 0 with no
flag for the reader), `tj due`'s "To do each:" and the "Safety: ... has now left this device"
notice of the sync that sends a flag. Each is now wrapped at the terminal's width, a command
kept whole (on a line of its own when longer than a line).

A real server on loopback, real crypto, CliRunner devices; COLUMNS sets the width.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
WIDTH = 60
NARROW: dict[str, str | None] = {"COLUMNS": str(WIDTH)}
SPAN = re.compile(r"`[^`]*`")


def flat(text: str) -> str:
    return " ".join(text.split())


def too_long(printed: str) -> list[str]:
    """The lines of `printed` longer than WIDTH, but a command span alone on its line (a
    command is never broken: one longer than a line stands alone)."""
    return [
        line
        for line in printed.splitlines()
        if len(line) > WIDTH and not SPAN.fullmatch(line.strip().rstrip(".;"))
    ]


async def test_safety_flags_footer_is_wrapped_to_the_terminal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await ben.ok("measure", "take", "phq9", "--answers", "0,1,0,1,0,0,0,0,3")
    [result] = await ben.json("measure", "list")
    await drsmith.ok("sync")
    shown = await drsmith.ok("safety", "flags", env=NARROW)
    assert too_long(shown.raw_stdout) == [], shown.raw_stdout
    said = flat(shown.stdout)
    assert (
        "Item 9 answered above 0, in results you can read, with no safety flag for you here:"
        in said
    ), said
    assert f"item 9 answered 3 (Nearly every day): `tj measure show {result['id'][:12]}`" in said
    # the listed result keeps its indent, its later lines under it
    listed = [line for line in shown.stdout.splitlines() if "ben/Personal: PHQ-9" in line]
    assert [line[:4] for line in listed] == ["  be"], shown.stdout


async def test_due_to_do_line_is_wrapped_to_the_terminal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await drlee.ok("sync")
    await drlee.ok("assign", "ana", "measure", "gad7")
    await drlee.ok("assign", "ana", "measure", "phq9")
    due = await ana.ok("due", env=NARROW)
    assert too_long(due.raw_stderr) == [], due.raw_stderr
    said = flat(due.stderr)
    assert "To do each: " in said and "`tj measure take gad7`" in said, said
    assert "`tj measure take phq9`." in said, said


async def test_flag_sent_notice_is_wrapped_to_the_terminal(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    await laptop.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await outage.end()
    written = await laptop.ok("write", "After the outage", env=NARROW)
    assert too_long(written.raw_stderr) == [], written.raw_stderr
    said = flat(written.stderr)
    assert "has now left this device: the server acknowledged it, so drsmith can get it" in said
    assert "(sent, not seen: `tj safety flags` says when they acknowledge it)." in said, said
