"""`tj delete` names a former member ("keeps what their device downloaded") only when their
share, by the journal's own signed chain, covered the entry: a record of it sealed under a
key the owner sealed to them; an entry written after the share ended (under a key they
never had) does not name them, whatever date it bears, and in doubt they are named (fail
closed) (real server on loopback, CliRunner)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from client_sdk.store import STORE_FILE
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

KEPT = "drsmith, whose share of Personal ended, keeps what their device downloaded"


def said(text: str) -> str:
    return " ".join(text.split())


async def ended_share(live_server: RunningServer, tmp_path: Path) -> tuple[Device, str]:
    """ana shares Personal with drsmith, writes an entry he downloads, then unshares; then
    writes an entry dated before the end. The id of that later entry."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("write", "While shared.")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    later = await ana.json("write", "--date", "2026-11-24 21:00", "Saw my sister.")
    return ana, str(later["id"])


async def test_an_entry_written_after_the_share_ended_names_no_former_member(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, later = await ended_share(live_server, tmp_path)
    asked = await ana.tj("delete", later[:8], input="n\n")
    text = said(asked.stdout + asked.stderr)
    assert "Move the entry of 2026-11-24" in text and "drsmith" not in text, text
    [before] = [e for e in await ana.json("list") if e["id"] != later]
    asked = await ana.tj("delete", before["id"][:8], input="n\n")
    assert KEPT in said(asked.stdout + asked.stderr)  # written while shared: named


async def test_a_record_whose_key_epoch_is_unknown_names_them_all_the_same(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, later = await ended_share(live_server, tmp_path)
    [store] = list(ana.home.rglob(STORE_FILE))
    with closing(sqlite3.connect(store)) as db, db:  # as a store from before epochs were kept
        done = db.execute(
            "UPDATE seen_records SET epoch = NULL WHERE doc_id = ?", (bytes.fromhex(later),)
        )
        assert done.rowcount > 0
    asked = await ana.tj("delete", later[:8], input="n\n")
    assert KEPT in said(asked.stdout + asked.stderr)
