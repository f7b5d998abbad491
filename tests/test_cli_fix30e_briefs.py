"""`tj brief --json` not shared (declined, not asked, a fingerprint still to compare) gives
the brief read, as `brief` and `text`, as when shared (fix30e item 4)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_brief_json_not_shared_gives_the_brief_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--tag", "to-discuss", "The move next month.")
    unknown = await ana.tj("brief", "drsmith", "--journal", "Personal", "--json")
    assert unknown.exit_code == 1, unknown.output
    error = json.loads(unknown.raw_stdout)["error"]
    assert error["subject"] == "fingerprint", error
    assert "--trust-on-first-use" in error["message"], error
    assert error["brief"]["entries"] == 1, error
    assert "The move next month." in error["text"], error
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok("share", "Personal", "drsmith", "--full", "--fingerprint", fingerprint)
    shared = json.loads((await ana.ok("brief", "drsmith", "--json", "--yes")).raw_stdout)
    for answer in ("n\n", ""):  # declined; stdin ended unanswered
        refused = await ana.tj("brief", "drsmith", "--json", input=answer)
        assert refused.exit_code == 1, refused.output
        error = json.loads(refused.raw_stdout)["error"]
        assert error["subject"] in ("declined", "unanswered"), error
        # the same brief but for its first line's time (prepared a moment later)
        assert error["text"].split("\n")[1:] == shared["text"].split("\n")[1:], error
        assert set(error["brief"]) == set(shared["brief"]), error
        assert error["brief"]["to_discuss"] == shared["brief"]["to_discuss"], error
        assert error["not_in_brief"] == [], error
