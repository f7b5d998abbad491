"""`tj safety flags`'s footer of item-9 answers with no flag for this therapist: a flag
counts for the result of its own journal only (another account's flag naming the result's id
hides nothing). Pure: the SDK's managers replaced by fixed lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cli.main  # noqa: F401  (cli.safety is imported through the CLI, not alone)
from cli.safety import unflagged_results
from client_sdk.results import MeasureResult
from client_sdk.safety import SafetyFlag

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANAS, BENS = "aa" * 16, "bb" * 16
ANAS_RESULT = "11" * 16


@dataclass
class _Journal:
    id: str
    role: str


class _Journals:
    async def list(self) -> list[_Journal]:
        return [_Journal(ANAS, "read"), _Journal(BENS, "read")]


class _Measures:
    async def list(self, journal: str | None = None) -> list[MeasureResult]:
        return [
            MeasureResult(
                ANAS_RESULT, "ana/Personal", ANAS, "phq9", "PHQ-9", 1, 12, "moderate", AT,
                (1, 1, 1, 1, 1, 1, 1, 3, 2), None, True,
            )
        ]  # fmt: skip


@dataclass
class _Therapist:
    journals: Any = None
    measures: Any = None


async def test_a_flag_in_another_clients_journal_does_not_hide_this_ones_item_9_answer() -> None:
    """ana answered item 9 with 2 and sent her therapist no flag. ben, who reads ana's
    journal too (he knows her result's id) and shares his own journal with the same
    therapist, writes a flag in his journal naming ana's result id: the therapist's footer
    must still list ana's answer (a flag counts for a result of its own journal only)."""
    therapist = _Therapist(_Journals(), _Measures())
    bens_flag = SafetyFlag("22" * 16, "ben/Personal", BENS, "ben", ANAS_RESULT, "phq9", 9, 1, AT)
    found = await unflagged_results(therapist, None, [bens_flag])  # type: ignore[arg-type]
    assert [r.id for r in found] == [ANAS_RESULT]
