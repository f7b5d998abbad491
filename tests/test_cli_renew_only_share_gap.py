"""Renewing a lapsed `--only` share with the same `--only` (the command that made it, a new
end date) names the results written while it had ended, with the command that sends them,
as the renewal of a field-level copy by `--until` alone does. Real server on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_lapsed_field_share_words import DAY_MS, move_clocks
from tests.test_cli_nu52_findings import flat


async def test_renewing_with_the_same_only_names_the_result_of_the_gap(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--until", tomorrow,
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 12 * DAY_MS)
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    later = f"{datetime.now() + timedelta(days=30):%Y-%m-%d}"
    renewed = await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--until", later, "--yes"
    )
    said = flat(renewed.stderr)
    assert "Not shared: 1 questionnaire result (the result dated before it began or written " in (
        said
    ), said
    assert "with item 9 answered above 0: `tj measure share" in said, said
    assert said.count("Shared only") == 1, said  # one confirmation
