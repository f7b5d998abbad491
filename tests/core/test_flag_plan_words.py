"""The sync's words about a safety flag it tells (`output.settled_lines`) name where the
client's safety plan is: `tj safety plan` with one journal of their own, the flag's journal
and its `--journal` words with more (`SyncReport.journals_owned`, fix31c 5). Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cli import output
from client_sdk.safety import UndeliveredFlag
from client_sdk.sync import SyncReport

AT = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
FLAG = UndeliveredFlag(
    "Work", ("drsmith",), "ab" * 16, "cd" * 16, "phq9", AT, AT, journal_id="ef" * 16
)


@pytest.mark.parametrize(
    ("owned", "words"),
    [
        (1, "Your safety plan: `tj safety plan`."),
        (2, "Your safety plan for Work: `tj safety plan --journal Work`."),
    ],
)
def test_a_told_flag_names_its_journals_plan_with_several_journals(owned: int, words: str) -> None:
    report = SyncReport(undelivered_flags=[FLAG], journals_owned=owned)
    [line] = [output.shown(said) for said in output.settled_lines(report)]  # as printed
    assert line.startswith("Safety: ") and line.endswith(words), line


def test_a_name_that_does_not_paste_back_is_named_by_its_id() -> None:
    told = output.shown(output.plan_tell("Night `x`", "0123456789abcdef" * 2, True))
    assert "`tj safety plan --journal 0123456789ab`" in told, told
