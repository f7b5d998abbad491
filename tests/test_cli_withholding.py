"""`tj sync` when the server withholds records: a warning naming journal, device and missing
records on stderr, the gaps in `--json`, and exit status 3 (real server, real CLI)."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from tests.client.sharing_support import server_db
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401  (fixtures)

WITHHELD_EXIT = 3


def drop_second_record(live_server: RunningServer) -> None:
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        [(seq,)] = db.execute("SELECT seq FROM records ORDER BY seq LIMIT 1 OFFSET 1").fetchall()
        db.execute("DELETE FROM records WHERE seq = ?", (seq,))


async def test_tj_sync_warns_and_exits_3_when_the_server_withholds_a_record(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    live_server: RunningServer,
) -> None:
    for text in ("one", "two", "three"):
        await laptop.ok("write", text)
        await laptop.ok("sync")
    drop_second_record(live_server)

    result = await phone.tj("sync")
    assert result.exit_code == WITHHELD_EXIT, result.output
    assert "Warning: the server is withholding records" in result.stderr
    assert "counters 2)" in result.stderr
    assert "Traceback" not in result.output

    as_json = await phone.tj("sync", "--json")
    assert as_json.exit_code == WITHHELD_EXIT
    [gap] = json.loads(as_json.stdout)["withheld"]
    assert gap["missing"] == [[2, 2]]
    [current] = [d for d in await laptop.json("devices") if d["current"]]
    assert gap["device"] == current["id"]

    assert (await laptop.tj("sync")).exit_code == 0
