"""The local time a `tj` notice shows (`cli.output.departure_time`), as a test matches it.

A notice gives the time of what it tells in the user's local time: "(18:47)" when that is
today, else "(2026-12-01 18:47)". Which of the two a run prints depends on the wall clock: a
share that ended at 23:59 is told "(2026-12-01 23:59)" by a sync a minute later, after
midnight. A test that expects only "(HH:MM)" fails on a run that crosses midnight; these
helpers match the whole form the product prints, and nothing else ("(an unknown time)" is not
a time)."""

from __future__ import annotations

import re

NOTICE_TIME = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d"
"""A regular expression for the time in a notice: "18:47" or "2026-12-01 18:47"."""

MARK = "(HH:MM)"


def timeless(text: str, mark: str = MARK) -> str:
    """`text` with each notice time in parentheses, "(18:47)" or "(2026-12-01 18:47)",
    written `mark`."""
    return re.sub(rf"\({NOTICE_TIME}\)", lambda _: mark, text)


def same_moment(first: str, second: str) -> bool:
    """Whether two notice times, each as printed ("18:47" or "2026-12-01 18:47"), can be the
    same moment: the same clock time, and the same date when both show one (a notice printed
    after midnight shows the date that the one printed before it left out). Raises
    ValueError when either is not a notice time."""
    for shown in (first, second):
        if not re.fullmatch(NOTICE_TIME, shown):
            raise ValueError(f"not a notice time: {shown!r}")
    if len(first) == len(second):
        return first == second
    return first[-5:] == second[-5:]


def unwrapped(text: str) -> str:
    """`text` (a command's stderr) with each message wrapped at the terminal's width under
    its label (`cli.output.fields_text`: "Notice: ..." then lines indented under its value,
    NU47 #14) on one line again, as it was said: a line that starts with a space joins the
    one before it, with one space."""
    return re.sub(r"\n +", " ", text)
