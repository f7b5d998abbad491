"""A command to copy in a long message is in backticks, so wrapping never breaks it (NU49
F1's rule, for the messages NU50 F5 made wrap): `tj share`'s "Safety flags: off ..." note
printed "tj share 'Evening thoughts' drsmith --role annotate --safety-flags" bare, and at 80
columns it was broken across two lines, so pasting it failed.

Real server on loopback, real crypto."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device

NARROW = {"COLUMNS": "80"}

WHOLE_COMMAND = re.compile(r" *\(?`[^`]+`\)?[.;,]?")
"""A line that holds only a command in backticks (and what is glued to it): one longer than
the room under its label has a line of its own, whole (`cli.output.wrapped`)."""


def fits(line: str, width: int = 80) -> bool:
    """Whether a printed line fits `width`, or is a whole command too long to fit."""
    return len(line) <= width or WHOLE_COMMAND.fullmatch(line) is not None


async def test_the_safety_flags_note_keeps_its_share_command_on_one_line_at_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Evening thoughts")
    shared = await ana.ok(
        "share", "Evening thoughts", "drsmith", "--role", "annotate", "--trust-on-first-use",
        env=NARROW,
    )  # fmt: skip
    command = "`tj share 'Evening thoughts' drsmith --role annotate --safety-flags`"
    lines = shared.stderr.splitlines()
    assert [line.strip() for line in lines if command in line] == [command], shared.stderr
    # as laid out: another person's command printed bare (`seen` marks it BARE)
    assert all(fits(line.replace("`BARE tj ", "`tj ")) for line in lines), shared.stderr
    assert (  # the same words, the command in backticks
        "Safety flags: off for drsmith. When a PHQ-9 item 9 is answered above 0 in 'Evening "
        "thoughts', no safety flag is made for them under this share (you have not chosen "
        f"to send them flags). To send them safety flags: {command}"
    ) in unwrapped(shared.stderr).splitlines()
