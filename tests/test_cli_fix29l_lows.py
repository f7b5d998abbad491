"""NU75 F3: `tj unshare --json` gives what its text says: the pre-session brief (and
anything else) still shared with the member ("still_shared"), and what the member may not
have received ("undelivered"). NU75 F4: `tj journal default` takes 4 hex digits of an id.
Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_unshare_json_names_the_brief_still_shared_and_the_flags_not_received(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = [s for s in await ana.json("shares") if s["kind"] == "brief"]
    done = await ana.tj("unshare", "Personal", "drsmith", "--yes", "--json")
    assert done.exit_code == 0, done.output
    said = json.loads(done.stdout)
    assert said["action"] == "unshared", said
    [still] = said["still_shared"]
    assert (still["journal"], still["journal_id"], still["kind"]) == (
        brief["journal"], brief["journal_id"], "brief"
    ), said  # fmt: skip
    text = " ".join(done.stderr.split())
    assert still["expires_at"] is not None and "stays readable by drsmith" in text, text
    kinds = {item["kind"] for item in said["undelivered"]}
    assert "safety_flag" in kinds, said
    assert all(item["item"] == 9 and item["answer"] == 2 for item in said["undelivered"]), said
    assert "may not have received" in text, text


async def test_journal_default_takes_an_id_start_of_4_hex_digits_as_readme_says(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU75 F4: README: any unique start of an id, 4 hex digits or more, names a journal (8
    or more to delete, unshare, leave or forget); `tj journal default` asked for 8."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    listed = {j["name"]: j["id"] for j in await ana.json("journal", "list")}
    work = listed["Work"]
    chosen = await ana.tj("journal", "default", work[:6])
    assert chosen.exit_code == 0, chosen.output
    assert (await ana.json("journal", "default"))["id"] == work
    gone = await ana.tj("journal", "delete", listed["Personal"][:6], "--yes")  # still 8 here
    assert gone.exit_code != 0 and "at least 8 of its hex digits" in gone.stderr, gone.output
