"""`tj sync` when the server withholds records: a warning naming journal, device and missing
records on stderr, the gaps in `--json`, and exit status 3 (real server, real CLI)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from tests.client.hostile import HostileServer, hostile  # noqa: F401  (fixture)
from tests.client.sharing_support import server_db
from tests.client.test_hostile_sync import never_done
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, laptop, phone, run_tj, succeeded  # noqa: F401  (fixtures)

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


async def test_tj_sync_exits_3_when_the_server_never_finishes_the_pull(
    laptop: Device,  # noqa: F811
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A server that answers "not done" forever: the pull stops, a gap below a counter
    received is still reported, and the exit status says the sync is not to be trusted."""
    for text in ("one", "two", "three"):
        await laptop.ok("write", text)
        await laptop.ok("sync")
    hostile.replies["/v1/sync"] = never_done
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    device = Device(tmp_path / "phone-via-proxy", hostile.url)
    login = ["--home", str(device.home), "--password-file", str(password_file), "login"]
    signed_in = await run_tj(
        [*login, hostile.url, "ana", "--device-name", "phone"], env={"TJ_PASSWORD": None}
    )  # signed in, its first sync incomplete: said, and exits as `tj sync` does
    assert signed_in.exit_code == WITHHELD_EXIT, signed_in.output

    result = await device.tj("sync")
    assert result.exit_code == WITHHELD_EXIT, result.output
    assert "Warning: incomplete sync: the server kept saying the pull is not done" in result.stderr
    assert "Traceback" not in result.output
