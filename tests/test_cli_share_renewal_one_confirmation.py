"""A plain `--until` renewal of a copy of some fields says one thing: the terms kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat


async def test_an_until_renewal_of_a_field_level_copy_prints_one_confirmation(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--until", tomorrow,
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    later = f"{datetime.now() + timedelta(days=10):%Y-%m-%d}"
    said = flat((await ana.ok("share", "Personal", "tom", "--until", later, "--yes")).stderr)
    assert "tom still reads only the mood and scores" in said, said
    assert "Shared only" not in said, said  # no second confirmation
