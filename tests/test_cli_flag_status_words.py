"""`tj safety flags`' last column: while it is headed "status" (a flag here never reached
its members), each flag's cell starts with the one status word its JSON row gives
(`SafetyFlag.status`: "not sent", "not delivered", "acknowledged", "sent"), so a sent flag
never reads "NOT YET" beside a "NOT SENT" one (pure: the table rendered wide)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console

import cli.main  # noqa: F401  (the commands load in order)
from cli.safety import flags_table
from client_sdk.safety import Acknowledgement, SafetyFlag

AT = datetime(2026, 12, 6, 21, 17, tzinfo=UTC)


def flag(flag_id: str, **kwargs: object) -> SafetyFlag:
    return SafetyFlag(
        id=flag_id, journal="Personal", journal_id="ab" * 16, owner="ana", result_id="cd" * 16,
        measure="phq9", item=9, answer=1, raised_at=AT, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def rendered(flags: list[SafetyFlag]) -> list[str]:
    console = Console(width=300, record=True, force_terminal=False)
    console.print(flags_table(flags, me="ana"))
    lines = console.export_text().splitlines()
    return [line.rstrip() for line in lines if line.strip() and not set(line.strip()) <= {"─", " "}]


def test_each_status_cell_starts_with_the_json_status_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    flags = [
        flag("11" * 16, unsent=True),
        flag("22" * 16, not_delivered=("drsmith",)),
        flag("33" * 16, acknowledged=(Acknowledgement("drsmith", AT),)),
        flag("44" * 16),
        flag("55" * 16, before_share=True),
    ]
    header, *rows = rendered(flags)
    assert header.split()[-1] == "status"
    start = header.index("status")
    for row, each in zip(rows, flags, strict=True):
        cell = row[start:]
        assert cell.startswith(each.status), (cell, each.to_dict()["status"])
        assert "NOT YET" not in cell
    assert rows[3][start:] == "sent: not acknowledged yet"
    assert rows[4][start:] == "sent: not acknowledged yet (before this share)"


def test_with_every_flag_sent_the_column_stays_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    header, *rows = rendered([flag("44" * 16)])
    assert header.split()[-1] == "acknowledged"
    assert rows[0].endswith("NOT YET")
