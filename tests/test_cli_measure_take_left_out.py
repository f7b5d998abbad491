"""`tj measure take` says a result is not in a `--only ...scores` copy whenever the copy
does not carry it, not only with `--date`: on a device whose clock is behind the one that
made the copy, a result taken now is dated before the copy's start and stays out of it, and
the command names neither "sees only the score" nor the member in `score_only_readers`.
Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import client_sdk.measures as measures_module
from client_sdk.models import now_ms
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_result_taken_with_the_clock_behind_the_copy_start_is_said_not_shared(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--only", "mood,scores", "--trust-on-first-use")
    real = now_ms
    monkeypatch.setattr(measures_module, "now_ms", lambda: real() - 10 * 60 * 1000)
    took = await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    said = flat(took.stderr)
    assert "Not shared with drlee: the copy of Personal kept for them holds results" in said
    assert "this PHQ-9 is dated before, so drlee does not see it" in said, said
    assert "sees only the score" not in said, said
    assert "drlee does not see this PHQ-9" not in said, said  # said once, by the line above
    shown = await ben.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    assert shown["score_only_readers"] == [], shown
    monkeypatch.setattr(measures_module, "now_ms", real)
    now = await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    assert "Not shared with drlee" not in flat(now.stderr)
    assert "sees only the score" in flat(now.stderr), now.stderr
    await ben.ok("sync")
    await drlee.ok("sync")
    assert [r["score"] for r in await drlee.json("measure", "list")] == [9]
