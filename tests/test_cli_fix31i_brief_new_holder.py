"""A server that never tells ana that drsmith erased his account (the meta_version it serves
for her journals frozen, so her device never re-reads who reads them) while a new account
takes the name: `tj brief drsmith --fingerprint NEW --yes` judges its default scope for the
account it goes to, which the owner-signed chain never named, and shares nothing (rev31d
F5: the digest of Personal went to the new account)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def test_hostile_server_hiding_an_erasure_gets_no_brief_to_the_names_new_account(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    dr = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await ana.ok("write", "--tag", "to-discuss", "private words for the first drsmith")
    await ana.ok("sync")
    frozen: dict[bytes, int] = {}
    for reply in hostile.replies_to("/v1/journals/list"):
        for j in wire.decode(wire.JournalList, reply).journals:
            frozen[j.journal_id] = j.meta_version

    def sync_frozen(_request: bytes, reply: bytes) -> bytes:
        synced = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, meta_version=frozen[p.journal_id])
            if p.journal_id in frozen
            else p
            for p in synced.pages
        ]
        return wire.encode(dataclasses.replace(synced, pages=pages))

    hostile.replies["/v1/sync"] = sync_frozen
    await dr.ok("account", "delete", "--yes")
    other = Device(tmp_path / "dr2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "drsmith")
    done = await ana.tj("brief", "drsmith", "--fingerprint", other.signup["fingerprint"], "--yes")
    assert done.exit_code == 1, done.output
    assert (
        "Error: this brief covers what you shared with another account that bore the name "
        "drsmith (Personal); with the account the name is given to now, whose keys you "
        "confirmed, you share nothing: nothing was shared"
    ) in done.stderr.replace("\n", " "), done.output
    assert "Shared the brief" not in done.output, done.output
    await other.ok("sync")
    assert await other.json("briefs") == [], "the new account got a brief it never read"
    assert await ana.json("briefs") == [], "a refused brief is left behind as if shared"
