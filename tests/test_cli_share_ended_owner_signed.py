"""`share_ended` is an end the device knows beyond the server's word (the owner's signed chain,
a signed end date passed, or this account's own leave) in every output and SDK field: the
journal list, `tj shared-with-me`, each entry, the export and `tj verify-head`. A server that
stops serving a share (a hostile one, here: it drops the membership in its database, as a
leave does, without the owner or the member asking) makes each of them say `unlisted` alone,
never `share_ended`, and no text names it "(share ended)". `read_only_copy` says either. Real
server on loopback, real crypto, the SDK and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.client.sharing_support import journal_id
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_server_that_stops_serving_a_share_never_makes_it_read_as_ended_by_the_owner(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("write", "Shared while it lasted.")
    await ana.ok("share", "Personal", "tom", "--full", "--fingerprint", tom.signup["fingerprint"])
    await tom.ok("sync")
    async with await Client.open(tom.home) as client:
        personal = await journal_id(client, "ana/Personal")
        member = client.profile.account_id
    server_stops_serving(live_server, personal, member)  # nothing ana signed
    await tom.ok("sync")

    async with await Client.open(tom.home) as client:
        [journal] = [j for j in await client.journals.list() if not j.own]
        assert (journal.read_only_copy, journal.share_ended, journal.unlisted) == (
            True,
            False,
            True,
        )
        assert journal.access == "no longer served (read-only copy)"
        [shared] = await client.shares.with_me(refresh=False)
        assert (shared.read_only_copy, shared.share_ended, shared.unlisted) == (True, False, True)
        [entry] = await client.entries.list("ana/Personal")
        assert (entry.share_ended, entry.unlisted) == (False, True)

    for command in (("journal", "list"), ("shared-with-me",), ("list",)):
        rows = [r for r in await tom.json(*command) if "ana" in json.dumps(r)]
        assert rows and all(r["share_ended"] is False and r["unlisted"] for r in rows), rows
        said = " ".join((await tom.ok(*command)).stdout.split())
        assert "(share ended)" not in said and "share ended (read-only" not in said, said
        assert "no longer served" in said, said
    said = await tom.json("verify-head", "ana/Personal")
    assert (said["share_ended"], said["unlisted"]) == (False, True), said
    out = tmp_path / "export"
    await tom.ok("export", "--out", str(out))
    [file] = out.glob("*.json")
    [copy] = [j for j in json.loads(file.read_text())["journals"] if j["name"] == "ana/Personal"]
    assert (copy["role"], copy["share_ended"], copy["unlisted"]) == ("ended", False, True), copy
